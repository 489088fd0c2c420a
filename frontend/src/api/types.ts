// Named aliases of the generated OpenAPI types (src/api/schema.d.ts). No hand-written shapes.
import type { components } from './schema';

type S = components['schemas'];
export type Problem = S['Problem'];
export type FieldError = S['FieldError'];
export type TokenResponse = S['TokenResponse'];
export type Me = S['Me'];
export type MeUpdate = S['MeUpdate'];
export type Contact = S['Contact'];
export type Language = S['Language'];
export type SickReport = S['SickReport'];
export type ExpectedDuration = S['ExpectedDuration'];
export type Absence = S['Absence'];
export type AbsenceStatus = S['AbsenceStatus'];
export type Document = S['Document'];
export type DocumentCategory = S['DocumentCategory'];
export type Milestone = S['Milestone'];
export type MilestoneKey = S['MilestoneKey'];
export type MilestoneStatus = S['MilestoneStatus'];
export type Timeline = S['Timeline'];
export type ServiceStatus = S['ServiceStatus'];
