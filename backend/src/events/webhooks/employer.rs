//! The employer's webhook endpoints (scope `webhooks:manage`): list, subscribe, remove, and
//! the delivery attempts to one endpoint. Another employer's endpoint answers 404.

use actix_web::{delete, get, post, web, HttpResponse};

use super::endpoints;
use super::models::{DeliveryPage, WebhookInput, WebhookList, WebhookResponse};
use crate::auth::scopes::WebhooksManage;
use crate::auth::{EmployerClient, Party};
use crate::error::{ApiError, Invalid, NotFound, Unauthorized};
use crate::state::AppState;
use crate::web::page::{NoFilter, PageQuery, Paged};

fn employer(client: EmployerClient<WebhooksManage>) -> Party {
    Party::Employer(client.employer_id)
}

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
    let list = endpoints::list(&state, employer(client)).await?;
    Ok(web::Json(list))
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
    endpoints::create(
        &state,
        employer(client),
        body.into_inner(),
        "/api/v1/webhooks",
    )
    .await
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
    endpoints::remove(&state, employer(client), id.into_inner()).await
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
    let page = endpoints::deliveries(&state, employer(client), id.into_inner(), query).await?;
    Ok(web::Json(page))
}
