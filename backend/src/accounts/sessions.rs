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
use super::logins::{self, Employment};
use super::mfa::{self, SecondFactor};
use crate::auth::tokens::Stage;
use crate::auth::{
    random_token, secret_digest, AuthenticatedEmployee, EnrollingEmployee, RateLimited,
};
use crate::config::AccountSettings;
use crate::db::schema::{employees, logins as login_rows, mfa_challenges, refresh_tokens};
use crate::db::{now, ChangedEmployees, DbConnection};
use crate::domain::{password, EmailAddress};
use crate::error::{ApiError, Invalid, NotFound, Problem, TooManyRequests, Unauthorized};
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
    /// The employer requires two-step login and this login has no second factor yet: the
    /// token reaches only `GET /me`, the TOTP enrolment routes, refresh and logout until one is
    /// confirmed (then refresh for a full token).
    pub mfa_enrolment_required: bool,
}

/// The password was right; the second factor comes next, at `POST /auth/mfa`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MfaChallenge {
    /// Always `true`.
    pub mfa_required: bool,
    /// Valid 5 minutes, only at `POST /auth/mfa`.
    pub mfa_token: String,
    pub methods: Vec<MfaMethod>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MfaMethod {
    Totp,
    Passkey,
    RecoveryCode,
}

impl MfaMethod {
    /// The second steps open to `person`: the factors it has, and its recovery codes.
    pub fn of(person: &logins::Login) -> Vec<MfaMethod> {
        let mut methods = Vec::new();
        if person.has_totp() {
            methods.push(MfaMethod::Totp);
        }
        if person.has_passkey {
            methods.push(MfaMethod::Passkey);
        }
        methods.push(MfaMethod::RecoveryCode);
        methods
    }
}

