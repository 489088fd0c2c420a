//! Logging in with a passkey (SPEC §8): as the second step after the password (with the
//! `mfa_token`), or on its own — the browser offers the person's discoverable passkeys for
//! this site and the answer names the login, so no address is asked and none is revealed.
//! Each answer is a credential check of the login it names, reserved against its lockout
//! before it is verified.

use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, PasskeyAuthentication, PublicKeyCredential,
};

use super::lockout;
use super::logins;
use super::mfa::passkey::{self, CeremonyOwner, PasskeyAnswer, PasskeyCeremony, Purpose};
use super::sessions::{self, AccessToken, NewSession};
use crate::auth::RateLimited;
use crate::db::DbConnection;
use crate::error::{ApiError, Conflict, Invalid, Problem, TooManyRequests};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyLoginStart {
    /// The `mfa_token` of a right password: the passkey is then the second step, and only this
    /// login's passkeys are offered. Left out, any passkey of this site may log in on its own.
    pub mfa_token: Option<String>,
}

/// Start logging in with a passkey: answers the options for `navigator.credentials.get()`.
///
/// With `mfa_token`, the passkey completes a login whose password was right (401
/// `/problems/mfa-token-expired` when the token is no longer valid). Without, it is a login of
/// its own: the browser lets the person pick one of their passkeys for this site.
#[utoipa::path(
    tag = "sessions",
    request_body = PasskeyLoginStart,
    responses(
        (status = 200, body = PasskeyCeremony),
        Invalid,
        (status = 401, description = "The mfa_token expired or was used (`/problems/mfa-token-expired`)", body = Problem, content_type = "application/problem+json"),
        Conflict,
        TooManyRequests,
    )
)]
#[post("/auth/passkey/start")]
pub async fn start(
    _rate_limited: RateLimited,
    body: crate::web::input::PublicJson<PasskeyLoginStart>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let challenge_id = match &body.mfa_token {
        Some(token) => Some(sessions::challenge_of_token(&state, token)?),
        None => None,
    };
    let app = state.clone();
    let ceremony = state
        .db
        .run(move |conn| {
            let webauthn = passkey::relying_party(app.webauthn.as_ref())?;
            let ttl = app.settings.accounts.mfa_challenge_ttl;
            let Some(challenge_id) = challenge_id else {
                let (options, ceremony_state) = webauthn
                    .start_discoverable_authentication()
                    .map_err(|e| ApiError::internal(anyhow::anyhow!("passkey login start: {e}")))?;
                let ceremony_id = passkey::open_ceremony(
                    conn,
                    Purpose::Login,
                    &CeremonyOwner::default(),
                    &ceremony_state,
                    ttl,
                )?;
                return Ok(PasskeyCeremony {
                    ceremony_id,
                    public_key: passkey::request_options(&options)?,
                });
            };
            let (login_id, employee_id) = sessions::open_challenge_of(conn, &challenge_id)?;
            let credentials = passkey::credentials_of_login(conn, &login_id)?;
            if credentials.is_empty() {
                return Err(ApiError::invalid(
                    "mfa_token",
                    "this login has no passkey; use the app's code or a recovery code",
                ));
            }
            let (options, ceremony_state) = webauthn
                .start_passkey_authentication(&credentials)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("passkey second step: {e}")))?;
            let owner = CeremonyOwner {
                login_id: Some(login_id),
                employee_id: Some(employee_id),
                session_id: None,
                mfa_challenge_id: Some(challenge_id),
            };
            let ceremony_id =
                passkey::open_ceremony(conn, Purpose::SecondFactor, &owner, &ceremony_state, ttl)?;
            Ok(PasskeyCeremony {
                ceremony_id,
                public_key: passkey::request_options(&options)?,
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(ceremony))
}

/// Finish logging in with a passkey: the browser's answer; answers the normal token response.
///
/// The refresh cookie is set as after a password login. A passkey that is not accepted answers
/// 401 `/problems/invalid-second-factor` and counts toward the lockout of the login it names;
/// an unknown, used or expired ceremony answers 401 `/problems/mfa-token-expired` (start again).
#[utoipa::path(
    tag = "sessions",
    request_body = PasskeyAnswer,
    responses(
        (status = 200, description = "Logged in; the refresh token is set as an HttpOnly cookie", body = AccessToken),
        Invalid,
        (status = 401, description = "The passkey was not accepted (`/problems/invalid-second-factor`), or the ceremony expired or was used (`/problems/mfa-token-expired`)", body = Problem, content_type = "application/problem+json"),
        Conflict,
        TooManyRequests,
    )
)]
#[post("/auth/passkey/finish")]
pub async fn finish(
    _rate_limited: RateLimited,
    body: crate::web::input::PublicJson<PasskeyAnswer>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let PasskeyAnswer {
        ceremony_id,
        credential,
    } = body.into_inner();
    let ceremony_id = passkey::parse_ceremony_id(&ceremony_id)?;
    let answer: PublicKeyCredential = passkey::parse_credential(credential)?;
    let app = state.clone();
    let session = state
        .db
        .run(move |conn| {
            let webauthn = passkey::relying_party(app.webauthn.as_ref())?;
            if let Some((owner, ceremony_state)) =
                passkey::take_ceremony(conn, &ceremony_id, Purpose::SecondFactor)?
            {
                return second_step(conn, &app, webauthn, owner, &ceremony_state, &answer);
            }
            let (_, ceremony_state) = passkey::take_ceremony(conn, &ceremony_id, Purpose::Login)?
                .ok_or(ApiError::MfaTokenExpired)?;
            login_of_its_own(conn, &app, webauthn, ceremony_state, &answer)
        })
        .await?;
    sessions::session_response(&state, session)
}

