//! Second factors (SPEC §8): an authenticator app (TOTP) and passkeys, with ten recovery codes. Checking a
//! factor uses it up — a TOTP code's time step, a recovery code — in one conditional `UPDATE`,
//! so a replay or two parallel uses of one code cannot both pass. The caller reserves the
//! lockout attempt before checking, as for a password.

pub mod employee;
pub mod employer;
pub mod passkey;
pub mod recovery;
pub mod totp;

use diesel::prelude::*;

use super::logins::Login;
use crate::auth::SealingKey;
use crate::db::schema::{logins, recovery_codes};
use crate::db::{now, DbConnection};
use crate::error::ApiError;

/// A second factor as presented, parsed.
#[derive(Debug, Clone)]
pub enum SecondFactor {
    Code(String),
    RecoveryCode(String),
}

impl SecondFactor {
    /// The 400 for a factor that did not pass, on the field it came in.
    pub fn refused(&self) -> ApiError {
        match self {
            SecondFactor::Code(_) => ApiError::invalid("code", "is not the code the app shows now"),
            SecondFactor::RecoveryCode(_) => {
                ApiError::invalid("recovery_code", "is not an unused recovery code")
            }
        }
    }

    /// From the request's `code` / `recovery_code` fields: exactly one, well formed.
    pub fn parse(code: Option<&str>, recovery_code: Option<&str>) -> Result<Self, ApiError> {
        match (code, recovery_code) {
            (Some(code), None) => totp::parse_code(code)
                .map(SecondFactor::Code)
                .ok_or_else(|| ApiError::invalid("code", "must be the 6 digits the app shows")),
            (None, Some(code)) => recovery::normalise(code)
                .map(SecondFactor::RecoveryCode)
                .ok_or_else(|| {
                    ApiError::invalid("recovery_code", "is not a recovery code (xxxx-xxxx-xxxx)")
                }),
            (Some(_), Some(_)) => Err(ApiError::invalid(
                "recovery_code",
                "send either `code` or `recovery_code`, not both",
            )),
            (None, None) => Err(ApiError::invalid(
                "code",
                "is required (or `recovery_code`)",
            )),
        }
    }
}

fn secret_context(login_id: &str) -> Vec<u8> {
    format!("totp:{login_id}").into_bytes()
}

pub fn seal_secret(
    sealing: &SealingKey,
    login_id: &str,
    secret: &[u8],
) -> Result<Vec<u8>, ApiError> {
    sealing
        .seal(&secret_context(login_id), secret)
        .map_err(ApiError::internal)
}

/// The login's TOTP secret (confirmed or still being enrolled), opened.
pub fn open_secret(sealing: &SealingKey, login: &Login) -> Result<Option<Vec<u8>>, ApiError> {
    let Some(sealed) = &login.totp_secret else {
        return Ok(None);
    };
    sealing
        .open(&secret_context(&login.id), sealed)
        .map(Some)
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "the TOTP secret of login {} does not open with the data key",
                login.id
            ))
        })
}

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// Checks `code` against the login's TOTP secret and uses its time step up. `confirmed` says
/// which secret: the confirmed one (a login) or the one being enrolled (confirmation).
pub fn use_totp_code(
    conn: &mut DbConnection,
    sealing: &SealingKey,
    login: &Login,
    code: &str,
    confirmed: bool,
) -> Result<bool, ApiError> {
    if login.totp_confirmed_at.is_some() != confirmed {
        return Ok(false);
    }
    let Some(secret) = open_secret(sealing, login)? else {
        return Ok(false);
    };
    let Some(step) = totp::matching_step(&secret, code, unix_now()) else {
        return Ok(false);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let this_secret = logins::table
        .filter(logins::id.eq(&login.id))
        .filter(logins::totp_secret.eq(&login.totp_secret))
        .filter(
            logins::totp_last_step
                .is_null()
                .or(logins::totp_last_step.lt(step)),
        );
    let used = if confirmed {
        diesel::update(this_secret.filter(logins::totp_confirmed_at.is_not_null()))
            .set(logins::totp_last_step.eq(Some(step)))
            .execute(conn)?
    } else {
        let at = now();
        diesel::update(this_secret.filter(logins::totp_confirmed_at.is_null()))
            .set((
                logins::totp_last_step.eq(Some(step)),
                logins::totp_confirmed_at.eq(Some(at)),
                logins::updated_at.eq(at),
            ))
            .execute(conn)?
    };
    Ok(used == 1)
}

/// Uses a recovery code up, if it is one of the login's unused codes.
pub fn use_recovery_code(
    conn: &mut DbConnection,
    login_id: &str,
    normalised: &str,
) -> Result<bool, ApiError> {
    let used = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::login_id.eq(login_id))
            .filter(recovery_codes::code_hash.eq(recovery::digest(normalised)))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(Some(now())))
    .execute(conn)?;
    Ok(used == 1)
}

/// Checks a second factor of a login that has one confirmed.
pub fn check(
    conn: &mut DbConnection,
    sealing: &SealingKey,
    login: &Login,
    factor: &SecondFactor,
) -> Result<bool, ApiError> {
    match factor {
        SecondFactor::Code(code) => use_totp_code(conn, sealing, login, code, true),
        SecondFactor::RecoveryCode(code) => use_recovery_code(conn, &login.id, code),
    }
}

/// A new set of recovery codes; the old ones stop working. Returns the codes to show once.
pub fn replace_recovery_codes(
    conn: &mut DbConnection,
    login_id: &str,
) -> Result<Vec<String>, ApiError> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::login_id.eq(login_id)))
        .execute(conn)?;
    let at = now();
    let codes: Vec<String> = (0..recovery::COUNT).map(|_| recovery::new_code()).collect();
    for code in &codes {
        let normalised = recovery::normalise(code).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("a new recovery code is malformed"))
        })?;
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::id.eq(uuid::Uuid::new_v4().to_string()),
                recovery_codes::login_id.eq(login_id),
                recovery_codes::code_hash.eq(recovery::digest(&normalised)),
                recovery_codes::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(codes)
}

pub fn recovery_codes_left(conn: &mut DbConnection, login_id: &str) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::login_id.eq(login_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}
