//! Domain events: the employer's durable, ordered event feed (`GET /events`) and the webhook
//! deliveries fanned out from it.
//!
//! **Ordering.** The feed cursor is the auto-increment `events.id`. With concurrent
//! transactions a plain auto-increment id can become visible out of order (a row with a lower
//! id commits after one with a higher id), and a consumer that already stored the higher id
//! would miss the lower one forever. We rule that out by inserting the events of one employer
//! strictly one transaction at a time:
//! - PostgreSQL: [`record`] first takes a transaction-scoped advisory lock on the employer
//!   (`pg_advisory_xact_lock`), held until the caller's transaction commits or rolls back; the id
//!   is drawn from the sequence only after the lock is held, so for one employer ids are
//!   assigned in commit order.
//! - SQLite: there is only one writer at a time for the whole database (the write lock is held
//!   from the first write to the commit), so ids are visible in the order they were assigned.
//!
//! The feed is per employer, so only the order within one employer matters; events of different
//! employers do not wait for each other (except on an advisory-lock hash collision).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Party;
use crate::db::schema::{employers, events, webhooks};
use crate::db::{now, DbConnection};
use crate::error::ApiError;
use crate::events::outbox;

/// The event types of SPEC §5, as webhooks, the feed and subscriptions name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum EventKind {
    #[serde(rename = "employee.invited")]
    EmployeeInvited,
    #[serde(rename = "absence.reported")]
    AbsenceReported,
    #[serde(rename = "absence.partially_recovered")]
    AbsencePartiallyRecovered,
    #[serde(rename = "absence.recovered")]
    AbsenceRecovered,
    #[serde(rename = "absence.cancelled")]
    AbsenceCancelled,
    #[serde(rename = "absence.corrected")]
    AbsenceCorrected,
    #[serde(rename = "document.published")]
    DocumentPublished,
    /// The employee answered a document that asked for it (agree, or their own view).
    #[serde(rename = "document.responded")]
    DocumentResponded,
    /// A Poortwachter step passed its due date undone; raised once per step.
    #[serde(rename = "poortwachter.step_overdue")]
    StepOverdue,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::EmployeeInvited,
        EventKind::AbsenceReported,
        EventKind::AbsencePartiallyRecovered,
        EventKind::AbsenceRecovered,
        EventKind::AbsenceCancelled,
        EventKind::AbsenceCorrected,
        EventKind::DocumentPublished,
        EventKind::DocumentResponded,
        EventKind::StepOverdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::EmployeeInvited => "employee.invited",
            EventKind::AbsenceReported => "absence.reported",
            EventKind::AbsencePartiallyRecovered => "absence.partially_recovered",
            EventKind::AbsenceRecovered => "absence.recovered",
            EventKind::AbsenceCancelled => "absence.cancelled",
            EventKind::AbsenceCorrected => "absence.corrected",
            EventKind::DocumentPublished => "document.published",
            EventKind::DocumentResponded => "document.responded",
            EventKind::StepOverdue => "poortwachter.step_overdue",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The outbox payload of one webhook delivery: which endpoint, which event, and the event
/// itself (the request body is built from it at each attempt, identically every time).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub webhook_id: String,
    pub event_id: String,
    /// The employer it happened at (an arbodienst's endpoint hears several). Absent from
    /// deliveries queued before it was added.
    #[serde(default)]
    pub employer_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub timestamp: chrono::DateTime<chrono::Utc>,
    pub data: serde_json::Value,
}