fn not_accepted() -> ApiError {
    ApiError::InvalidSecondFactor(
        "The passkey was not accepted; try again, or log in with your password.".into(),
    )
}

/// The passkey after a right password: completes the login step the ceremony belongs to.
fn second_step(
    conn: &mut DbConnection,
    app: &AppState,
    webauthn: &webauthn_rs::Webauthn,
    owner: CeremonyOwner,
    ceremony_state: &PasskeyAuthentication,
    answer: &PublicKeyCredential,
) -> Result<NewSession, ApiError> {
    let (Some(login_id), Some(employee_id), Some(challenge_id)) =
        (owner.login_id, owner.employee_id, owner.mfa_challenge_id)
    else {
        return Err(ApiError::MfaTokenExpired);
    };
    let person = logins::find(conn, &login_id)?;
    let (email, settings) = (person.email_normalised.clone(), &app.settings.accounts);
    lockout::reserve(conn, &email, settings)?;
    let outcome = crate::db::write_transaction(conn, |conn| {
        if !passkey::verify_assertion(conn, webauthn, &person.id, ceremony_state, answer)? {
            return Ok(None);
        }
        sessions::complete_challenge(conn, &challenge_id, &person, &employee_id, settings).map(Some)
    });
    match outcome {
        Ok(Some(session)) => Ok(session),
        Ok(None) => {
            lockout::record_failure(conn, &email, settings)?;
            Err(not_accepted())
        }
        Err(error) => {
            lockout::record_passed_step(conn, &email, settings)?;
            Err(error)
        }
    }
}

/// A passkey on its own: the answer's user handle names the login, whose passkey it must be.
fn login_of_its_own(
    conn: &mut DbConnection,
    app: &AppState,
    webauthn: &webauthn_rs::Webauthn,
    ceremony_state: DiscoverableAuthentication,
    answer: &PublicKeyCredential,
) -> Result<NewSession, ApiError> {
    let (user_id, credential_id) = webauthn
        .identify_discoverable_authentication(answer)
        .map_err(|_| not_accepted())?;
    let Some(person) = logins::find_optional(conn, &user_id.to_string())? else {
        return Err(not_accepted());
    };
    let (email, settings) = (person.email_normalised.clone(), &app.settings.accounts);
    lockout::reserve(conn, &email, settings)?;
    let verified = match passkey::find_by_credential(conn, &person.id, credential_id)? {
        Some(stored) => {
            let key = stored.passkey()?;
            match webauthn.finish_discoverable_authentication_v2(answer, ceremony_state, &key) {
                Ok(result) => passkey::record_use(conn, &person.id, &result)?,
                Err(error) => {
                    tracing::info!(%error, "passkey login refused");
                    false
                }
            }
        }
        None => false,
    };
    if !verified {
        lockout::record_failure(conn, &email, settings)?;
        return Err(not_accepted());
    }
    let Some(employment) = logins::employments(conn, &person.id)?.into_iter().next() else {
        // Every employment ended: nothing to log in to.
        lockout::record_passed_step(conn, &email, settings)?;
        return Err(not_accepted());
    };
    crate::db::write_transaction(conn, |conn| {
        lockout::record_success(conn, &email)?;
        sessions::start_session(conn, &person, &employment, settings)
    })
}
