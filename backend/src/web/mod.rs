//! The HTTP layer shared by every route: security and cache headers, request ids, CORS, paging,
//! `Idempotency-Key`, and serving the single-page app.

pub mod headers;
pub mod idempotency;
pub mod input;
pub mod openapi;
pub mod page;
pub mod spa;

use actix_cors::Cors;

/// CORS only for the configured origins; none configured means no cross-origin access.
pub fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers(["x-request-id", "retry-after"])
        .supports_credentials()
        .max_age(600)
}
