//! Login, refresh, logout (SPEC §2.4, §3 sessions). The access token goes in the body; the
//! refresh token is an opaque, rotating, HttpOnly cookie scoped to `/api/v1/auth`, stored only
//! as a hash. Presenting a rotated refresh token again revokes its whole family.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{post, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::lockout;
use crate::auth::{random_token, secret_digest, AuthenticatedEmployee, RateLimited};
use crate::config::AccountSettings;
use crate::db::schema::{employees, refresh_tokens};
use crate::db::{now, ChangedEmployees, DbConnection};
use crate::domain::{password, EmailAddress};
use crate::error::{ApiError, Invalid, Problem, TooManyRequests, Unauthorized};
use crate::state::AppState;

pub const REFRESH_COOKIE: &str = "verzuim_refresh";
const COOKIE_PATH: &str = "/api/v1/auth";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The user name is the e-mail address (matched case-insensitively).
    pub email: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessToken {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// A new session: a refresh-token family with its first token.
pub struct NewSession {
    pub employee_id: String,
    pub employer_id: String,
    pub family_id: String,
    pub refresh_token: String,
}

fn insert_refresh_token(
    conn: &mut DbConnection,
    employee_id: &str,
    family_id: &str,
    settings: &AccountSettings,
) -> Result<String, ApiError> {
    let token = random_token("");
    let created_at = now();
    let ttl = settings.refresh_token_ttl;
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(uuid::Uuid::new_v4().to_string()),
            refresh_tokens::employee_id.eq(employee_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(secret_digest(&token)),
            refresh_tokens::expires_at.eq(created_at + ttl),
            refresh_tokens::created_at.eq(created_at),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Revokes every session of an employee, or all but `keep` (the caller's own).
pub fn revoke_sessions(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    employee_id: &str,
    keep: Option<&str>,
) -> Result<(), ApiError> {
    changed.employee(employee_id);
    let at = now();
    match keep {
        Some(family) => diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::employee_id.eq(employee_id))
                .filter(refresh_tokens::revoked_at.is_null())
                .filter(refresh_tokens::family_id.ne(family)),
        )
        .set(refresh_tokens::revoked_at.eq(Some(at)))
        .execute(conn)?,
        None => diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::employee_id.eq(employee_id))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(Some(at)))
        .execute(conn)?,
    };
    Ok(())
}

fn revoke_family(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    employee_id: &str,
    family_id: &str,
) -> Result<(), ApiError> {
    changed.employee(employee_id);
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now())))
    .execute(conn)?;
    Ok(())
}

fn session_response(state: &AppState, session: NewSession) -> Result<HttpResponse, ApiError> {
    let settings = &state.settings.accounts;
    let access_token = state
        .tokens
        .issue_employee_token(
            &session.employee_id,
            &session.employer_id,
            &session.family_id,
            settings.access_token_ttl,
        )
        .map_err(ApiError::internal)?;
    let cookie = Cookie::build(REFRESH_COOKIE, session.refresh_token)
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(settings.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(
            settings.refresh_token_ttl.num_seconds(),
        ))
        .finish();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .json(AccessToken {
            access_token,
            token_type: "Bearer",
            expires_in: settings.access_token_ttl.as_secs(),
        }))
}

fn removal_cookie(settings: &AccountSettings) -> Cookie<'static> {
    let mut cookie = Cookie::build(REFRESH_COOKIE, "")
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(settings.secure_cookies)
        .same_site(SameSite::Strict)
        .finish();
    cookie.make_removal();
    cookie
}

/// Log in with e-mail address and password.
///
/// The user name is the e-mail address (any case); the password is case-sensitive. On success
/// the body carries a 15-minute access token and an HttpOnly refresh cookie is set. Three wrong
/// passwords in a row block the address for an hour (429 with `Retry-After` and
/// `blocked_until`); unknown addresses answer exactly as known ones.
#[utoipa::path(
    tag = "sessions",
    request_body = Login,
    responses(
        (status = 200, description = "Logged in; the refresh token is set as an HttpOnly cookie", body = AccessToken),
        Invalid,
        (status = 401, description = "Wrong e-mail address or password (the same answer for unknown addresses)", body = Problem, content_type = "application/problem+json"),
        TooManyRequests,
    )
)]
#[post("/auth/login")]
pub async fn login(
    _rate_limited: RateLimited,
    body: crate::web::input::PublicJson<Login>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Login { email, password } = body.into_inner();
    // Parsed and bounded before anything is looked up or counted: a malformed address is
    // nobody's login, so refusing it reveals nothing and leaves no row behind.
    let email = EmailAddress::parse(&email)
        .map_err(|message| ApiError::invalid("email", message))?
        .normalised();
    password::check_size(&password).map_err(|message| ApiError::invalid("password", message))?;

    let settings = state.settings.accounts.clone();
    let (lookup_email, lookup_settings) = (email.clone(), settings.clone());
    let candidates = state
        .db
        .run(move |conn| {
            // Counted before the password is checked, so parallel guesses cannot outrun it.
            lockout::reserve(conn, &lookup_email, &lookup_settings)?;
            let candidates: Vec<(String, String, Option<String>)> = employees::table
                .filter(employees::email_normalised.eq(&lookup_email))
                .filter(employees::deleted_at.is_null())
                .filter(employees::activated_at.is_not_null())
                .select((
                    employees::id,
                    employees::employer_id,
                    employees::password_hash,
                ))
                .load(conn)?;
            Ok(candidates)
        })
        .await?;

    // The same address may hold an account at more than one employer; the password decides
    // which. With no account the dummy hash keeps the timing the same.
    let mut matched = None;
    if candidates.is_empty() {
        state.passwords.verify(password.clone(), None).await?;
    }
    for (employee_id, employer_id, hash) in candidates {
        if state.passwords.verify(password.clone(), hash).await? {
            matched = Some((employee_id, employer_id));
            break;
        }
    }

    match matched {
        None => {
            state
                .db
                .run(move |conn| lockout::record_failure(conn, &email, &settings))
                .await?;
            Err(ApiError::InvalidCredentials)
        }
        Some((employee_id, employer_id)) => {
            let session = state
                .db
                .run(move |conn| {
                    crate::db::write_transaction(conn, |conn| {
                        lockout::record_success(conn, &email)?;
                        let family_id = uuid::Uuid::new_v4().to_string();
                        let refresh_token =
                            insert_refresh_token(conn, &employee_id, &family_id, &settings)?;
                        Ok(NewSession {
                            employee_id,
                            employer_id,
                            family_id,
                            refresh_token,
                        })
                    })
                })
                .await?;
            session_response(&state, session)
        }
    }
}

