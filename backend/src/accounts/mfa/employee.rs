//! The employee's own second factors: enrol and confirm an authenticator app and register
//! passkeys (both reachable with an enrolment-only token), list and remove them, and replace
//! the recovery codes (removals and new codes with step-up).

use actix_web::{delete, get, post, web, HttpResponse};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::passkey::{self, CeremonyOwner, PasskeyCeremony, PasskeyView, Purpose};
use super::{totp, SecondFactor};
use crate::accounts::lockout;
use crate::accounts::logins::{self, Login};
use crate::accounts::step_up;
use crate::auth::{AuthenticatedEmployee, EnrollingEmployee, RateLimited};
use crate::db::now;
use crate::db::schema::logins as login_rows;
use crate::error::{
    ApiError, Conflict, Invalid, NotFound, StepUpRequired, TooManyRequests, Unauthorized,
};
use crate::state::AppState;

/// Shown by authenticator apps above the code.
const ISSUER: &str = "Verzuim";

#[derive(Debug, Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// The secret for manual entry (base32).
    pub secret: String,
    /// The same secret for a QR code.
    pub otpauth_uri: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmation {
    /// The 6 digits the app shows now.
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes, shown only now: each logs in once instead of the app's code.
    pub recovery_codes: Vec<String>,
}

/// The password and a second factor again, for a change to the second factors themselves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepUp {
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
    /// The app's current code.
    pub code: Option<String>,
    /// Or, with the phone lost, one of the unused recovery codes.
    pub recovery_code: Option<String>,
}

