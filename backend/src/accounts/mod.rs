//! Employee accounts: invitations, activation, one login per person with lockout and second
//! factors, sessions, password reset, the employee's own profile, and the public service status.

pub mod email_change;
pub mod invitations;
pub mod lockout;
pub mod logins;
pub mod mfa;
pub mod models;
pub mod passkey_login;
pub mod password_policy;
pub mod password_reset;
pub mod profile;
pub mod service_status;
pub mod sessions;
pub mod step_up;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(invitations::send_invitation)
        .service(invitations::verify_identity)
        .service(invitations::activate)
        .service(sessions::login)
        .service(sessions::second_factor)
        .service(passkey_login::start)
        .service(passkey_login::finish)
        .service(sessions::switch_employment)
        .service(sessions::refresh)
        .service(sessions::logout)
        .service(sessions::logout_all)
        .service(password_reset::request_reset)
        .service(password_reset::complete_reset)
        .service(email_change::confirm)
        .service(profile::get_me)
        .service(profile::patch_me)
        .service(profile::change_password)
        .service(mfa::employee::start_totp)
        .service(mfa::employee::confirm_totp)
        .service(mfa::employee::remove_totp)
        .service(mfa::employee::new_recovery_codes)
        .service(mfa::employee::start_passkey_registration)
        .service(mfa::employee::finish_passkey_registration)
        .service(mfa::employee::list_passkeys)
        .service(mfa::employee::remove_passkey)
        .service(step_up::step_up)
        .service(step_up::start_passkey_step_up)
        .service(step_up::finish_passkey_step_up)
        .service(mfa::employer::reset_factors)
        .service(service_status::get_status);
}
