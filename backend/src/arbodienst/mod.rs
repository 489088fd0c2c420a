//! The arbodienst (occupational health service) as a party of its own (SPEC §9): registered by
//! the operator, linked by employers (one arbodienst serves many employers). Its own API
//! clients, feed and webhooks over its employers come next; today it is the address that hears
//! about the linked employers' absences.
//!
//! - [`changes`]: the operator's writes (`verzuim arbodienst create`) and the lookups others use;
//! - [`models`]: the row.

pub mod changes;
pub mod models;

pub use models::Arbodienst;
