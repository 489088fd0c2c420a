//! Writes to webhook endpoints and their delivery log.

use diesel::prelude::*;

use super::models::{NewAttempt, WebhookRow};
use super::queries;
use crate::auth::Party;
use crate::db::schema::{webhook_attempts, webhooks};
use crate::db::{now, DbConnection};
use crate::error::ApiError;

/// Stores a new endpoint.
pub fn insert(conn: &mut DbConnection, row: &WebhookRow) -> Result<(), ApiError> {
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(&row.id),
            webhooks::employer_id.eq(&row.employer_id),
            webhooks::arbodienst_id.eq(&row.arbodienst_id),
            webhooks::url.eq(&row.url),
            webhooks::events.eq(&row.events),
            webhooks::secret.eq(&row.secret),
            webhooks::created_at.eq(row.created_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks the party's endpoint removed; the row stays for its attempts. Nothing more is
/// delivered to it: the deliverer drops a removed endpoint's queued deliveries.
pub fn remove(conn: &mut DbConnection, party: &Party, id: &str) -> Result<(), ApiError> {
    // The party's own endpoint, looked up first: an update cannot filter on a boxed query.
    queries::find(conn, party, id)?;
    let updated = diesel::update(
        webhooks::table
            .filter(webhooks::id.eq(id))
            .filter(webhooks::deleted_at.is_null()),
    )
    .set(webhooks::deleted_at.eq(Some(now())))
    .execute(conn)?;
    if updated == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

/// Records one delivery attempt and, when the endpoint answered 410 Gone (`disable`), disables
/// the endpoint in the same transaction.
pub fn record_attempt(
    conn: &mut DbConnection,
    attempt: &NewAttempt,
    disable: bool,
) -> Result<(), ApiError> {
    let at = now();
    crate::db::write_transaction(conn, |conn| {
        diesel::insert_into(webhook_attempts::table)
            .values((
                webhook_attempts::webhook_id.eq(&attempt.webhook_id),
                webhook_attempts::delivery_id.eq(&attempt.delivery_id),
                webhook_attempts::event_id.eq(&attempt.event_id),
                webhook_attempts::event_type.eq(&attempt.event_type),
                webhook_attempts::attempt.eq(attempt.attempt),
                webhook_attempts::attempted_at.eq(at),
                webhook_attempts::status_code.eq(attempt.status_code),
                webhook_attempts::error.eq(attempt.error),
                webhook_attempts::duration_ms.eq(attempt.duration_ms),
                webhook_attempts::succeeded.eq(attempt.succeeded),
            ))
            .execute(conn)?;
        if disable {
            diesel::update(webhooks::table.find(&attempt.webhook_id))
                .set(webhooks::disabled_at.eq(Some(at)))
                .execute(conn)?;
        }
        Ok(())
    })
}