/// Records `kind` for `employer_id` with `data` (ids and dates only — never anything medical)
/// inside the caller's transaction: appends it to the event feed and queues one webhook
/// delivery per endpoint subscribed to it. Returns the event id.
pub fn record(
    conn: &mut DbConnection,
    employer_id: &str,
    kind: EventKind,
    data: serde_json::Value,
) -> Result<String, ApiError> {
    // A savepoint inside the caller's transaction, or a transaction of its own when the caller
    // has none, so the event and its deliveries are written together either way.
    crate::db::write_transaction(conn, |conn| {
        // The arbodienst's feed spans its employers, so its lock comes first (always in this
        // order, so two writers never wait for each other crosswise).
        let arbodienst_id: Option<String> = employers::table
            .find(employer_id)
            .select(employers::arbodienst_id)
            .first(conn)?;
        if let DbConnection::Postgres(pg) = conn {
            let feeds = arbodienst_id
                .iter()
                .map(|id| format!("verzuim.events.arbodienst:{id}"))
                .chain([format!("verzuim.events:{employer_id}")]);
            for feed in feeds {
                diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                    .bind::<Text, _>(feed)
                    .execute(pg)?;
            }
        }
        let event_id = uuid::Uuid::new_v4().to_string();
        let created_at = now();
        diesel::insert_into(events::table)
            .values((
                events::event_id.eq(&event_id),
                events::employer_id.eq(employer_id),
                events::kind.eq(kind.as_str()),
                events::data.eq(data.to_string()),
                events::created_at.eq(created_at),
                events::arbodienst_id.eq(&arbodienst_id),
            ))
            .execute(conn)?;

        // The employer's endpoints, and those of the arbodienst it is linked to now.
        let endpoints: Vec<(String, String)> = webhooks::table
            .select((webhooks::id, webhooks::events))
            .filter(
                webhooks::employer_id
                    .eq(employer_id)
                    .or(webhooks::arbodienst_id.eq(arbodienst_id.clone())),
            )
            .filter(webhooks::deleted_at.is_null())
            .filter(webhooks::disabled_at.is_null())
            .order(webhooks::created_at.asc())
            .load(conn)?;
        for (webhook_id, subscribed) in endpoints {
            if !subscribed.split_whitespace().any(|k| k == kind.as_str()) {
                continue;
            }
            let payload = WebhookDelivery {
                webhook_id,
                event_id: event_id.clone(),
                employer_id: Some(employer_id.to_string()),
                kind: kind.as_str().to_string(),
                timestamp: created_at.and_utc(),
                data: data.clone(),
            };
            let payload = serde_json::to_string(&payload)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("webhook payload: {e}")))?;
            outbox::enqueue(conn, outbox::WEBHOOK, kind.as_str(), &payload)?;
        }
        Ok(event_id)
    })
}

/// One event of the feed, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub id: i64,
    pub event_id: String,
    pub employer_id: String,
    pub kind: String,
    pub data: String,
    pub created_at: NaiveDateTime,
    pub arbodienst_id: Option<String>,
}

/// One event of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedEvent {
    /// The feed position: pass it as `after` to read on from here.
    pub id: i64,
    #[schema(format = Uuid)]
    pub event_id: String,
    /// The employer it happened at (an arbodienst's feed spans several).
    #[schema(format = Uuid)]
    pub employer_id: String,
    /// The event type.
    #[serde(rename = "type")]
    #[schema(value_type = EventKind)]
    pub kind: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Ids and dates of what happened; never anything medical.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<EventRow> for FeedEvent {
    fn from(row: EventRow) -> Self {
        FeedEvent {
            id: row.id,
            event_id: row.event_id,
            employer_id: row.employer_id,
            kind: row.kind,
            created_at: row.created_at.and_utc(),
            data: serde_json::from_str(&row.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The party's events after `after`, oldest first, at most `limit`. An arbodienst's are those
/// of its employers raised while the employer was linked to it, of employers linked to it now.
pub fn page(
    conn: &mut DbConnection,
    party: &Party,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let events = events::table
        .filter(events::id.gt(after))
        .order(events::id.asc())
        .limit(limit)
        .into_boxed();
    match party {
        Party::Employer(employer_id) => events.filter(events::employer_id.eq(employer_id)),
        Party::Arbodienst(arbodienst_id) => events
            .filter(events::arbodienst_id.eq(arbodienst_id))
            .filter(
                events::employer_id.eq_any(
                    employers::table
                        .filter(employers::arbodienst_id.eq(arbodienst_id))
                        .select(employers::id),
                ),
            ),
    }
    .load(conn)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_event_kind_is_documented_by_the_name_it_is_sent_with() {
        for kind in super::EventKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
