//! Employers and their API clients:
//!
//! - [`employer`]: the handlers an employer system calls for its own record and the dossier
//!   contacts of one employee;
//! - [`changes`]: the operator's writes from the command line (employers, API clients, secret
//!   rotation, revocation) and the employer record's lookups;
//! - [`contacts`]: whom an employee asks about their dossier (checks, reads and the write);
//! - [`recipients`]: who is told about an employee's absence and answers;
//! - [`oauth`]: the token endpoint; [`employees`]: the employee API, its own feature folder.

pub mod changes;
pub mod contacts;
pub mod employees;
pub mod employer;
pub mod models;
pub mod oauth;
pub mod recipients;

use utoipa_actix_web::service_config::ServiceConfig;

pub use models::{ApiClient, Employer};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(oauth::issue_token)
        .service(employer::get_employer)
        .service(employer::patch_employer)
        .service(employer::get_for_employee)
        .service(employer::patch_for_employee)
        .configure(employees::routes);
}
