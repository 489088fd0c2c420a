//! Employers and their API clients: the operator's CLI commands, the OAuth token endpoint and
//! the employer's own record.

pub mod clients;
pub mod contacts;
pub mod employees;
pub mod models;
pub mod oauth;
pub mod patch;
pub mod routes;

pub use models::{ApiClient, Employer};
