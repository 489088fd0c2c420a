// Named aliases of the generated OpenAPI types. No hand-written shapes.
//  - schema.d.ts        ← ../openapi.yaml (the backend's contract)
//  - draft-schema.d.ts  ← openapi.draft-absences-documents.yaml: TEMPORARY, only for the
//                         endpoints the backend does not serve yet (absences, dossier, timeline)
import type { components } from './schema';
import type { components as draftComponents } from './draft-schema';

type S = components['schemas'];
export type Problem = S['Problem'];
export type FieldError = S['FieldError'];
export type AccessToken = S['AccessToken'];
export type Me = S['Me'];
export type MePatch = S['MePatch'];
export type Language = S['Language'];
export type ServiceStatus = S['ServiceStatus'];

type D = draftComponents['schemas'];
export type Contact = D['Contact'];
export type SickReport = D['SickReport'];
export type ExpectedDuration = D['ExpectedDuration'];
export type Absence = D['Absence'];
export type AbsenceList = D['AbsenceList'];
export type AbsenceStatus = D['AbsenceStatus'];
export type Document = D['Document'];
export type DocumentList = D['DocumentList'];
export type DocumentCategory = D['DocumentCategory'];
export type Milestone = D['Milestone'];
export type MilestoneKey = D['MilestoneKey'];
export type MilestoneStatus = D['MilestoneStatus'];
export type Timeline = D['Timeline'];
