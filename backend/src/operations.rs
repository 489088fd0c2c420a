//! Liveness and readiness for load balancers and orchestrators.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ServiceUnavailable};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok`
    pub status: &'static str,
}

/// Liveness: the process is up and answering.
///
/// Answers 200 without touching the database; for a load balancer's liveness check.
#[utoipa::path(tag = "operations", responses((status = 200, body = HealthStatus)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok" })
}

/// Readiness: the database answers.
///
/// 503 while the database cannot be reached; for a load balancer's readiness check.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = HealthStatus),
        ServiceUnavailable,
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.db.is_ready().await {
        Ok(HttpResponse::Ok().json(HealthStatus { status: "ok" }))
    } else {
        Err(ApiError::ServiceUnavailable(
            "The database is not reachable.".into(),
        ))
    }
}
