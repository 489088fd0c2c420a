//! Builds the application: state, routes, middleware, and the HTTP server on a listener the
//! caller chooses (port 0 in tests), plus the Prometheus metrics on a listener of their own
//! (`VERZUIM_METRICS_BIND`), never the API's.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::rate_limit::SensitiveRateLimit;
use crate::auth::{Passwords, SealingKey, TokenKeys};
use crate::config::Settings;
use crate::db::change_listener::ChangeListener;
use crate::db::Db;
use crate::error::extractors;
use crate::events::worker::OutboxWorker;
use crate::routes::api_app;
use crate::state::AppState;
use crate::{dossier, web as web_layer};

pub struct Application {
    port: u16,
    server: Server,
    /// `GET /metrics` for Prometheus, apart from the public API; absent when turned off.
    metrics: Option<(u16, Server)>,
    /// Delivers the outbox; ends when the application (after the server) is dropped.
    _outbox_worker: OutboxWorker,
    /// Removes orphaned document files; ends with the application too.
    _document_sweeper: dossier::sweeper::DocumentSweeper,
    _overdue_steps: crate::absences::overdue::OverdueSteps,
    /// On PostgreSQL, hears other instances' changes for the read cache.
    _change_listener: Option<ChangeListener>,
}

impl Application {
    /// Migrates the database, binds `settings.bind` (use port 0 for a free one) and prepares
    /// the server; [`Application::run_until_stopped`] drives it.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        Self::build_with_listener(settings, listener).await
    }

    pub async fn build_with_listener(
        settings: Settings,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        // Bound first, so a port already in use stops the start before any migration runs.
        let metrics_listener = settings
            .metrics_bind
            .as_deref()
            .map(|address| {
                TcpListener::bind(address)
                    .map_err(|e| anyhow::anyhow!("cannot listen for metrics on {address}: {e}"))
            })
            .transpose()?;
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create data dir {}: {e}",
                settings.data_dir.display()
            )
        })?;
        let db = Db::new(&settings.database);
        let migrating = db.clone();
        tokio::task::spawn_blocking(move || migrating.migrate())
            .await?
            .map_err(|e| anyhow::anyhow!("{e}: {}", error_cause(&e)))?;
        // What migration 10 could not do in SQL: reset links for accounts merged into one login.
        let (adopting, public_url, reset_ttl) = (
            db.clone(),
            settings.public_url.clone(),
            settings.accounts.reset_ttl,
        );
        let merged = tokio::task::spawn_blocking(move || {
            adopting.run_blocking(|conn| {
                crate::accounts::password_reset::adopt_legacy_passwords(
                    conn,
                    &public_url,
                    reset_ttl,
                )
            })
        })
        .await?
        .map_err(|e| anyhow::anyhow!("{e}: {}", error_cause(&e)))?;
        if merged > 0 {
            tracing::info!(
                accounts = merged,
                "accounts merged into one login per address"
            );
        }

        let tokens = TokenKeys::load(
            settings.jwt_secret.as_ref(),
            &settings.data_dir,
            settings
                .public_url
                .as_str()
                .trim_end_matches('/')
                .to_string(),
        )?;
        let sealing = SealingKey::load(settings.data_key.as_ref(), &settings.data_dir)?;
        let port = listener.local_addr()?.port();
        let settings = Arc::new(settings);
        let outbox_worker = OutboxWorker::start(db.clone(), settings.clone())?;
        let passwords = tokio::task::spawn_blocking({
            let concurrency = settings.accounts.password_hash_concurrency;
            move || Passwords::new(concurrency)
        })
        .await??;
        let storage = crate::storage::from_settings(&settings)?;
        let document_sweeper =
            dossier::sweeper::DocumentSweeper::start(db.clone(), storage.clone());
        let overdue_steps = crate::absences::overdue::OverdueSteps::start(
            db.clone(),
            settings.overdue_check_interval,
        );
        let change_listener = db.listen_for_changes()?;
        let state = web::Data::new(AppState {
            webauthn: crate::auth::relying_party::from_public_url(&settings.public_url),
            storage,
            rate_limit: SensitiveRateLimit::per_minute(settings.rate_limit_per_minute),
            sealing,
            settings: settings.clone(),
            db,
            tokens,
            passwords,
        });
        // Counts every API request; no `.endpoint(…)`, so the API listener serves no /metrics
        // (it answers 404 there): the registry is served by `metrics_server` below.
        let metrics = actix_web_prom::PrometheusMetricsBuilder::new("verzuim")
            .mask_unmatched_patterns("UNKNOWN")
            .build()
            .map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
        state
            .db
            .reads()
            .register_metrics(&metrics.registry)
            .map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
        let metrics_server = match metrics_listener {
            None => None,
            Some(listener) => {
                let port = listener.local_addr()?.port();
                tracing::info!(address = %listener.local_addr()?, "metrics are served at /metrics");
                Some((port, metrics_server(listener, metrics.registry.clone())?))
            }
        };

        let server = HttpServer::new(move || {
            let (app, openapi) = api_app();
            app.app_data(state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(settings.max_json_body_bytes)
                        .error_handler(extractors::json_error),
                )
                .app_data(
                    web::FormConfig::default()
                        .limit(16 * 1024)
                        .error_handler(extractors::form_error),
                )
                .app_data(web::QueryConfig::default().error_handler(extractors::query_error))
                .app_data(web::PathConfig::default().error_handler(extractors::path_error))
                .app_data(web::PayloadConfig::default().limit(64 * 1024))
                .app_data(web_layer::input::JsonLimits {
                    authenticated: settings.max_json_body_bytes,
                })
                .route("/api/docs", web::get().to(docs_redirect))
                .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", openapi))
                .configure(|cfg| web_layer::spa::configure(cfg, &settings.frontend_dir))
                .wrap(actix_web::middleware::from_fn(
                    web_layer::input::refuse_control_characters,
                ))
                .wrap(actix_web::middleware::from_fn(
                    web_layer::headers::csp_and_cache,
                ))
                .wrap(web_layer::headers::security_headers(&settings))
                .wrap(web_layer::cors(&settings.cors_origins))
                .wrap(metrics.clone())
                .wrap(actix_web::middleware::from_fn(
                    web_layer::headers::request_id,
                ))
                .wrap(TracingLogger::<crate::telemetry::RedactedRootSpan>::new())
        })
        .listen(listener)?
        .shutdown_timeout(20)
        .run();
        Ok(Application {
            port,
            server,
            metrics: metrics_server,
            _outbox_worker: outbox_worker,
            _document_sweeper: document_sweeper,
            _overdue_steps: overdue_steps,
            _change_listener: change_listener,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port; `None` when `VERZUIM_METRICS_BIND` is empty.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Runs until SIGTERM/SIGINT; in-flight requests get time to finish. The metrics listener
    /// ends with the API server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Some((_, metrics)) = self.metrics else {
            return self.server.await;
        };
        let metrics_handle = metrics.handle();
        let api = async {
            let served = self.server.await;
            metrics_handle.stop(true).await;
            served
        };
        let (served, metrics_served) = tokio::join!(api, metrics);
        if let Err(e) = metrics_served {
            // The API went on without it; only the scraping stopped.
            tracing::error!(error = %e, "the metrics listener failed");
        }
        served
    }
}

/// A small server of its own for `GET /metrics`: one worker, no middleware, and no signal
/// handling (it is stopped when the API server stops).
fn metrics_server(
    listener: TcpListener,
    registry: prometheus::Registry,
) -> std::io::Result<Server> {
    let registry = web::Data::new(registry);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(registry.clone())
            .route("/metrics", web::get().to(serve_metrics))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .shutdown_timeout(5)
    .run())
}

async fn serve_metrics(registry: web::Data<prometheus::Registry>) -> actix_web::HttpResponse {
    use prometheus::Encoder;
    let encoder = prometheus::TextEncoder::new();
    let mut body = Vec::new();
    match encoder.encode(&registry.gather(), &mut body) {
        Ok(()) => actix_web::HttpResponse::Ok()
            .content_type(encoder.format_type())
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "metrics: cannot encode the registry");
            actix_web::HttpResponse::InternalServerError().finish()
        }
    }
}

async fn docs_redirect() -> actix_web::HttpResponse {
    actix_web::HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/api/docs/"))
        .finish()
}

fn error_cause(error: &crate::error::ApiError) -> String {
    match error {
        crate::error::ApiError::Internal(cause) => format!("{cause:#}"),
        other => other.to_string(),
    }
}