/// Exchange the refresh cookie for a new access token (and a new refresh cookie).
///
/// Send the refresh cookie (the browser does so by itself for `/api/v1/auth`). Every refresh
/// rotates the cookie; presenting a rotated one again ends the whole session, because someone
/// else may hold a copy.
#[utoipa::path(
    tag = "sessions",
    responses(
        (status = 200, body = AccessToken),
        (status = 401, description = "No, unknown, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let presented = req
        .cookie(REFRESH_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| session_ended("No session; log in."))?;
    let settings = state.settings.accounts.clone();
    let outcome = state
        .db
        .run_changing(move |conn, changed| {
            crate::db::write_transaction(conn, |conn| {
                let found = refresh_tokens::table
                    .inner_join(employees::table)
                    .filter(refresh_tokens::token_hash.eq(secret_digest(&presented)))
                    .select((
                        refresh_tokens::id,
                        refresh_tokens::family_id,
                        refresh_tokens::employee_id,
                        employees::employer_id,
                        refresh_tokens::expires_at,
                        refresh_tokens::rotated_at,
                        refresh_tokens::revoked_at,
                        employees::deleted_at,
                    ))
                    .first::<(
                        String,
                        String,
                        String,
                        String,
                        chrono::NaiveDateTime,
                        Option<chrono::NaiveDateTime>,
                        Option<chrono::NaiveDateTime>,
                        Option<chrono::NaiveDateTime>,
                    )>(conn)
                    .optional()?;
                let Some((
                    id,
                    family_id,
                    employee_id,
                    employer_id,
                    expires_at,
                    rotated_at,
                    revoked_at,
                    deleted_at,
                )) = found
                else {
                    return Ok(None);
                };
                if rotated_at.is_some() {
                    // Someone presents a token that was already exchanged: a stolen copy or
                    // its owner. Either way the family is no longer trustworthy.
                    revoke_family(conn, changed, &employee_id, &family_id)?;
                    return Ok(None);
                }
                if revoked_at.is_some() || deleted_at.is_some() || expires_at <= now() {
                    return Ok(None);
                }
                let rotated = diesel::update(
                    refresh_tokens::table
                        .find(&id)
                        .filter(refresh_tokens::rotated_at.is_null()),
                )
                .set(refresh_tokens::rotated_at.eq(Some(now())))
                .execute(conn)?;
                if rotated != 1 {
                    return Ok(None);
                }
                let refresh_token =
                    insert_refresh_token(conn, &employee_id, &family_id, &settings)?;
                Ok(Some(NewSession {
                    employee_id,
                    employer_id,
                    family_id,
                    refresh_token,
                }))
            })
        })
        .await?;
    match outcome {
        Some(session) => session_response(&state, session),
        None => Err(session_ended("The session has ended; log in again.")),
    }
}

fn session_ended(detail: &str) -> ApiError {
    ApiError::Unauthorized {
        detail: detail.into(),
        challenge: "Bearer realm=\"verzuim\"".into(),
    }
}

/// End this browser's session (the refresh cookie's family) and clear the cookie.
///
/// Safe to call without a session: it always answers 204 and clears the cookie. Access tokens
/// of this session stop working at once.
#[utoipa::path(
    tag = "sessions",
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Never: logging out without a session also answers 204", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(presented) = req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string()) {
        state
            .db
            .run_changing(move |conn, changed| {
                let session: Option<(String, String)> = refresh_tokens::table
                    .filter(refresh_tokens::token_hash.eq(secret_digest(&presented)))
                    .select((refresh_tokens::employee_id, refresh_tokens::family_id))
                    .first(conn)
                    .optional()?;
                if let Some((employee_id, family)) = session {
                    revoke_family(conn, changed, &employee_id, &family)?;
                }
                Ok(())
            })
            .await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(&state.settings.accounts))
        .finish())
}

/// End every session of the employee, on every device.
///
/// Revokes every refresh token of the employee, this browser's included; every access token
/// stops working at once.
#[utoipa::path(
    tag = "sessions",
    security(("employee_bearer" = [])),
    responses(
        (status = 204, description = "Every session ended"),
        Unauthorized,
    )
)]
#[post("/auth/logout-all")]
pub async fn logout_all(
    employee: AuthenticatedEmployee,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state
        .db
        .run_changing(move |conn, changed| {
            revoke_sessions(conn, changed, &employee.employee_id, None)
        })
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(&state.settings.accounts))
        .finish())
}
