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
/** The employee's answer to a document that asks for one (plan of action, evaluations, report). */
export type ResponseView = S['ResponseView'];
export type Agreement = S['Agreement'];
export type ResponseRequest = S['ResponseRequest'];
export type AuthorRole = S['AuthorRole'];
export type Milestone = S['Milestone'];
export type MilestoneKind = S['MilestoneKind'];
export type StepStatus = S['StepStatus'];
export type Timeline = S['TimelineResponse'];
export type MfaChallenge = S['MfaChallenge'];
export type MfaMethod = S['MfaMethod'];
export type MfaLogin = S['MfaLogin'];
export type Employment = S['EmploymentView'];
export type Security = S['SecurityView'];
export type TotpEnrolment = S['TotpEnrolment'];
export type ActivationStatus = S['ActivationStatus'];

/** Exactly one of the optional fields `K` of `T`, given (the API refuses both, and neither). */
type OneOf<T, K extends keyof T> = K extends keyof T ? { [P in K]-?: NonNullable<T[P]> } : never;

/**
 * The second factor of `POST /auth/mfa`, `DELETE /me/mfa/totp` and `POST /me/mfa/recovery-codes`:
 * the app's code, or a recovery code (`{ code }` or `{ recovery_code }`).
 */
export type SecondFactorAnswer = OneOf<MfaLogin, 'code' | 'recovery_code'>;

export type Passkey = S['PasskeyView'];
export type PasskeyList = S['PasskeyList'];
export type PasskeyCeremony = S['PasskeyCeremony'];
export type RegisteredPasskey = S['RegisteredPasskey'];
/** What the API takes as `credential`: the browser's answer as JSON (opaque to the schema). */
export type PasskeyCredential = S['PasskeyAnswer']['credential'];
export type StepUpProof = S['StepUpProof'];
/** GET /me/access-log: who else read or changed the employee's absences and documents. */
export type AccessLogPage = S['AccessLogPage'];
export type AccessLogEntry = S['AccessLogEntry'];
export type AccessParty = S['AccessParty'];
