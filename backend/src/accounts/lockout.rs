//! Failed-login counting per normalised e-mail address, in the database so it holds across
//! restarts and instances, and for addresses without an account alike (SPEC §2.4).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::config::AccountSettings;
use crate::db::schema::login_attempts;
use crate::db::{is_unique_violation, now, DbConnection};
use crate::error::ApiError;

/// `Some(until)` while the address is blocked. An expired block is cleared, so the count
/// starts again from zero.
pub fn blocked_until(
    conn: &mut DbConnection,
    email: &str,
) -> Result<Option<NaiveDateTime>, ApiError> {
    let until = login_attempts::table
        .find(email)
        .select(login_attempts::blocked_until)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten();
    match until {
        Some(until) if until > now() => Ok(Some(until)),
        Some(_) => {
            clear(conn, email)?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Counts one failure; the failure that reaches the threshold starts the block.
pub fn record_failure(
    conn: &mut DbConnection,
    email: &str,
    settings: &AccountSettings,
) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let at = now();
        let updated = diesel::update(login_attempts::table.find(email))
            .set((
                login_attempts::failed_count.eq(login_attempts::failed_count + 1),
                login_attempts::updated_at.eq(at),
            ))
            .execute(conn)?;
        if updated == 0 {
            let inserted = diesel::insert_into(login_attempts::table)
                .values((
                    login_attempts::email_normalised.eq(email),
                    login_attempts::failed_count.eq(1),
                    login_attempts::updated_at.eq(at),
                ))
                .execute(conn);
            match inserted {
                Ok(_) => {}
                // A concurrent first failure inserted the row: count on top of it.
                Err(e) if is_unique_violation(&e) => {
                    diesel::update(login_attempts::table.find(email))
                        .set(login_attempts::failed_count.eq(login_attempts::failed_count + 1))
                        .execute(conn)?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let count: i32 = login_attempts::table
            .find(email)
            .select(login_attempts::failed_count)
            .first(conn)?;
        if count >= settings.lockout_threshold {
            let lockout = settings.lockout_duration;
            diesel::update(login_attempts::table.find(email))
                .set(login_attempts::blocked_until.eq(Some(at + lockout)))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// A successful login or a completed password reset.
pub fn clear(conn: &mut DbConnection, email: &str) -> Result<(), ApiError> {
    diesel::delete(login_attempts::table.find(email)).execute(conn)?;
    Ok(())
}

pub fn blocked_error(until: NaiveDateTime) -> ApiError {
    let until = until.and_utc();
    let seconds_left = (until - chrono::Utc::now()).num_seconds().max(1);
    ApiError::TooManyRequests {
        detail: format!(
            "Too many failed login attempts. You can log in again after {} UTC, or reset your password.",
            until.format("%Y-%m-%d %H:%M")
        ),
        retry_after: u64::try_from(seconds_left).unwrap_or(1),
        blocked_until: Some(until),
    }
}
