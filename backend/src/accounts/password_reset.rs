//! Forgotten password (SPEC §2.5): the request always answers 202; an active account gets a
//! one-hour, single-use link. Setting the new password ends every session and lifts a block.

use actix_web::{post, web, HttpResponse};
use diesel::prelude::*;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;

use super::invitations::link;
use super::logins::{self, Login};
use super::models::Account;
use super::{lockout, password_policy};
use crate::auth::{random_token, secret_digest, RateLimited};
use crate::db::schema::{employees, logins as login_rows, password_resets};
use crate::db::{now, DbConnection};
use crate::domain::{password, EmailAddress, Language};
use crate::error::{ApiError, Gone, Invalid, NotFound, TooManyRequests};
use crate::events::email::{enqueue_email, EmailMessage};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// Ask for a password-reset link. Always 202, whether or not an account exists.
#[utoipa::path(
    tag = "sessions",
    request_body = ResetRequest,
    responses(
        (status = 202, description = "If an active account exists, an e-mail with a link is on its way"),
        Invalid,
        TooManyRequests,
    )
)]
#[post("/auth/password-reset")]
pub async fn request_reset(
    _rate_limited: RateLimited,
    body: crate::web::input::PublicJson<ResetRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // A malformed address is nobody's: refused before any lookup (the answer for a
    // well-formed one stays 202 whether or not it has an account).
    let email = EmailAddress::parse(&body.into_inner().email)
        .map_err(|message| ApiError::invalid("email", message))?
        .normalised();
    let ttl = state.settings.accounts.reset_ttl;
    let public_url = state.settings.public_url.clone();
    state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let Some(login) = logins::find_by_email(conn, &email)? else {
                    return Ok(());
                };
                send_reset(conn, &login.id, &public_url, ttl, ResetReason::Asked)
            })
        })
        .await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Set a new password with the link's token.
///
/// The link from the reset e-mail works once, for an hour. Setting the password ends every
/// session of the account and lifts a login block.
#[utoipa::path(
    tag = "sessions",
    params(("token" = String, Path, description = "The token from the reset link")),
    request_body = NewPassword,
    responses(
        (status = 204, description = "Password set; every session ended; any login block lifted"),
        Invalid,
        NotFound,
        Gone,
        TooManyRequests,
    )
)]
#[post("/auth/password-reset/{token}")]
pub async fn complete_reset(
    _rate_limited: RateLimited,
    path: web::Path<String>,
    body: crate::web::input::PublicJson<NewPassword>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token_hash = secret_digest(&path.into_inner());
    let password = body.into_inner().password;
    password::check_size(&password).map_err(|message| ApiError::invalid("password", message))?;
    let lookup_hash = token_hash.clone();
    let (reset_id, login) = state
        .db
        .run(move |conn| {
            let found = password_resets::table
                .inner_join(login_rows::table)
                .filter(password_resets::token_hash.eq(&lookup_hash))
                .select((
                    password_resets::id,
                    password_resets::expires_at,
                    password_resets::used_at,
                    Login::as_select(),
                ))
                .first::<(
                    String,
                    chrono::NaiveDateTime,
                    Option<chrono::NaiveDateTime>,
                    Login,
                )>(conn)
                .optional()?;
            match found {
                None | Some((_, _, Some(_), _)) => Err(ApiError::NotFound),
                Some((_, expires_at, None, _)) if expires_at <= now() => Err(ApiError::Gone(
                    "This link has expired. Ask for a new one on the login page.".into(),
                )),
                Some((id, _, None, login)) => Ok((id, login)),
            }
        })
        .await?;
    let address = EmailAddress::parse(&login.email_normalised).map_err(|e| {
        ApiError::internal(anyhow::anyhow!("stored address of login {}: {e}", login.id))
    })?;
    password_policy::check(
        "password",
        password.expose_secret(),
        &address,
        &state.settings.accounts,
    )
    .map_err(|e| ApiError::Validation(vec![e]))?;
    let password_hash = state.passwords.hash(password).await?;
    state
        .db
        .run_changing(move |conn, changed| {
            crate::db::write_transaction(conn, |conn| {
                let at = now();
                let used = diesel::update(
                    password_resets::table
                        .find(&reset_id)
                        .filter(password_resets::used_at.is_null()),
                )
                .set(password_resets::used_at.eq(Some(at)))
                .execute(conn)?;
                if used != 1 {
                    return Err(ApiError::NotFound);
                }
                diesel::update(
                    password_resets::table
                        .filter(password_resets::login_id.eq(&login.id))
                        .filter(password_resets::used_at.is_null()),
                )
                .set(password_resets::used_at.eq(Some(at)))
                .execute(conn)?;
                // The second factors stay: the e-mail alone never passes them.
                logins::set_password(conn, &login.id, &password_hash)?;
                logins::revoke_sessions(conn, changed, &login.id, None)?;
                lockout::clear_failures(conn, &login.email_normalised)?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetReason {
    /// The person asked for it on the login page.
    Asked,
    /// Two accounts on one address became one login whose password is the other account's.
    LoginsMerged,
}

/// Sends a reset link for the login, when it has an employment that may log in; the e-mail is
/// addressed as that employment knows the person.
fn send_reset(
    conn: &mut DbConnection,
    login_id: &str,
    public_url: &url::Url,
    ttl: chrono::TimeDelta,
    reason: ResetReason,
) -> Result<(), ApiError> {
    let Some(employment) = logins::employments(conn, login_id)?.into_iter().next() else {
        return Ok(());
    };
    let account = employees::table
        .find(&employment.employee_id)
        .select(Account::as_select())
        .first::<Account>(conn)?;
    let token = random_token("");
    let created_at = now();
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::id.eq(uuid::Uuid::new_v4().to_string()),
            password_resets::login_id.eq(login_id),
            password_resets::token_hash.eq(secret_digest(&token)),
            password_resets::expires_at.eq(created_at + ttl),
            password_resets::created_at.eq(created_at),
        ))
        .execute(conn)?;
    enqueue_email(
        conn,
        &EmailMessage::PasswordReset {
            to: account.email.clone(),
            language: Language::parse(&account.language).unwrap_or_default(),
            first_name: account.first_name.clone(),
            reset_url: link(public_url, "reset-password", &token),
            valid_minutes: ttl.num_minutes(),
            logins_merged: reason == ResetReason::LoginsMerged,
        },
    )?;
    Ok(())
}

/// Finishes the migration to one login per address (migration 10): an account whose address
/// had another, more recently used account lost its own password to that one's. Its owner gets
/// a reset link saying so, and the old hash is cleared. Runs at start-up; a crash midway leaves
/// the rest for the next start.
pub fn adopt_legacy_passwords(
    conn: &mut DbConnection,
    public_url: &url::Url,
    ttl: chrono::TimeDelta,
) -> Result<usize, ApiError> {
    let merged: Vec<(String, Option<String>)> = employees::table
        .filter(employees::password_hash.is_not_null())
        .select((employees::id, employees::login_id))
        .load(conn)?;
    for (employee_id, login_id) in &merged {
        crate::db::write_transaction(conn, |conn| {
            diesel::update(employees::table.find(employee_id))
                .set(employees::password_hash.eq(None::<String>))
                .execute(conn)?;
            if let Some(login_id) = login_id {
                send_reset(conn, login_id, public_url, ttl, ResetReason::LoginsMerged)?;
            }
            Ok::<_, ApiError>(())
        })?;
    }
    Ok(merged.len())
}