/// A login answers a token, or (for a login with a second factor) the challenge for it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginResponse {
    Token(AccessToken),
    Challenge(MfaChallenge),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaLogin {
    pub mfa_token: String,
    /// The 6 digits of the authenticator app.
    pub code: Option<String>,
    /// One of the ten recovery codes (instead of `code`).
    pub recovery_code: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmploymentSwitch {
    /// One of `GET /me`'s `employments`.
    #[schema(format = Uuid)]
    pub employee_id: String,
}

/// A new session: a refresh-token family with its first token.
pub struct NewSession {
    pub employee_id: String,
    pub employer_id: String,
    pub family_id: String,
    pub refresh_token: String,
    pub stage: Stage,
}

/// Opens a session for `employment`: a new refresh-token family.
pub fn start_session(
    conn: &mut DbConnection,
    person: &logins::Login,
    employment: &Employment,
    settings: &AccountSettings,
) -> Result<NewSession, ApiError> {
    let family_id = uuid::Uuid::new_v4().to_string();
    let refresh_token = insert_refresh_token(conn, &employment.employee_id, &family_id, settings)?;
    diesel::update(login_rows::table.find(&person.id))
        .set(login_rows::last_login_at.eq(Some(now())))
        .execute(conn)?;
    // A login proves the password or a passkey: the next five minutes need no step-up.
    super::step_up::mark(conn, &family_id)?;
    Ok(NewSession {
        employee_id: employment.employee_id.clone(),
        employer_id: employment.employer_id.clone(),
        family_id,
        refresh_token,
        stage: employment.stage(person),
    })
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

fn access_token(
    state: &AppState,
    employee_id: &str,
    employer_id: &str,
    family_id: &str,
    stage: Stage,
) -> Result<AccessToken, ApiError> {
    let ttl = state.settings.accounts.access_token_ttl;
    let access_token = state
        .tokens
        .issue_employee_token(employee_id, employer_id, family_id, stage, ttl)
        .map_err(ApiError::internal)?;
    Ok(AccessToken {
        access_token,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
        mfa_enrolment_required: stage == Stage::Enrolment,
    })
}

pub fn session_response(state: &AppState, session: NewSession) -> Result<HttpResponse, ApiError> {
    let settings = &state.settings.accounts;
    let token = access_token(
        state,
        &session.employee_id,
        &session.employer_id,
        &session.family_id,
        session.stage,
    )?;
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
        .json(token))
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
/// The user name is the e-mail address (any case); the password is case-sensitive. One login
/// serves every employer of the person; the token names the first employment (switch with
/// `POST /auth/switch`). A login with a second factor answers `mfa_required` with an
/// `mfa_token` for `POST /auth/mfa` — no access token, no cookie. Otherwise the body carries a
/// 15-minute access token and an HttpOnly refresh cookie is set; `mfa_enrolment_required` says
/// the employer requires a second factor to be set up first. Three wrong passwords (or codes)
/// in a row block the address for an hour (429 with `Retry-After` and `blocked_until`); unknown
/// addresses answer exactly as known ones.
#[utoipa::path(
    tag = "sessions",
    request_body = Login,
    responses(
        (status = 200, description = "Logged in (the refresh token is set as an HttpOnly cookie), or the second factor is asked for", body = LoginResponse),
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
    let person = state
        .db
        .run(move |conn| {
            // Counted before the password is checked, so parallel guesses cannot outrun it.
            lockout::reserve(conn, &lookup_email, &lookup_settings)?;
            Ok(logins::find_by_email(conn, &lookup_email)?)
        })
        .await?;
    // One password per address, so one Argon2 run whatever the number of employers; with no
    // login the dummy hash keeps the timing the same.
    let matches = state
        .passwords
        .verify(password, person.as_ref().map(|l| l.password_hash.clone()))
        .await?;
    let Some(person) = person.filter(|_| matches) else {
        state
            .db
            .run(move |conn| lockout::record_failure(conn, &email, &settings))
            .await?;
        return Err(ApiError::InvalidCredentials);
    };
    let challenge_ttl = settings.mfa_challenge_ttl;
    let outcome = state
        .db
        .run(move |conn| {
            let Some(employment) = logins::employments(conn, &person.id)?.into_iter().next() else {
                // Every employment ended: nothing to log in to, answered as a wrong password
                // (the right password is not counted against the login).
                lockout::record_passed_step(conn, &email, &settings)?;
                return Err(ApiError::InvalidCredentials);
            };
            if person.has_second_factor() {
                lockout::record_passed_step(conn, &email, &settings)?;
                let challenge_id = open_challenge(conn, &person, &employment, challenge_ttl)?;
                return Ok(LoginOutcome::SecondFactor(
                    challenge_id,
                    MfaMethod::of(&person),
                ));
            }
            crate::db::write_transaction(conn, |conn| {
                lockout::record_success(conn, &email)?;
                Ok(LoginOutcome::Session(start_session(
                    conn,
                    &person,
                    &employment,
                    &settings,
                )?))
            })
        })
        .await?;
    match outcome {
        LoginOutcome::Session(session) => session_response(&state, session),
        LoginOutcome::SecondFactor(challenge_id, methods) => {
            let lifetime = challenge_ttl.to_std().unwrap_or_default();
            let mfa_token = state
                .tokens
                .issue_mfa_token(&challenge_id, lifetime)
                .map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok()
                .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
                .json(LoginResponse::Challenge(MfaChallenge {
                    mfa_required: true,
                    mfa_token,
                    methods,
                })))
        }
    }
}

enum LoginOutcome {
    Session(NewSession),
    SecondFactor(String, Vec<MfaMethod>),
}

fn open_challenge(
    conn: &mut DbConnection,
    person: &logins::Login,
    employment: &Employment,
    ttl: chrono::TimeDelta,
) -> Result<String, ApiError> {
    let id = uuid::Uuid::new_v4().to_string();
    let at = now();
    diesel::insert_into(mfa_challenges::table)
        .values((
            mfa_challenges::id.eq(&id),
            mfa_challenges::login_id.eq(&person.id),
            mfa_challenges::employee_id.eq(&employment.employee_id),
            mfa_challenges::expires_at.eq(at + ttl),
            mfa_challenges::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The second step of a login: the code of the authenticator app, or a recovery code.
///
/// Takes the `mfa_token` a right password answered (valid 5 minutes) with `code` (6 digits) or
/// `recovery_code`; each code works once. Wrong codes count toward the same lockout as wrong
/// passwords (three in a row block the address for an hour). Answers the normal token response
/// and sets the refresh cookie.
#[utoipa::path(
    tag = "sessions",
    request_body = MfaLogin,
    responses(
        (status = 200, description = "Logged in; the refresh token is set as an HttpOnly cookie", body = AccessToken),
        Invalid,
        (status = 401, description = "Wrong or used code (`/problems/invalid-second-factor`; the mfa_token stays valid), or the mfa_token expired or was used (`/problems/mfa-token-expired`: enter the password again)", body = Problem, content_type = "application/problem+json"),
        TooManyRequests,
    )
)]
#[post("/auth/mfa")]
pub async fn second_factor(
    _rate_limited: RateLimited,
    body: crate::web::input::PublicJson<MfaLogin>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let MfaLogin {
        mfa_token,
        code,
        recovery_code,
    } = body.into_inner();
    let factor = SecondFactor::parse(code.as_deref(), recovery_code.as_deref())?;
    let challenge_id = challenge_of_token(&state, &mfa_token)?;
    let settings = state.settings.accounts.clone();
    let sealing = state.sealing.clone();
    let session = state
        .db
        .run(move |conn| {
            let (login_id, employee_id) = open_challenge_of(conn, &challenge_id)?;
            let person = logins::find(conn, &login_id)?;
            let email = person.email_normalised.clone();
            lockout::reserve(conn, &email, &settings)?;
            // The code is used up and the step completed in one transaction: a step completed
            // by a parallel request rolls the code's use back.
            let outcome = crate::db::write_transaction(conn, |conn| {
                if !mfa::check(conn, &sealing, &person, &factor)? {
                    return Ok(None);
                }
                complete_challenge(conn, &challenge_id, &person, &employee_id, &settings).map(Some)
            });
            match outcome {
                Ok(Some(session)) => Ok(session),
                Ok(None) => {
                    lockout::record_failure(conn, &email, &settings)?;
                    Err(ApiError::InvalidSecondFactor(
                        "The code is not right, or it was used already.".into(),
                    ))
                }
                Err(error) => {
                    lockout::record_passed_step(conn, &email, &settings)?;
                    Err(error)
                }
            }
        })
        .await?;
    session_response(&state, session)
}

/// The login step an `mfa_token` names, while it is open: its login and employment.
pub fn open_challenge_of(
    conn: &mut DbConnection,
    challenge_id: &str,
) -> Result<(String, String), ApiError> {
    mfa_challenges::table
        .find(challenge_id)
        .filter(mfa_challenges::used_at.is_null())
        .filter(mfa_challenges::expires_at.gt(now()))
        .select((mfa_challenges::login_id, mfa_challenges::employee_id))
        .first(conn)
        .optional()?
        .ok_or(ApiError::MfaTokenExpired)
}

/// The challenge's id in an `mfa_token`; an invalid or expired token is `MfaTokenExpired`.
pub fn challenge_of_token(state: &AppState, mfa_token: &str) -> Result<String, ApiError> {
    Ok(state
        .tokens
        .verify_mfa_token(mfa_token)
        .map_err(|_| ApiError::MfaTokenExpired)?
        .sub)
}

/// Completes a login step once its second factor passed: marks it used (a step completed by a
/// parallel request makes this one `MfaTokenExpired`), clears the lockout count and opens the
/// session.
pub fn complete_challenge(
    conn: &mut DbConnection,
    challenge_id: &str,
    person: &logins::Login,
    employee_id: &str,
    settings: &AccountSettings,
) -> Result<NewSession, ApiError> {
    let completed = diesel::update(
        mfa_challenges::table
            .find(challenge_id)
            .filter(mfa_challenges::used_at.is_null()),
    )
    .set(mfa_challenges::used_at.eq(Some(now())))
    .execute(conn)?;
    let employment = logins::employment(conn, &person.id, employee_id)?;
    match (completed, employment) {
        (1, Some(employment)) => {
            lockout::record_success(conn, &person.email_normalised)?;
            start_session(conn, person, &employment, settings)
        }
        _ => Err(ApiError::MfaTokenExpired),
    }
}

/// Act in another employment of the same person (one login, several employers).
///
/// `employee_id` is one of `GET /me`'s `employments`. Answers a new access token for it; the
/// session (and its refresh cookie) moves along, and the previous employment's access tokens
/// of this session stop working.
#[utoipa::path(
    tag = "sessions",
    security(("employee_bearer" = [])),
    request_body = EmploymentSwitch,
    responses(
        (status = 200, body = AccessToken),
        Invalid,
        Unauthorized,
        NotFound,
    )
)]
#[post("/auth/switch")]
pub async fn switch_employment(
    employee: AuthenticatedEmployee,
    body: crate::web::input::Json<EmploymentSwitch>,
    state: web::Data<AppState>,
) -> Result<web::Json<AccessToken>, ApiError> {
    let target = body.into_inner().employee_id;
    uuid::Uuid::parse_str(&target)
        .map_err(|_| ApiError::invalid("employee_id", "must be a UUID"))?;
    let session_id = employee.session_id.clone();
    let (employment, stage) = state
        .db
        .run_changing(move |conn, changed| {
            crate::db::write_transaction(conn, |conn| {
                let person = logins::of_employee(conn, &employee.employee_id)?;
                let employment =
                    logins::employment(conn, &person.id, &target)?.ok_or(ApiError::NotFound)?;
                changed.employee(&employee.employee_id);
                changed.employee(&employment.employee_id);
                // Every token of the family, the rotated ones too, so that reuse detection
                // and the access-token check follow the session to its new employment.
                diesel::update(
                    refresh_tokens::table
                        .filter(refresh_tokens::family_id.eq(&employee.session_id)),
                )
                .set(refresh_tokens::employee_id.eq(&employment.employee_id))
                .execute(conn)?;
                let stage = employment.stage(&person);
                Ok((employment, stage))
            })
        })
        .await?;
    Ok(web::Json(access_token(
        &state,
        &employment.employee_id,
        &employment.employer_id,
        &session_id,
        stage,
    )?))
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
                // The stage is decided anew: a factor confirmed since, or a policy changed since.
                let person = logins::of_employee(conn, &employee_id)?;
                let Some(employment) = logins::employment(conn, &person.id, &employee_id)? else {
                    return Ok(None);
                };
                let refresh_token =
                    insert_refresh_token(conn, &employee_id, &family_id, &settings)?;
                Ok(Some(NewSession {
                    employee_id,
                    employer_id,
                    family_id,
                    refresh_token,
                    stage: employment.stage(&person),
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

/// End every session of the person, on every device and in every employment.
///
/// Revokes every refresh token of the login, this browser's included; every access token
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
    employee: EnrollingEmployee,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state
        .db
        .run_changing(move |conn, changed| {
            let person = logins::of_employee(conn, &employee.employee_id)?;
            logins::revoke_sessions(conn, changed, &person.id, None)
        })
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(&state.settings.accounts))
        .finish())
}