/// Start (or start again) setting up an authenticator app.
///
/// Answers a new secret, for manual entry and as an `otpauth://` URI for a QR code. Nothing
/// changes at login until `POST /me/mfa/totp/confirm` proves the app shows the right codes.
/// Reachable with the enrolment-only token. 409 when an app is already set up.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    responses(
        (status = 201, body = TotpEnrolment),
        Unauthorized,
        Conflict,
    )
)]
#[post("/me/mfa/totp")]
pub async fn start_totp(
    employee: EnrollingEmployee,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let sealing = state.sealing.clone();
    let enrolment = state
        .db
        .run(move |conn| {
            let login = logins::of_employee(conn, &employee.employee_id)?;
            if login.has_totp() {
                return Err(ApiError::Conflict(
                    "An authenticator app is already set up; remove it first to set up another."
                        .into(),
                ));
            }
            let secret = totp::new_secret();
            let sealed = super::seal_secret(&sealing, &login.id, &secret)?;
            diesel::update(login_rows::table.find(&login.id))
                .set((
                    login_rows::totp_secret.eq(Some(sealed)),
                    login_rows::totp_last_step.eq(None::<i64>),
                    login_rows::updated_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(TotpEnrolment {
                secret: totp::encoded(&secret),
                otpauth_uri: totp::otpauth_uri(&secret, ISSUER, &login.email_normalised),
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(enrolment))
}

/// Confirm the authenticator app with a code it shows; answers the ten recovery codes.
///
/// From now on a login asks for a code after the password. The recovery codes are shown only
/// in this answer; each works once. After this, `POST /auth/refresh` gives a full token to an
/// employee whose employer requires two-step login.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    request_body = TotpConfirmation,
    responses(
        (status = 200, body = RecoveryCodes),
        Invalid,
        Unauthorized,
        TooManyRequests,
    )
)]
#[post("/me/mfa/totp/confirm")]
pub async fn confirm_totp(
    _rate_limited: RateLimited,
    employee: EnrollingEmployee,
    body: crate::web::input::Json<TotpConfirmation>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let code = totp::parse_code(&body.into_inner().code)
        .ok_or_else(|| ApiError::invalid("code", "must be the 6 digits the app shows"))?;
    let sealing = state.sealing.clone();
    let codes = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let login = logins::of_employee(conn, &employee.employee_id)?;
                if !super::use_totp_code(conn, &sealing, &login, &code, false)? {
                    return Err(ApiError::invalid(
                        "code",
                        "is not the code the app shows now (check the phone's clock), or setup was not started",
                    ));
                }
                super::replace_recovery_codes(conn, &login.id)
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(RecoveryCodes {
            recovery_codes: codes,
        }))
}

/// Step-up with both factors: the password, then a code of the app or a recovery code, each a
/// credential check reserved against the login's lockout before it runs. Answers the login with
/// the checks still reserved as one success for the caller to finish with its change.
async fn step_up_both(
    state: &web::Data<AppState>,
    employee_id: String,
    answers: StepUp,
) -> Result<Login, ApiError> {
    let StepUp {
        password,
        code,
        recovery_code,
    } = answers;
    let factor = SecondFactor::parse(code.as_deref(), recovery_code.as_deref())?;
    let login = step_up::check_password(state, employee_id, password).await?;
    let app = state.clone();
    state
        .db
        .run(move |conn| {
            // The password passed: its reservation ends, its failures stay, and the code is a
            // check of its own.
            lockout::record_passed_step(conn, &login.email_normalised, &app.settings.accounts)?;
            step_up::check_second_factor(conn, &app, &login, &factor)?;
            Ok(login)
        })
        .await
}

/// Remove the authenticator app (asks for the password and a code or a recovery code).
///
/// With the phone lost, a recovery code stands in for the app's code. The recovery codes go
/// with the app, and every other session of the person ends (a lost phone may be logged in).
/// If the employer requires two-step login, the next login leads through setting one up again.
/// Wrong answers count toward the login's lockout.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    request_body = StepUp,
    responses(
        (status = 204, description = "Removed"),
        Invalid,
        Unauthorized,
        TooManyRequests,
    )
)]
#[delete("/me/mfa/totp")]
pub async fn remove_totp(
    _rate_limited: RateLimited,
    employee: AuthenticatedEmployee,
    body: crate::web::input::Json<StepUp>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let login = step_up_both(&state, employee.employee_id.clone(), body.into_inner()).await?;
    let session_id = employee.session_id.clone();
    state
        .db
        .run_changing(move |conn, changed| {
            crate::db::write_transaction(conn, |conn| {
                logins::remove_totp(conn, &login.id)?;
                logins::revoke_sessions(conn, changed, &login.id, Some(&session_id))?;
                lockout::record_success(conn, &login.email_normalised)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replace the recovery codes with ten new ones (asks for the password and a code).
///
/// A code of the app, or one of the current recovery codes, goes with the password: a session
/// and the password alone must not mint a way past the second factor. The old codes stop
/// working. Needs an authenticator app set up.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    request_body = StepUp,
    responses(
        (status = 200, body = RecoveryCodes),
        Invalid,
        Unauthorized,
        TooManyRequests,
    )
)]
#[post("/me/mfa/recovery-codes")]
pub async fn new_recovery_codes(
    _rate_limited: RateLimited,
    employee: AuthenticatedEmployee,
    body: crate::web::input::Json<StepUp>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let login = step_up_both(&state, employee.employee_id.clone(), body.into_inner()).await?;
    let codes = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                lockout::record_success(conn, &login.email_normalised)?;
                super::replace_recovery_codes(conn, &login.id)
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(RecoveryCodes {
            recovery_codes: codes,
        }))
}

/// Start registering a passkey: answers the options for `navigator.credentials.create()`.
///
/// The passkey's relying party is the host of `VERZUIM_PUBLIC_URL` (409 when that is an IP
/// address). User verification (fingerprint, face, PIN) is required, so a passkey is a second
/// factor and a login of its own. At most ten per person (409). Reachable with the
/// enrolment-only token: a passkey satisfies an employer's two-step requirement.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    responses(
        (status = 200, body = PasskeyCeremony),
        Unauthorized,
        Conflict,
    )
)]
#[post("/me/passkeys/register/start")]
pub async fn start_passkey_registration(
    employee: EnrollingEmployee,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone();
    let ceremony = state
        .db
        .run(move |conn| {
            let webauthn = passkey::relying_party(app.webauthn.as_ref())?;
            let login = logins::of_employee(conn, &employee.employee_id)?;
            let existing = passkey::credentials_of_login(conn, &login.id)?;
            if existing.len() as i64 >= passkey::MAX_PER_LOGIN {
                return Err(ApiError::Conflict(format!(
                    "You have {} passkeys, the most there may be; remove one first.",
                    existing.len()
                )));
            }
            let user_id = uuid::Uuid::parse_str(&login.id).map_err(|e| {
                ApiError::internal(anyhow::anyhow!("login id {} is no UUID: {e}", login.id))
            })?;
            let exclude = existing.iter().map(|p| p.cred_id().clone()).collect();
            let (options, ceremony_state) = webauthn
                .start_passkey_registration(
                    user_id,
                    &login.email_normalised,
                    &login.email_normalised,
                    Some(exclude),
                )
                .map_err(|e| {
                    ApiError::internal(anyhow::anyhow!("passkey registration start: {e}"))
                })?;
            let owner =
                CeremonyOwner::session(&login.id, &employee.employee_id, &employee.session_id);
            let ceremony_id = passkey::open_ceremony(
                conn,
                Purpose::Registration,
                &owner,
                &ceremony_state,
                app.settings.accounts.mfa_challenge_ttl,
            )?;
            Ok(PasskeyCeremony {
                ceremony_id,
                public_key: passkey::creation_options(&options)?,
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(ceremony))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyRegistration {
    #[schema(format = Uuid)]
    pub ceremony_id: String,
    /// To tell passkeys apart ("iPhone", "YubiKey"); at most 60 characters, "Passkey N" when
    /// left out.
    pub name: Option<String>,
    /// WebAuthn's `RegistrationResponseJSON` (what `startRegistration` resolves to).
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredPasskey {
    pub passkey: PasskeyView,
    /// Ten single-use codes, only when this passkey is the person's first second factor: each
    /// logs in once in place of the passkey (a lost phone). Shown only now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

/// Finish registering a passkey with the browser's answer.
///
/// From now on a login may use the passkey after the password, or on its own
/// (`POST /auth/passkey/start`). The first second factor of a person comes with ten recovery
/// codes, shown only in this answer. After this, `POST /auth/refresh` gives a full token to an
/// employee whose employer requires two-step login.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    request_body = PasskeyRegistration,
    responses(
        (status = 201, body = RegisteredPasskey),
        Invalid,
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[post("/me/passkeys/register/finish")]
pub async fn finish_passkey_registration(
    employee: EnrollingEmployee,
    body: crate::web::input::Json<PasskeyRegistration>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let PasskeyRegistration {
        ceremony_id,
        name,
        credential,
    } = body.into_inner();
    let ceremony_id = passkey::parse_ceremony_id(&ceremony_id)?;
    let answer: webauthn_rs::prelude::RegisterPublicKeyCredential =
        passkey::parse_credential(credential)?;
    let name = name.map(|n| n.trim().to_string());
    passkey::parse_name(name.as_deref(), 0)?;
    let app = state.clone();
    let registered = state
        .db
        .run(move |conn| {
            let webauthn = passkey::relying_party(app.webauthn.as_ref())?;
            crate::db::write_transaction(conn, |conn| {
                let (owner, ceremony_state) = passkey::take_ceremony::<
                    webauthn_rs::prelude::PasskeyRegistration,
                >(
                    conn, &ceremony_id, Purpose::Registration
                )?
                .ok_or(ApiError::NotFound)?;
                let login = logins::of_employee(conn, &employee.employee_id)?;
                if owner.login_id.as_deref() != Some(login.id.as_str()) {
                    return Err(ApiError::NotFound);
                }
                let new_passkey = webauthn
                    .finish_passkey_registration(&answer, &ceremony_state)
                    .map_err(|e| {
                        ApiError::invalid(
                            "credential",
                            format!("is not an answer to this registration ({e})"),
                        )
                    })?;
                let count = passkey::count_of_login(conn, &login.id)?;
                if count >= passkey::MAX_PER_LOGIN {
                    return Err(ApiError::Conflict(
                        "You have the most passkeys there may be; remove one first.".into(),
                    ));
                }
                let name = passkey::parse_name(name.as_deref(), count)?;
                let first_factor = !login.has_second_factor();
                let stored = passkey::insert(conn, &login.id, &name, &new_passkey)?;
                let recovery_codes = if first_factor {
                    Some(super::replace_recovery_codes(conn, &login.id)?)
                } else {
                    None
                };
                Ok(RegisteredPasskey {
                    passkey: stored.view(),
                    recovery_codes,
                })
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(registered))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyList {
    /// Oldest first; at most ten.
    pub items: Vec<PasskeyView>,
}

/// The person's passkeys.
///
/// Each with the name given at registration and when it was last used; nothing of the key
/// itself. Reachable with the enrolment-only token.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    responses(
        (status = 200, body = PasskeyList),
        Unauthorized,
    )
)]
#[get("/me/passkeys")]
pub async fn list_passkeys(
    employee: EnrollingEmployee,
    state: web::Data<AppState>,
) -> Result<web::Json<PasskeyList>, ApiError> {
    let items = state
        .db
        .run(move |conn| {
            let login = logins::of_employee(conn, &employee.employee_id)?;
            Ok(passkey::of_login(conn, &login.id)?
                .iter()
                .map(passkey::StoredPasskey::view)
                .collect())
        })
        .await?;
    Ok(web::Json(PasskeyList { items }))
}

/// Remove a passkey (asks for a confirmation within the last five minutes).
///
/// Confirm first with `POST /me/step-up` (or its passkey form); a login counts as one. Every
/// other session of the person ends (the device may be lost). With no second factor left the
/// recovery codes go too, and an employer that requires two-step login leads through setting
/// one up again at the next login. Another person's passkey is a 404.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The passkey")),
    responses(
        (status = 204, description = "Removed"),
        Invalid,
        Unauthorized,
        StepUpRequired,
        NotFound,
    )
)]
#[delete("/me/passkeys/{id}")]
pub async fn remove_passkey(
    employee: AuthenticatedEmployee,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&path.into_inner())
        .map_err(|_| ApiError::invalid("id", "must be a UUID"))?
        .to_string();
    state
        .db
        .run_changing(move |conn, changed| {
            crate::db::write_transaction(conn, |conn| {
                let login = logins::of_employee(conn, &employee.employee_id)?;
                step_up::require_recent(conn, &employee.session_id)?;
                let removed = passkey::remove(conn, &login.id, &id)?;
                if !removed {
                    return Err(ApiError::NotFound);
                }
                logins::forget_recovery_codes_without_factor(conn, &login.id)?;
                logins::revoke_sessions(conn, changed, &login.id, Some(&employee.session_id))
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
