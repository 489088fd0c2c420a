//! Employee accounts: invitations, activation, login with lockout, sessions, password reset,
//! the employee's own profile, and the public service status.

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(_cfg: &mut ServiceConfig) {}
