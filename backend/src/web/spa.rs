//! Serves the built single-page app at `/`. Every path that is not a file and not under `/api`
//! answers `index.html`, so deep links from e-mails (`/activate/{token}`) work; unknown `/api`
//! paths answer a problem+json 404 instead.

use std::path::{Path, PathBuf};

use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::middleware::Compress;
use actix_web::{web, HttpResponse, ResponseError};

use crate::error::ApiError;

/// Shown when the SPA has not been built, so `/` still explains itself.
const PLACEHOLDER: &str = "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Verzuim</title></head>\
<body><main><h1>Verzuim</h1><p>De webapp is nog niet gebouwd. Run <code>npm --prefix frontend ci &amp;&amp; npm --prefix frontend run build</code>.</p>\
<p>The web app has not been built yet. The API reference is at <a href=\"/api/docs/\">/api/docs/</a>.</p></main></body></html>";

pub fn configure(cfg: &mut web::ServiceConfig, dir: &Path) {
    let index = dir.join("index.html");
    let index = (dir.is_dir() && index.is_file()).then_some(index);
    // Also the default of every scope, so an unknown `/api/v1/...` path lands here too.
    let default_index = index.clone();
    cfg.default_service(fn_service(move |req: ServiceRequest| {
        let index = default_index.clone();
        async move { fallback(req, index).await }
    }));
    if let Some(index) = index {
        // Compressed for browsers that ask: the app's script is ~400 KB as built and ~130 KB
        // gzipped, which is what a phone on a slow network waits for. Only here: API bodies are
        // small, and dossier downloads are already-compressed files with exact lengths.
        cfg.service(
            web::scope("").wrap(Compress::default()).service(
                actix_files::Files::new("/", dir)
                    .index_file("index.html")
                    .default_handler(fn_service(move |req: ServiceRequest| {
                        let index = index.clone();
                        async move { fallback(req, Some(index)).await }
                    })),
            ),
        );
    }
}

async fn fallback(
    req: ServiceRequest,
    index: Option<PathBuf>,
) -> Result<ServiceResponse, actix_web::Error> {
    let (req, _) = req.into_parts();
    let path = req.path();
    if path == "/api" || path.starts_with("/api/") || path == "/metrics" {
        let response = ApiError::NotFound.error_response();
        return Ok(ServiceResponse::new(req, response));
    }
    let response = match index {
        Some(index) => actix_files::NamedFile::open_async(index)
            .await?
            .use_etag(true)
            .into_response(&req),
        None => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(PLACEHOLDER),
    };
    Ok(ServiceResponse::new(req, response))
}
