//! The arbodienst (occupational health service) as a party of its own (SPEC §9): registered by
//! the operator, linked by employers (one arbodienst serves many employers). Its address hears
//! about the linked employers' absences; its API clients (`verzuim client create
//! --arbodienst`) act for every linked employer through [`crate::auth::CaseClient`], and read
//! their events in `GET /arbodienst/events`.
//!
//! - [`changes`]: the operator's writes (`verzuim arbodienst create`) and the lookups others use;
//! - [`arbodienst_client`]: `GET /arbodienst`, called by its clients; [`queries`]: its read;
//! - [`models`]: the row and the response.

pub mod arbodienst_client;
pub mod changes;
pub mod models;
pub mod queries;

use utoipa_actix_web::service_config::ServiceConfig;

pub use models::Arbodienst;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(arbodienst_client::get_arbodienst);
}
