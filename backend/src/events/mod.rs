//! Everything the outside world must hear about leaves through the outbox, written in the same
//! transaction as the change that causes it, and delivered by a background worker.

pub mod arbodienst;
pub mod email;
pub mod employer;
pub mod feed;
pub mod mailer;
pub mod outbox;
pub mod webhooks;
pub mod worker;

use utoipa_actix_web::service_config::ServiceConfig;

/// Webhooks and the event feeds (employer and arbodienst API).
pub fn routes(cfg: &mut ServiceConfig) {
    webhooks::routes(cfg);
    cfg.service(employer::list_events)
        .service(arbodienst::list_events);
}
