//! Step-up (SPEC §8): a sensitive change (removing a passkey; later exporting one's data or
//! answering a plan of action) asks that the session proved the password or a second factor in
//! the last five minutes. A login counts as such a proof; `POST /me/step-up` (password, app
//! code or recovery code) and the passkey step-up renew it. Every check is a credential check,
//! reserved against the login's lockout before it runs.

use actix_web::{post, web, HttpResponse};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use super::lockout;
use super::logins::{self, Login};
use super::mfa::passkey::{self, CeremonyOwner, PasskeyAnswer, PasskeyCeremony, Purpose};
use super::mfa::{self, SecondFactor};
use crate::auth::{AuthenticatedEmployee, RateLimited};
use crate::db::schema::session_step_ups;
use crate::db::{now, DbConnection};
use crate::domain::password;
use crate::error::{
    ApiError, Conflict, FieldError, Invalid, NotFound, TooManyRequests, Unauthorized,
};
use crate::state::AppState;

/// How long a proof counts.
pub const WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Marks the session as having proved the password or a second factor now.
pub fn mark(conn: &mut DbConnection, session_id: &str) -> QueryResult<()> {
    let at = now();
    let updated = diesel::update(session_step_ups::table.find(session_id))
        .set(session_step_ups::stepped_up_at.eq(at))
        .execute(conn)?;
    if updated == 0 {
        let inserted = diesel::insert_into(session_step_ups::table)
            .values((
                session_step_ups::session_id.eq(session_id),
                session_step_ups::stepped_up_at.eq(at),
            ))
            .execute(conn);
        match inserted {
            // A parallel mark of the same session came first; it holds the same time.
            Err(e) if crate::db::is_unique_violation(&e) => {}
            other => {
                other?;
            }
        }
    }
    Ok(())
}

/// 403 `/problems/step-up-required` unless the session proved itself in the last five minutes.
pub fn require_recent(conn: &mut DbConnection, session_id: &str) -> Result<(), ApiError> {
    let recent = session_step_ups::table
        .find(session_id)
        .filter(session_step_ups::stepped_up_at.gt(now() - WINDOW))
        .count()
        .get_result::<i64>(conn)?;
    if recent == 1 {
        Ok(())
    } else {
        Err(ApiError::StepUpRequired)
    }
}

/// Exactly one proof: the password, the app's code or a recovery code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepUpProof {
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<SecretString>,
    /// The authenticator app's 6 digits.
    pub code: Option<String>,
    /// One of the unused recovery codes.
    pub recovery_code: Option<String>,
}

