//! Reads of webhook endpoints and their delivery attempts. Removed endpoints are kept as rows
//! (their attempts refer to them) but are found by no API read.

use diesel::prelude::*;

use super::models::{DeliveryAttemptRow, WebhookRow};
use crate::db::schema::{webhook_attempts, webhooks};
use crate::db::DbConnection;
use crate::error::ApiError;

/// The employer's endpoint with this id, unless removed.
pub fn find(conn: &mut DbConnection, employer_id: &str, id: &str) -> Result<WebhookRow, ApiError> {
    Ok(webhooks::table
        .filter(webhooks::id.eq(id))
        .filter(webhooks::employer_id.eq(employer_id))
        .filter(webhooks::deleted_at.is_null())
        .first(conn)?)
}

/// The employer's endpoints, oldest first.
pub fn list(conn: &mut DbConnection, employer_id: &str) -> Result<Vec<WebhookRow>, ApiError> {
    Ok(webhooks::table
        .filter(webhooks::employer_id.eq(employer_id))
        .filter(webhooks::deleted_at.is_null())
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
