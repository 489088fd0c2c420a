//! The employer's employee API: list, create, change, delete, idempotent upsert by external
//! id, and bulk sync of up to 10,000 rows.
//!
//! Other modules that need an employee of the calling employer use [`find_employee`] (404 for
//! foreign, deleted and unknown ids alike) and [`account_state`] / [`account_states`] for the
//! account status the employer sees; [`revoke_access`] ends every session of an employee.

pub mod bulk;
pub mod employer;
pub mod models;
pub mod queries;
pub mod validation;

use utoipa_actix_web::service_config::ServiceConfig;

pub use models::{AccountState, AccountStatus, Employee, EmployeeResponse};
pub use queries::{
    account_state, account_states, employee_response, employer_of_employee, find_employee,
    lock_employer, revoke_access,
};

pub fn routes(cfg: &mut ServiceConfig) {
    // `bulk` and `by-external-id` before `{id}`, so they are never taken for an id.
    cfg.service(employer::list)
        .service(employer::create)
        .service(bulk::bulk_upsert)
        .service(employer::upsert_by_external_id)
        .service(employer::get_one)
        .service(employer::patch_one)
        .service(employer::delete_one);
}
