//! Reads of webhook endpoints and their delivery attempts. Removed endpoints are kept as rows
//! (their attempts refer to them) but are found by no API read.

use diesel::prelude::*;

use super::models::{DeliveryAttemptRow, WebhookRow};
use crate::auth::Party;
use crate::db::schema::{webhook_attempts, webhooks};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;

/// The party's endpoints that are not removed.
fn of_party(party: &Party) -> webhooks::BoxedQuery<'_, MultiBackend> {
    let live = webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .into_boxed();
    match party {
        Party::Employer(id) => live.filter(webhooks::employer_id.eq(id)),
        Party::Arbodienst(id) => live.filter(webhooks::arbodienst_id.eq(id)),
    }
}

/// The party's endpoint with this id, unless removed.
pub fn find(conn: &mut DbConnection, party: &Party, id: &str) -> Result<WebhookRow, ApiError> {
    Ok(of_party(party).filter(webhooks::id.eq(id)).first(conn)?)
}

/// The party's endpoints, oldest first.
pub fn list(conn: &mut DbConnection, party: &Party) -> Result<Vec<WebhookRow>, ApiError> {
    Ok(of_party(party)
        .order((webhooks::created_at.asc(), webhooks::id.asc()))
        .load(conn)?)
}

/// The endpoint a queued delivery names, whatever its state: the deliverer tells removed and
/// disabled ones apart itself.
pub fn endpoint(conn: &mut DbConnection, id: &str) -> Result<Option<WebhookRow>, ApiError> {
    Ok(webhooks::table
        .filter(webhooks::id.eq(id))
        .first::<WebhookRow>(conn)
        .optional()?)
}

/// Up to `limit` attempts to one endpoint with a row id below `before`, newest first.
pub fn attempts(
    conn: &mut DbConnection,
    webhook_id: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<DeliveryAttemptRow>, ApiError> {
    Ok(webhook_attempts::table
        .select((
            webhook_attempts::id,
            webhook_attempts::delivery_id,
            webhook_attempts::event_id,
            webhook_attempts::event_type,
            webhook_attempts::attempt,
            webhook_attempts::attempted_at,
            webhook_attempts::status_code,
            webhook_attempts::error,
            webhook_attempts::duration_ms,
            webhook_attempts::succeeded,
        ))
        .filter(webhook_attempts::webhook_id.eq(webhook_id))
        .filter(webhook_attempts::id.lt(before))
        .order(webhook_attempts::id.desc())
        .limit(limit)
        .load(conn)?)
}
