//! Webhook endpoints (`GET|POST /webhooks`, `DELETE /webhooks/{id}`,
//! `GET /webhooks/{id}/deliveries`, scope `webhooks:manage`) and their signed delivery
//! (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`).
//!
//! **Forbidden destinations.** A webhook URL names a host an API client chooses, and the server
//! connects to it from inside the operator's network; unless `VERZUIM_WEBHOOK_ALLOW_PRIVATE=true`
//! (local development and the tests) it must not reach anything that is not the public
//! internet. One classifier, [`destination::is_forbidden`], decides for every address; it unwraps the IPv4
//! address inside IPv4-mapped, -compatible and -translated IPv6, NAT64 and 6to4 addresses and
//! both addresses inside Teredo ones, because the kernel or a translator on the path turns those
//! back into the IPv4 address they carry. It is applied three times:
//!
//! - when the webhook is created: an IP literal it refuses, or a `localhost` name → 400 on `url`;
//! - at every connection, in the deliverer's DNS resolver: forbidden answers are dropped, and
//!   when none remain the attempt fails with `blocked_address` without connecting (the resolver
//!   hands the connector exactly the addresses it checked, so a rebinding DNS answer cannot
//!   slip in between check and connect);
//! - before every send to an IP-literal URL, which reqwest connects to without asking the
//!   resolver (the row may predate a stricter classifier or a changed setting).
//!
//! Deliveries ignore `HTTP(S)_PROXY`/`ALL_PROXY` (a proxy would resolve and connect for us,
//! unchecked) and follow no redirects (a 3xx to an internal address is a failed attempt).
//!
//! **What a failed attempt records.** Only a [`DeliveryError`] category, never the error text:
//! "connection refused" against "timed out" for a chosen host and port is a port scanner of the
//! operator's network. The category is all that reaches `webhook_attempts.error`, the outbox's
//! `last_error`, the deliveries API and the logs.
//!
//! - [`employer`] and [`arbodienst`] (`/arbodienst/webhooks…`, an arbodienst's own endpoints
//!   over its employers' events): the handlers, doing what [`endpoints`] does for the calling
//!   party; [`changes`] and [`queries`]: the database work; [`models`]: rows, requests and
//!   responses;
//! - [`destination`]: the classifier, the URL check and the checking resolver;
//! - [`delivery`]: signing, the HTTP client, [`deliver`] and the failure categories.

pub mod arbodienst;
pub mod changes;
pub mod delivery;
pub mod destination;
pub mod employer;
pub mod endpoints;
pub mod models;
pub mod queries;

use utoipa_actix_web::service_config::ServiceConfig;

pub use delivery::{deliver, DeliveryError, Outcome, WebhookClient};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(employer::list)
        .service(employer::create)
        .service(employer::remove)
        .service(employer::deliveries)
        .service(arbodienst::list)
        .service(arbodienst::create)
        .service(arbodienst::remove)
        .service(arbodienst::deliveries);
}
