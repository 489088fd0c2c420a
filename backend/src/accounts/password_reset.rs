//! Forgotten password (SPEC §2.5): the request always answers 202; an active account gets a
//! one-hour, single-use link. Setting the new password ends every session and lifts a block.

use actix_web::{post, web, HttpResponse};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use super::invitations::link;
use super::models::Account;
use super::{lockout, sessions};
use crate::auth::{random_token, secret_digest, RateLimited};
use crate::db::now;
use crate::db::schema::{employees, password_resets};
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
                let accounts: Vec<Account> = employees::table
                    .filter(employees::email_normalised.eq(&email))
                    .filter(employees::deleted_at.is_null())
                    .filter(employees::activated_at.is_not_null())
                    .select(Account::as_select())
                    .load(conn)?;
                for account in accounts {
                    let token = random_token("");
                    let created_at = now();
                    diesel::insert_into(password_resets::table)
                        .values((
                            password_resets::id.eq(uuid::Uuid::new_v4().to_string()),
                            password_resets::employee_id.eq(&account.id),
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
                            reset_url: link(&public_url, "reset-password", &token),
                            valid_minutes: ttl.num_minutes(),
                        },
                    )?;
                }
                Ok(())
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
    let (reset_id, account) = state
        .db
        .run(move |conn| {
            let found = password_resets::table
                .inner_join(employees::table)
                .filter(password_resets::token_hash.eq(&lookup_hash))
                .filter(employees::deleted_at.is_null())
                .select((
                    password_resets::id,
                    password_resets::expires_at,
                    password_resets::used_at,
                    Account::as_select(),
                ))
                .first::<(
                    String,
                    chrono::NaiveDateTime,
                    Option<chrono::NaiveDateTime>,
                    Account,
                )>(conn)
                .optional()?;
            match found {
                None | Some((_, _, Some(_), _)) => Err(ApiError::NotFound),
                Some((_, expires_at, None, _)) if expires_at <= now() => Err(ApiError::Gone(
                    "This link has expired. Ask for a new one on the login page.".into(),
                )),
                Some((id, _, None, account)) => Ok((id, account)),
            }
        })
        .await?;
    account.check_new_password("password", &password, &state.settings.accounts)?;
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
                        .filter(password_resets::employee_id.eq(&account.id))
                        .filter(password_resets::used_at.is_null()),
                )
                .set(password_resets::used_at.eq(Some(at)))
                .execute(conn)?;
                diesel::update(employees::table.find(&account.id))
                    .set((
                        employees::password_hash.eq(Some(password_hash)),
                        employees::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                sessions::revoke_sessions(conn, changed, &account.id, None)?;
                lockout::clear_failures(conn, &account.email_normalised)?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
