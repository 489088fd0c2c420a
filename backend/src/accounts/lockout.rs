//! The lockout of a login (SPEC §2.4, §8): failed password checks counted per normalised
//! e-mail address, in the database so it holds across restarts and instances, and for
//! addresses without an account alike.
//!
//! **Count before you check.** A credential check first [`reserve`]s its attempt with one
//! conditional `UPDATE` — it succeeds only while the failures so far plus the checks still in
//! flight stay under the threshold — and only then runs Argon2. So however many wrong guesses
//! arrive at once, at most `threshold` of them are evaluated; the others answer 429. The
//! reservation ends as a [`record_failure`] (it becomes a counted failure) or a
//! [`record_success`] (it is released and the failures are reset, as a successful login does).
//! While the reservations in flight could complete the block, the block is already set; a
//! success lifts it again.
//!
//! A process that dies mid-check leaves its reservation behind; it lapses after
//! [`RESERVATION_LIFETIME`], far longer than any Argon2 run.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::config::AccountSettings;
use crate::db::schema::login_attempts;
use crate::db::{is_unique_violation, now, DbConnection};
use crate::error::ApiError;

/// How long an unfinished reservation counts.
const RESERVATION_LIFETIME: TimeDelta = TimeDelta::seconds(60);

/// Reserves one credential check for `email`, or answers 429 when the login is blocked or as
/// many checks as may still fail are already running.
pub fn reserve(
    conn: &mut DbConnection,
    email: &str,
    settings: &AccountSettings,
) -> Result<(), ApiError> {
    // Most logins find their row; only a first attempt (or one racing the purge or a success's
    // delete) creates it and goes round once more, so a login costs no INSERT that fails on
    // the key.
    for _ in 0..3 {
        let reserved = crate::db::write_transaction::<_, ApiError, _>(conn, |conn| {
            let at = now();
            let this = || login_attempts::table.filter(login_attempts::email_normalised.eq(email));
            // A block that has run out starts the count again from zero.
            diesel::update(
                this()
                    .filter(login_attempts::blocked_until.is_not_null())
                    .filter(login_attempts::blocked_until.le(at)),
            )
            .set((
                login_attempts::failed_count.eq(0),
                login_attempts::reserved_count.eq(0),
                login_attempts::blocked_until.eq(None::<NaiveDateTime>),
                login_attempts::reserved_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
            diesel::update(this().filter(login_attempts::reserved_until.lt(at)))
                .set((
                    login_attempts::reserved_count.eq(0),
                    login_attempts::reserved_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            let reserved = diesel::update(
                this()
                    .filter(login_attempts::blocked_until.is_null())
                    .filter(
                        (login_attempts::failed_count + login_attempts::reserved_count)
                            .lt(settings.lockout_threshold),
                    ),
            )
            .set((
                login_attempts::reserved_count.eq(login_attempts::reserved_count + 1),
                login_attempts::reserved_until.eq(Some(at + RESERVATION_LIFETIME)),
                login_attempts::updated_at.eq(at),
            ))
            .execute(conn)?;
            if reserved == 1 {
                block_when_full(conn, email, settings, at)?;
                return Ok(Reserved::Yes);
            }
            let found = login_attempts::table
                .find(email)
                .select((
                    login_attempts::blocked_until,
                    login_attempts::failed_count + login_attempts::reserved_count,
                ))
                .first::<(Option<NaiveDateTime>, i32)>(conn)
                .optional()?;
            Ok(match found {
                Some((Some(until), _)) => Reserved::Blocked(until),
                Some((None, counted)) if counted >= settings.lockout_threshold => {
                    Reserved::Blocked(at + TimeDelta::seconds(1))
                }
                // No row, or (on PostgreSQL) the UPDATE met a version that a concurrent success
                // deleted while the row now read was inserted anew: try again on what is there.
                _ => Reserved::TryAgain,
            })
        })?;
        match reserved {
            Reserved::Yes => return Ok(()),
            Reserved::Blocked(until) => return Err(blocked_error(until)),
            Reserved::TryAgain => ensure_row(conn, email)?,
        }
    }
    Err(ApiError::ServiceUnavailable(
        "The login could not be checked; try again.".into(),
    ))
}

enum Reserved {
    Yes,
    Blocked(NaiveDateTime),
    TryAgain,
}

fn ensure_row(conn: &mut DbConnection, email: &str) -> Result<(), ApiError> {
    let inserted = diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email_normalised.eq(email),
            login_attempts::failed_count.eq(0),
            login_attempts::reserved_count.eq(0),
            login_attempts::updated_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Sets the block as soon as the failures plus the checks in flight reach the threshold, so
/// that the answer to everyone else is "blocked" rather than "try again".
fn block_when_full(
    conn: &mut DbConnection,
    email: &str,
    settings: &AccountSettings,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        login_attempts::table
            .filter(login_attempts::email_normalised.eq(email))
            .filter(login_attempts::blocked_until.is_null())
            .filter(
                (login_attempts::failed_count + login_attempts::reserved_count)
                    .ge(settings.lockout_threshold),
            ),
    )
    .set(login_attempts::blocked_until.eq(Some(at + settings.lockout_duration)))
    .execute(conn)
}

/// Releases one reservation, if it has not lapsed already.
fn release(conn: &mut DbConnection, email: &str) -> QueryResult<usize> {
    diesel::update(
        login_attempts::table
            .filter(login_attempts::email_normalised.eq(email))
            .filter(login_attempts::reserved_count.gt(0)),
    )
    .set(login_attempts::reserved_count.eq(login_attempts::reserved_count - 1))
    .execute(conn)
}

/// The reserved check failed: it becomes a counted failure; reaching the threshold blocks the
/// login for the lockout time from now.
pub fn record_failure(
    conn: &mut DbConnection,
    email: &str,
    settings: &AccountSettings,
) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let at = now();
        release(conn, email)?;
        let counted = diesel::update(login_attempts::table.find(email))
            .set((
                login_attempts::failed_count.eq(login_attempts::failed_count + 1),
                login_attempts::updated_at.eq(at),
            ))
            .execute(conn)?;
        if counted == 0 {
            diesel::insert_into(login_attempts::table)
                .values((
                    login_attempts::email_normalised.eq(email),
                    login_attempts::failed_count.eq(1),
                    login_attempts::reserved_count.eq(0),
                    login_attempts::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
        diesel::update(
            login_attempts::table
                .filter(login_attempts::email_normalised.eq(email))
                .filter(login_attempts::failed_count.ge(settings.lockout_threshold)),
        )
        .set(login_attempts::blocked_until.eq(Some(at + settings.lockout_duration)))
        .execute(conn)?;
        Ok(())
    })
}

/// The reserved check succeeded: its reservation is released and the failures are reset (a
/// successful login ends a run of failures). Checks still in flight keep their reservations.
pub fn record_success(conn: &mut DbConnection, email: &str) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        release(conn, email)?;
        clear_failures(conn, email)
    })
}

/// The reserved check passed, but another factor must follow (a right password of a login with
/// a second factor): the reservation is released and the failures are kept, so that guessing
/// the second factor ends in the same block. A block set only for the checks in flight is lifted.
pub fn record_passed_step(
    conn: &mut DbConnection,
    email: &str,
    settings: &AccountSettings,
) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        release(conn, email)?;
        diesel::update(
            login_attempts::table
                .filter(login_attempts::email_normalised.eq(email))
                .filter(
                    (login_attempts::failed_count + login_attempts::reserved_count)
                        .lt(settings.lockout_threshold),
                ),
        )
        .set(login_attempts::blocked_until.eq(None::<NaiveDateTime>))
        .execute(conn)?;
        Ok(())
    })
}

