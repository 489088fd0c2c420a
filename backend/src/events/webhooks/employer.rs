//! The employer's webhook endpoints (scope `webhooks:manage`): list, subscribe, remove, and
//! the delivery attempts to one endpoint. Another employer's endpoint answers 404.

use actix_web::{delete, get, post, web, HttpResponse};

use super::delivery::{new_secret, DeliveryError};
use super::destination::parse_url;
use super::models::{
    DeliveryAttempt, DeliveryAttemptView, DeliveryPage, WebhookInput, WebhookList, WebhookResponse,
    WebhookRow,
};
use super::{changes, queries};
use crate::auth::scopes::WebhooksManage;
use crate::auth::EmployerClient;
use crate::db::now;
use crate::error::{ApiError, FieldError, Invalid, NotFound, Unauthorized};
use crate::events::feed::EventKind;
use crate::state::AppState;
use crate::web::page::{split_page, Cursor, NoFilter, PageQuery, Paged};

/// The employer's webhook endpoints, oldest first (without their secrets).
///
/// The secret is shown only once, when an endpoint is created. Needs `webhooks:manage`.
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = "webhooks",
    security(("employer_oauth" = ["webhooks:manage"])),
    responses(
        (status = 200, body = WebhookList),
        Unauthorized,
    )
)]
#[get("/webhooks")]
pub async fn list(
    client: EmployerClient<WebhooksManage>,
    state: web::Data<AppState>,
) -> Result<web::Json<WebhookList>, ApiError> {
    let rows = state
        .db
        .run(move |conn| queries::list(conn, &client.employer_id))
        .await?;
    Ok(web::Json(WebhookList {
        items: rows
            .into_iter()
            .map(|r| WebhookResponse::new(r, false))
            .collect(),
    }))
}

/// Subscribe an endpoint to event types. The answer carries the signing secret, once.
#[utoipa::path(
    operation_id = "create_webhook",
    tag = "webhooks",
    security(("employer_oauth" = ["webhooks:manage"])),
    request_body = WebhookInput,
    responses(
        (status = 201, body = WebhookResponse),
        Invalid,
        Unauthorized,
    )
)]
#[post("/webhooks")]
pub async fn create(
    client: EmployerClient<WebhooksManage>,
    body: crate::web::input::Json<WebhookInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
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
        employer_id: client.employer_id,
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
            format!("/api/v1/webhooks/{}", row.id),
        ))
        .json(WebhookResponse::new(row, true)))
}

/// Remove an endpoint: nothing more is delivered to it, deliveries still queued are dropped.
///
/// Answers 204; another employer's endpoint answers 404. Needs `webhooks:manage`.
#[utoipa::path(
    tag = "webhooks",
    security(("employer_oauth" = ["webhooks:manage"])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 204, description = "Removed"),
        Unauthorized,
        NotFound,
    )
)]
#[delete("/webhooks/{id}")]
pub async fn remove(
    client: EmployerClient<WebhooksManage>,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .run(move |conn| changes::remove(conn, &client.employer_id, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The delivery attempts to one endpoint, newest first.
///
/// Each attempt records when, the status code the endpoint answered, how long it took, and on
/// failure only a category (`dns`, `blocked_address`, `connect`, `timeout`, `tls`,
/// `http_status`). Needs `webhooks:manage`.
#[utoipa::path(
    tag = "webhooks",
    security(("employer_oauth" = ["webhooks:manage"])),
    params(("id" = String, Path, format = Uuid), PageQuery),
    responses(
        (status = 200, body = DeliveryPage),
        Invalid,
        Unauthorized,
        NotFound,
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    client: EmployerClient<WebhooksManage>,
    id: web::Path<String>,
    query: Paged<NoFilter, i64>,
    state: web::Data<AppState>,
) -> Result<web::Json<DeliveryPage>, ApiError> {
    let Paged { limit, after, .. } = query;
    // Newest first: the page continues below the last row id seen.
    let before = after.unwrap_or(i64::MAX);
    let id = id.into_inner();
    let rows = state
        .db
        .run(move |conn| {
            queries::find(conn, &client.employer_id, &id)?;
            queries::attempts(conn, &id, before, limit + 1)
        })
        .await?;
    let (items, next_cursor) = split_page(rows, limit, |r| r.row_id);
    Ok(web::Json(DeliveryPage {
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
    }))
}
