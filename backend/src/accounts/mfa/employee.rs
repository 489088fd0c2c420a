//! The employee's own second factors: enrol and confirm an authenticator app (reachable with
//! an enrolment-only token), remove it, and replace the recovery codes (both with step-up).

use actix_web::{delete, post, web, HttpResponse};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{totp, SecondFactor};
use crate::accounts::lockout;
use crate::accounts::logins::{self, Login};
use crate::auth::{AuthenticatedEmployee, EnrollingEmployee, RateLimited};
use crate::db::now;
use crate::db::schema::logins as login_rows;
use crate::domain::password;
use crate::error::{ApiError, Conflict, FieldError, Invalid, TooManyRequests, Unauthorized};
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
            if login.has_second_factor() {
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

/// Checks the password of the employee's login as a credential check: counted before Argon2
/// runs, against the login's lockout. A wrong one is a 400 on `password`.
async fn step_up_password(
    state: &AppState,
    employee_id: String,
    password: SecretString,
) -> Result<Login, ApiError> {
    password::check_size(&password).map_err(|message| ApiError::invalid("password", message))?;
    let settings = state.settings.accounts.clone();
    let login = state
        .db
        .run(move |conn| {
            let login = logins::of_employee(conn, &employee_id)?;
            lockout::reserve(conn, &login.email_normalised, &settings)?;
            Ok(login)
        })
        .await?;
    let matches = state
        .passwords
        .verify(password, Some(login.password_hash.clone()))
        .await?;
    if !matches {
        let (email, settings) = (
            login.email_normalised.clone(),
            state.settings.accounts.clone(),
        );
        state
            .db
            .run(move |conn| lockout::record_failure(conn, &email, &settings))
            .await?;
        return Err(ApiError::Validation(vec![FieldError::new(
            "password",
            "is not your password",
        )]));
    }
    Ok(login)
}

/// Step-up with both factors: the password, then a code of the app or a recovery code, each a
/// credential check reserved against the login's lockout before it runs. Answers the login with
/// the checks still reserved as one success for the caller to finish with its change.
async fn step_up_both(
    state: &AppState,
    employee_id: String,
    answers: StepUp,
) -> Result<Login, ApiError> {
    let StepUp {
        password,
        code,
        recovery_code,
    } = answers;
    let factor = SecondFactor::parse(code.as_deref(), recovery_code.as_deref())?;
    let login = step_up_password(state, employee_id, password).await?;
    let settings = state.settings.accounts.clone();
    let sealing = state.sealing.clone();
    state
        .db
        .run(move |conn| {
            let email = login.email_normalised.clone();
            // The password passed: its reservation ends, its failures stay, and the code is a
            // check of its own.
            lockout::record_passed_step(conn, &email, &settings)?;
            lockout::reserve(conn, &email, &settings)?;
            if !super::check(conn, &sealing, &login, &factor)? {
                lockout::record_failure(conn, &email, &settings)?;
                return Err(match factor {
                    SecondFactor::Code(_) => {
                        ApiError::invalid("code", "is not the code the app shows now")
                    }
                    SecondFactor::RecoveryCode(_) => {
                        ApiError::invalid("recovery_code", "is not an unused recovery code")
                    }
                });
            }
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
                logins::remove_factors(conn, &login.id)?;
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