/// A completed password reset lifts the block (SPEC §2.4) without touching checks in flight.
pub fn clear_failures(conn: &mut DbConnection, email: &str) -> Result<(), ApiError> {
    diesel::update(login_attempts::table.find(email))
        .set((
            login_attempts::failed_count.eq(0),
            login_attempts::blocked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    diesel::delete(
        login_attempts::table
            .filter(login_attempts::email_normalised.eq(email))
            .filter(login_attempts::reserved_count.eq(0))
            .filter(login_attempts::failed_count.eq(0)),
    )
    .execute(conn)?;
    Ok(())
}

/// Deletes the rows whose block and failures no longer matter: nothing blocked, nothing in
/// flight, and untouched for the lockout time. The outbox worker calls it now and then, so
/// guesses at made-up addresses leave nothing behind for long.
pub fn delete_expired(conn: &mut DbConnection, settings: &AccountSettings) -> QueryResult<usize> {
    let at = now();
    let quiet_since = at - settings.lockout_duration;
    diesel::delete(
        login_attempts::table
            .filter(login_attempts::updated_at.lt(quiet_since))
            .filter(
                login_attempts::blocked_until
                    .is_null()
                    .or(login_attempts::blocked_until.le(at)),
            )
            .filter(
                login_attempts::reserved_count
                    .eq(0)
                    .or(login_attempts::reserved_until.lt(at)),
            ),
    )
    .execute(conn)
}

pub fn blocked_error(until: NaiveDateTime) -> ApiError {
    let until = until.and_utc();
    let seconds_left = (until - chrono::Utc::now()).num_seconds().max(1);
    ApiError::TooManyRequests {
        detail: format!(
            "Too many wrong passwords. You can try again after {} UTC, or reset your password.",
            until.format("%Y-%m-%d %H:%M")
        ),
        retry_after: u64::try_from(seconds_left).unwrap_or(1),
        blocked_until: Some(until),
    }
}
