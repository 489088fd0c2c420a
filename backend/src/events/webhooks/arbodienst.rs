//! The arbodienst's own webhook endpoints (SPEC §9, scope `absences:read`): the events of every
//! employer linked to it, signed and retried exactly as the employers' are. Another party's
//! endpoint answers 404.

use actix_web::{delete, get, post, web, HttpResponse};

use super::endpoints;
use super::models::{DeliveryPage, WebhookInput, WebhookList, WebhookResponse};
use crate::auth::scopes::AbsencesRead;
use crate::auth::{ArbodienstClient, Party};
use crate::error::{ApiError, Invalid, NotFound, Unauthorized};
use crate::state::AppState;
use crate::web::page::{NoFilter, PageQuery, Paged};

fn arbodienst(client: ArbodienstClient<AbsencesRead>) -> Party {
    Party::Arbodienst(client.arbodienst_id)
}

/// The arbodienst's webhook endpoints, oldest first (without their secrets).
///
/// The secret is shown only once, when an endpoint is created. Needs `absences:read`.
#[utoipa::path(
    operation_id = "list_arbodienst_webhooks",
    tag = "arbodienst",
    security(("employer_oauth" = ["absences:read"])),
    responses(
        (status = 200, body = WebhookList),
        Unauthorized,
    )
)]
#[get("/arbodienst/webhooks")]
pub async fn list(
    client: ArbodienstClient<AbsencesRead>,
    state: web::Data<AppState>,
) -> Result<web::Json<WebhookList>, ApiError> {
    let list = endpoints::list(&state, arbodienst(client)).await?;
    Ok(web::Json(list))
}

/// Subscribe an endpoint to the events of the arbodienst's employers.
///
/// The answer carries the signing secret, once. An event is delivered when it is raised at an
/// employer linked to the arbodienst at that moment. Needs `absences:read`.
#[utoipa::path(
    operation_id = "create_arbodienst_webhook",
    tag = "arbodienst",
    security(("employer_oauth" = ["absences:read"])),
    request_body = WebhookInput,
    responses(
        (status = 201, body = WebhookResponse),
        Invalid,
        Unauthorized,
    )
)]
#[post("/arbodienst/webhooks")]
pub async fn create(
    client: ArbodienstClient<AbsencesRead>,
    body: crate::web::input::Json<WebhookInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    endpoints::create(
        &state,
        arbodienst(client),
        body.into_inner(),
        "/api/v1/arbodienst/webhooks",
    )
    .await
}

/// Remove one of the arbodienst's endpoints; deliveries still queued are dropped.
///
/// Answers 204; another party's endpoint answers 404. Needs `absences:read`.
#[utoipa::path(
    operation_id = "delete_arbodienst_webhook",
    tag = "arbodienst",
    security(("employer_oauth" = ["absences:read"])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 204, description = "Removed"),
        Unauthorized,
        NotFound,
    )
)]
#[delete("/arbodienst/webhooks/{id}")]
pub async fn remove(
    client: ArbodienstClient<AbsencesRead>,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    endpoints::remove(&state, arbodienst(client), id.into_inner()).await
}

/// The delivery attempts to one of the arbodienst's endpoints, newest first.
///
/// The same record as an employer's endpoint keeps: when, the status code, how long, and on
/// failure only a category. Needs `absences:read`.
#[utoipa::path(
    operation_id = "list_arbodienst_webhook_deliveries",
    tag = "arbodienst",
    security(("employer_oauth" = ["absences:read"])),
    params(("id" = String, Path, format = Uuid), PageQuery),
    responses(
        (status = 200, body = DeliveryPage),
        Invalid,
        Unauthorized,
        NotFound,
    )
)]
#[get("/arbodienst/webhooks/{id}/deliveries")]
pub async fn deliveries(
    client: ArbodienstClient<AbsencesRead>,
    id: web::Path<String>,
    query: Paged<NoFilter, i64>,
    state: web::Data<AppState>,
) -> Result<web::Json<DeliveryPage>, ApiError> {
    let page = endpoints::deliveries(&state, arbodienst(client), id.into_inner(), query).await?;
    Ok(web::Json(page))
}
