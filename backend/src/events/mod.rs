//! Everything the outside world must hear about leaves through the outbox, written in the same
//! transaction as the change that causes it, and delivered by a background worker.

pub mod api;
pub mod email;
pub mod feed;
pub mod idempotency;
pub mod mailer;
pub mod outbox;
pub mod webhooks;
pub mod worker;

use utoipa_actix_web::service_config::ServiceConfig;

/// Webhooks, the event feed and the audit log (employer API).
pub fn routes(cfg: &mut ServiceConfig) {
    webhooks::routes(cfg);
    cfg.service(api::list_events).service(api::list_audit);
}