/// Checks the password of the employee's login as a credential check: counted before Argon2
/// runs, against the login's lockout. A wrong one is a 400 on `password`.
pub async fn check_password(
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

/// Checks a second factor of the employee's login, reserved against its lockout first. A
/// wrong one is a 400 on the field it came in. Answers the login with the check still
/// reserved as one success.
pub fn check_second_factor(
    conn: &mut DbConnection,
    state: &AppState,
    login: &Login,
    factor: &SecondFactor,
) -> Result<(), ApiError> {
    let email = &login.email_normalised;
    let settings = &state.settings.accounts;
    lockout::reserve(conn, email, settings)?;
    if !mfa::check(conn, &state.sealing, login, factor)? {
        lockout::record_failure(conn, email, settings)?;
        return Err(factor.refused());
    }
    Ok(())
}

/// Confirm it is you: the password, the app's code or a recovery code.
///
/// For the next five minutes this session may make the changes that ask for it (removing a
/// passkey; 403 `/problems/step-up-required` otherwise). A login counts as a confirmation too.
/// Wrong answers count toward the login's lockout. A passkey confirms with
/// `POST /me/step-up/passkey/start` and `…/finish`.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    request_body = StepUpProof,
    responses(
        (status = 204, description = "Confirmed for five minutes"),
        Invalid,
        Unauthorized,
        TooManyRequests,
    )
)]
#[post("/me/step-up")]
pub async fn step_up(
    _rate_limited: RateLimited,
    employee: AuthenticatedEmployee,
    body: crate::web::input::Json<StepUpProof>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let StepUpProof {
        password,
        code,
        recovery_code,
    } = body.into_inner();
    let session_id = employee.session_id.clone();
    match (password, code.is_some() || recovery_code.is_some()) {
        (Some(password), false) => {
            let login = check_password(&state, employee.employee_id, password).await?;
            state
                .db
                .run(move |conn| {
                    lockout::record_success(conn, &login.email_normalised)?;
                    Ok(mark(conn, &session_id)?)
                })
                .await?;
        }
        (None, true) => {
            let factor = SecondFactor::parse(code.as_deref(), recovery_code.as_deref())?;
            let app = state.clone();
            state
                .db
                .run(move |conn| {
                    let login = logins::of_employee(conn, &employee.employee_id)?;
                    check_second_factor(conn, &app, &login, &factor)?;
                    lockout::record_success(conn, &login.email_normalised)?;
                    Ok(mark(conn, &session_id)?)
                })
                .await?;
        }
        (Some(_), true) => {
            return Err(ApiError::invalid(
                "password",
                "send one proof: `password`, `code` or `recovery_code`",
            ))
        }
        (None, false) => {
            return Err(ApiError::invalid(
                "password",
                "is required (or `code`, or `recovery_code`)",
            ))
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Start confirming it is you with a passkey.
///
/// Answers the options for `navigator.credentials.get()`, limited to this login's passkeys
/// (404 when it has none). Finish with `POST /me/step-up/passkey/finish`.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    responses(
        (status = 200, body = PasskeyCeremony),
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[post("/me/step-up/passkey/start")]
pub async fn start_passkey_step_up(
    employee: AuthenticatedEmployee,
    state: web::Data<AppState>,
) -> Result<web::Json<PasskeyCeremony>, ApiError> {
    let app = state.clone();
    let ceremony = state
        .db
        .run(move |conn| {
            let webauthn = passkey::relying_party(app.webauthn.as_ref())?;
            let login = logins::of_employee(conn, &employee.employee_id)?;
            let credentials = passkey::credentials_of_login(conn, &login.id)?;
            if credentials.is_empty() {
                return Err(ApiError::NotFound);
            }
            let (options, ceremony_state) = webauthn
                .start_passkey_authentication(&credentials)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("passkey step-up start: {e}")))?;
            let owner =
                CeremonyOwner::session(&login.id, &employee.employee_id, &employee.session_id);
            let ceremony_id = passkey::open_ceremony(
                conn,
                Purpose::StepUp,
                &owner,
                &ceremony_state,
                app.settings.accounts.mfa_challenge_ttl,
            )?;
            Ok(PasskeyCeremony {
                ceremony_id,
                public_key: passkey::request_options(&options)?,
            })
        })
        .await?;
    Ok(web::Json(ceremony))
}

/// Finish confirming it is you with a passkey.
///
/// Takes the browser's answer to the options of the start. For the next five minutes this
/// session may make the changes that ask for a confirmation. A refused answer counts toward
/// the login's lockout.
#[utoipa::path(
    tag = "security",
    security(("employee_bearer" = [])),
    request_body = PasskeyAnswer,
    responses(
        (status = 204, description = "Confirmed for five minutes"),
        Invalid,
        Unauthorized,
        NotFound,
        Conflict,
        TooManyRequests,
    )
)]
#[post("/me/step-up/passkey/finish")]
pub async fn finish_passkey_step_up(
    _rate_limited: RateLimited,
    employee: AuthenticatedEmployee,
    body: crate::web::input::Json<PasskeyAnswer>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let PasskeyAnswer {
        ceremony_id,
        credential,
    } = body.into_inner();
    let ceremony_id = passkey::parse_ceremony_id(&ceremony_id)?;
    let answer = passkey::parse_credential(credential)?;
    let app = state.clone();
    state
        .db
        .run(move |conn| {
            let webauthn = passkey::relying_party(app.webauthn.as_ref())?;
            let (owner, ceremony_state) =
                passkey::take_ceremony(conn, &ceremony_id, Purpose::StepUp)?
                    .ok_or(ApiError::NotFound)?;
            // Another session's ceremony is nobody's to finish here.
            if owner.session_id.as_deref() != Some(employee.session_id.as_str()) {
                return Err(ApiError::NotFound);
            }
            let login = logins::of_employee(conn, &employee.employee_id)?;
            if owner.login_id.as_deref() != Some(login.id.as_str()) {
                return Err(ApiError::NotFound);
            }
            let (email, settings) = (&login.email_normalised, &app.settings.accounts);
            lockout::reserve(conn, email, settings)?;
            if !passkey::verify_assertion(conn, webauthn, &login.id, &ceremony_state, &answer)? {
                lockout::record_failure(conn, email, settings)?;
                return Err(ApiError::invalid(
                    "credential",
                    "is not an answer of one of your passkeys to this request",
                ));
            }
            lockout::record_success(conn, email)?;
            Ok(mark(conn, &employee.session_id)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
