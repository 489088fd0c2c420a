//! The append-only audit log (SPEC §7): who read or changed which absence or document.
//! Rows are only ever inserted; nothing in the application updates or deletes them.
//!
//! - [`changes`]: [`record`], the one way an entry is written, always in the caller's
//!   transaction;
//! - [`queries`]: reading the log; [`employer`]: `GET /audit`; [`employee`]: `GET
//!   /me/access-log`, what others did with the employee's data; [`models`]: rows, requests and
//!   responses.

pub mod changes;
pub mod employee;
pub mod employer;
pub mod models;
pub mod queries;

use utoipa_actix_web::service_config::ServiceConfig;

pub use changes::record;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(employer::list_audit)
        .service(employee::access_log);
}

/// Who acted: an employee (by id) or an employer API client (by client id).
#[derive(Debug, Clone)]
pub enum Actor {
    Employee(String),
    Client(String),
}

impl Actor {
    /// `(actor_type, actor_id)` as stored.
    pub fn parts(&self) -> (&'static str, &str) {
        match self {
            Actor::Employee(id) => ("employee", id),
            Actor::Client(id) => ("client", id),
        }
    }
}
