// Named aliases of the generated OpenAPI types (schema.d.ts ← ../openapi.yaml). No hand-written shapes.
import type { components } from './schema';

type S = components['schemas'];
export type Problem = S['Problem'];
export type FieldError = S['FieldError'];
export type AccessToken = S['AccessToken'];
export type Me = S['Me'];
export type ContactPerson = S['ContactPerson'];
export type MePatch = S['MePatch'];
export type Language = S['Language'];
export type ServiceStatus = S['ServiceStatus'];
export type SickReport = S['SickReportRequest'];
export type ExpectedDuration = S['ExpectedDuration'];
export type Absence = S['Absence'];
export type AbsenceList = S['AbsencePage'];
export type AbsenceStatus = S['AbsenceStatus'];
export type PartialRecovery = S['PartialRecovery'];
export type Document = S['MyDocument'];
export type DocumentList = S['MyDocumentPage'];
export type DocumentCategory = S['Category'];
export type AuthorRole = S['AuthorRole'];
export type Milestone = S['Milestone'];
export type MilestoneKey = S['MilestoneKey'];
export type MilestoneStatus = S['MilestoneStatus'];
export type Timeline = S['TimelineResponse'];
