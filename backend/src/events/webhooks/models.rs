//! Webhook endpoints and delivery attempts as stored, as clients send them and as the API
//! shows them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::delivery::DeliveryError;

/// The stored endpoint.
#[derive(Debug, Clone, Queryable)]
pub struct WebhookRow {
    pub id: String,
    /// The employer the endpoint belongs to; `None` for an arbodienst's.
    pub employer_id: Option<String>,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    /// The arbodienst the endpoint belongs to: it hears the events of its employers.
    pub arbodienst_id: Option<String>,
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where to POST the events: http(s) only.
    #[schema(example = "https://hr.example.nl/hooks/verzuim")]
    pub url: String,
    /// The event types to receive, at least one.
    #[schema(value_type = Vec<crate::events::feed::EventKind>)]
    pub events: Vec<String>,
}

/// A webhook endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub url: String,
    #[schema(value_type = Vec<crate::events::feed::EventKind>)]
    pub events: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Set when the endpoint answered 410 Gone; it receives nothing more.
    pub disabled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The signing secret (`whsec_<base64>`): only in the answer to the creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookResponse {
    pub fn new(row: WebhookRow, with_secret: bool) -> Self {
        WebhookResponse {
            events: row.events.split_whitespace().map(str::to_string).collect(),
            secret: with_secret.then_some(row.secret),
            id: row.id,
            url: row.url,
            created_at: row.created_at.and_utc(),
            disabled_at: row.disabled_at.map(|t| t.and_utc()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookResponse>,
}

/// One delivery attempt, as stored.
#[derive(Debug, Queryable)]
pub struct DeliveryAttemptRow {
    pub row_id: i64,
    pub webhook_message_id: String,
    pub event_id: String,
    pub event_type: String,
    pub attempt: i32,
    pub attempted: NaiveDateTime,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub succeeded: bool,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    /// The `webhook-id` header: the same on every attempt of one event.
    pub webhook_message_id: String,
    #[schema(format = Uuid)]
    pub event_id: String,
    #[schema(value_type = crate::events::feed::EventKind)]
    pub event_type: String,
    /// 1 for the first attempt of this event, 2 for the first retry, …
    pub attempt: i32,
    /// The endpoint's HTTP status; null when no answer came.
    pub status_code: Option<i32>,
    /// Why the attempt failed, as a category only; null when it succeeded.
    pub error: Option<DeliveryError>,
    pub duration_ms: i64,
    pub succeeded: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttemptView {
    #[serde(flatten)]
    pub attempt: DeliveryAttempt,
    pub attempted_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest attempt first.
    pub items: Vec<DeliveryAttemptView>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One delivery attempt to record. `error` is a [`DeliveryError`] category's stored form,
/// never an error's text.
#[derive(Debug)]
pub struct NewAttempt {
    pub webhook_id: String,
    /// The outbox row, sent as the `webhook-id` header.
    pub delivery_id: String,
    pub event_id: String,
    pub event_type: String,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub error: Option<&'static str>,
    pub duration_ms: i64,
    pub succeeded: bool,
}
