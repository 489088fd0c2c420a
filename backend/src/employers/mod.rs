//! Employers and their API clients: the operator's CLI commands, the OAuth token endpoint,
//! the employer's own record, its dossier contacts and its employees.

pub mod clients;
pub mod contacts;
pub mod employees;
pub mod models;
pub mod oauth;
pub mod patch;
pub mod routes;

use utoipa_actix_web::service_config::ServiceConfig;

pub use models::{ApiClient, Employer};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(oauth::issue_token)
        .service(routes::get_employer)
        .service(routes::patch_employer)
        .service(contacts::get_for_employee)
        .service(contacts::patch_for_employee)
        .configure(employees::routes);
}
