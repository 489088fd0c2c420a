//! What the employer's and the arbodienst's webhook handlers both do, for the party that
//! calls: each sees and changes only its own endpoints (another party's answers 404).

use actix_web::{web, HttpResponse};

use super::delivery::{new_secret, DeliveryError};
use super::destination::parse_url;
use super::models::{
    DeliveryAttempt, DeliveryAttemptView, DeliveryPage, WebhookInput, WebhookList, WebhookResponse,
    WebhookRow,
};
use super::{changes, queries};
use crate::auth::Party;
use crate::db::now;
use crate::error::{ApiError, FieldError};
use crate::events::feed::EventKind;
use crate::state::AppState;
use crate::web::page::{split_page, Cursor, NoFilter, Paged};

pub async fn list(state: &web::Data<AppState>, party: Party) -> Result<WebhookList, ApiError> {
    let rows = state
        .db
        .run(move |conn| queries::list(conn, &party))
        .await?;
    Ok(WebhookList {
        items: rows
            .into_iter()
            .map(|r| WebhookResponse::new(r, false))
            .collect(),
    })
}

/// Checks `input` before anything is stored; the new endpoint's URL is `{prefix}/{id}`.
pub async fn create(
    state: &web::Data<AppState>,
    party: Party,
    input: WebhookInput,
    prefix: &str,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let url = parse_url(&input.url, state.settings.webhooks.allow_private)
        .map_err(|e| errors.push(e))
        .ok();
    if input.events.is_empty() {
        errors.push(FieldError::new("events", "name at least one event type"));
    }
    let mut kinds: Vec<&'static str> = Vec::new();
    for (index, name) in input.events.iter().enumerate() {
        match EventKind::parse(name) {
            Some(kind) if !kinds.contains(&kind.as_str()) => kinds.push(kind.as_str()),
            Some(_) => {}
            None => errors.push(FieldError::new(
                format!("events.{index}"),
                format!("`{name}` is not a known event type"),
            )),
        }
    }
    let url = match url {
        Some(url) if errors.is_empty() => url,
        _ => return Err(ApiError::Validation(errors)),
    };
    let row = WebhookRow {
        id: uuid::Uuid::new_v4().to_string(),
        employer_id: party.employer_id().map(str::to_owned),
        arbodienst_id: party.arbodienst_id().map(str::to_owned),
        url: url.to_string(),
        events: kinds.join(" "),
        secret: new_secret(),
        created_at: now(),
        disabled_at: None,
        deleted_at: None,
    };
    let stored = row.clone();
    state
        .db
        .run(move |conn| changes::insert(conn, &stored))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{prefix}/{}", row.id),
        ))
        .json(WebhookResponse::new(row, true)))
}

pub async fn remove(
    state: &web::Data<AppState>,
    party: Party,
    id: String,
) -> Result<HttpResponse, ApiError> {
    state
        .db
        .run(move |conn| changes::remove(conn, &party, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn deliveries(
    state: &web::Data<AppState>,
    party: Party,
    id: String,
    query: Paged<NoFilter, i64>,
) -> Result<DeliveryPage, ApiError> {
    let Paged { limit, after, .. } = query;
    // Newest first: the page continues below the last row id seen.
    let before = after.unwrap_or(i64::MAX);
    let rows = state
        .db
        .run(move |conn| {
            queries::find(conn, &party, &id)?;
            queries::attempts(conn, &id, before, limit + 1)
        })
        .await?;
    let (items, next_cursor) = split_page(rows, limit, |r| r.row_id);
    Ok(DeliveryPage {
        items: items
            .into_iter()
            .map(|row| DeliveryAttemptView {
                attempted_at: row.attempted.and_utc(),
                attempt: DeliveryAttempt {
                    webhook_message_id: row.webhook_message_id,
                    event_id: row.event_id,
                    event_type: row.event_type,
                    attempt: row.attempt,
                    status_code: row.status_code,
                    error: row.error.as_deref().map(DeliveryError::from_stored),
                    duration_ms: row.duration_ms,
                    succeeded: row.succeeded,
                },
            })
            .collect(),
        next_cursor: next_cursor.as_ref().map(Cursor::encode),
    })
}
