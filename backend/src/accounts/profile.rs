//! The employee's own profile (SPEC §2.10): the data the employer holds, read-only; language
//! and notification preference; change password.

use actix_web::{get, patch, put, web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::models::Account;
use super::{lockout, logins, mfa};
use crate::auth::{AuthenticatedEmployee, EnrollingEmployee, RateLimited};
use crate::db::schema::{employees, employers};
use crate::db::DbConnection;
use crate::domain::{password, Language};
use crate::employers::contacts;
use crate::employers::models::DossierContacts;
use crate::error::{ApiError, FieldError, Invalid, TooManyRequests, Unauthorized};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[schema(format = Uuid)]
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    #[schema(value_type = String, format = Date)]
    pub date_of_birth: NaiveDate,
    pub language: Language,
    pub notify_new_documents: bool,
    pub external_id: Option<String>,
    pub employer_name: String,
    /// Always `active` for a logged-in employee.
    pub account_status: &'static str,
    /// Whom to ask about the dossier: the employer's HR contact and the arbodienst's case
    /// manager (null where the employer named nobody).
    pub dossier_contacts: DossierContacts,
    /// Every employment of this person's login, this one included (`employee_id` = `id`);
    /// switch with `POST /auth/switch`.
    pub employments: Vec<EmploymentView>,
    pub security: SecurityView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmploymentView {
    #[schema(format = Uuid)]
    pub employee_id: String,
    #[schema(format = Uuid)]
    pub employer_id: String,
    pub employer_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SecurityView {
    /// An authenticator app is set up and asked for at login.
    pub totp_enabled: bool,
    pub recovery_codes_left: i64,
    /// How many passkeys are registered (see `GET /me/passkeys`).
    pub passkeys: i64,
    /// This server offers passkeys (its public URL names a host).
    pub passkeys_available: bool,
    /// This employer requires two-step login.
    pub mfa_required: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    pub language: Option<Language>,
    pub notify_new_documents: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(value_type = String, format = Password)]
    pub current_password: SecretString,
    #[schema(value_type = String, format = Password)]
    pub new_password: SecretString,
}

fn load_me(
    conn: &mut DbConnection,
    employee_id: &str,
    passkeys_available: bool,
) -> Result<Me, ApiError> {
    let (account, employer_name) = employees::table
        .inner_join(employers::table)
        .filter(employees::id.eq(employee_id))
        .filter(employees::deleted_at.is_null())
        .select((Account::as_select(), employers::name))
        .first::<(Account, String)>(conn)?;
    let dossier_contacts = contacts::for_employee(conn, &account.employer_id, &account.id)?;
    let login = logins::of_employee(conn, &account.id)?;
    let employments = logins::employments(conn, &login.id)?;
    let mfa_required = employments
        .iter()
        .find(|e| e.employee_id == account.id)
        .is_some_and(|e| e.mfa_required);
    let security = SecurityView {
        totp_enabled: login.has_totp(),
        recovery_codes_left: mfa::recovery_codes_left(conn, &login.id)?,
        passkeys: mfa::passkey::count_of_login(conn, &login.id)?,
        passkeys_available,
        mfa_required,
    };
    Ok(Me {
        employments: employments
            .into_iter()
            .map(|e| EmploymentView {
                employee_id: e.employee_id,
                employer_id: e.employer_id,
                employer_name: e.employer_name,
            })
            .collect(),
        security,
        dossier_contacts,
        language: Language::parse(&account.language).unwrap_or_default(),
        id: account.id,
        email: account.email,
        first_name: account.first_name,
        last_name: account.last_name,
        date_of_birth: account.date_of_birth,
        notify_new_documents: account.notify_new_documents,
        external_id: account.external_id,
        employer_name,
        account_status: "active",
    })
}

/// The logged-in employee's profile.
///
/// The data the employer holds (read-only here: the employer changes it), language,
/// notification preference and the people to ask about the dossier.
#[utoipa::path(
    tag = "profile",
    security(("employee_bearer" = [])),
    responses(
        (status = 200, body = Me),
        Unauthorized,
    )
)]
#[get("/me")]
pub async fn get_me(
    employee: EnrollingEmployee,
    state: web::Data<AppState>,
) -> Result<web::Json<Me>, ApiError> {
    let passkeys_available = state.webauthn.is_some();
    let me = state
        .db
        .run(move |conn| load_me(conn, &employee.employee_id, passkeys_available))
        .await?;
    Ok(web::Json(me))
}

/// Change language or the e-mail notification preference.
///
/// `language` is `nl` or `en`; `notify_new_documents` turns the e-mail about new visible
/// documents on or off.
#[utoipa::path(
    tag = "profile",
    security(("employee_bearer" = [])),
    request_body = MePatch,
    responses(
        (status = 200, body = Me),
        Invalid,
        Unauthorized,
    )
)]
#[patch("/me")]
pub async fn patch_me(
    employee: AuthenticatedEmployee,
    body: crate::web::input::Json<MePatch>,
    state: web::Data<AppState>,
) -> Result<web::Json<Me>, ApiError> {
    let patch = body.into_inner();
    let passkeys_available = state.webauthn.is_some();
    let me = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                if let Some(language) = patch.language {
                    diesel::update(employees::table.find(&employee.employee_id))
                        .set(employees::language.eq(language.as_str()))
                        .execute(conn)?;
                }
                if let Some(notify) = patch.notify_new_documents {
                    diesel::update(employees::table.find(&employee.employee_id))
                        .set(employees::notify_new_documents.eq(notify))
                        .execute(conn)?;
                }
                load_me(conn, &employee.employee_id, passkeys_available)
            })
        })
        .await?;
    Ok(web::Json(me))
}

/// Change the password (asks for the current one); ends every other session.
///
/// Asks for the current password; a wrong one counts toward the login's lockout (three in a row
/// block for an hour, 429). The new password must meet the policy. Sessions on other devices
/// end; this one stays.
#[utoipa::path(
    tag = "profile",
    security(("employee_bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Password changed"),
        Invalid,
        Unauthorized,
        TooManyRequests,
    )
)]
#[put("/me/password")]
pub async fn change_password(
    _rate_limited: RateLimited,
    employee: AuthenticatedEmployee,
    body: crate::web::input::Json<PasswordChange>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let PasswordChange {
        current_password,
        new_password,
    } = body.into_inner();
    for (field, value) in [
        ("current_password", &current_password),
        ("new_password", &new_password),
    ] {
        password::check_size(value).map_err(|message| ApiError::invalid(field, message))?;
    }
    let employee_id = employee.employee_id.clone();
    let settings = state.settings.accounts.clone();
    let (account, login) = state
        .db
        .run(move |conn| {
            let account = employees::table
                .find(&employee_id)
                .select(Account::as_select())
                .first::<Account>(conn)?;
            let login = logins::of_employee(conn, &employee_id)?;
            // A stolen session must not become a way to guess the password: the current
            // password is a credential check like a login, counted against the same lockout.
            lockout::reserve(conn, &login.email_normalised, &settings)?;
            Ok((account, login))
        })
        .await?;
    let email = login.email_normalised.clone();
    let settings = state.settings.accounts.clone();
    let matches = state
        .passwords
        .verify(current_password, Some(login.password_hash.clone()))
        .await?;
    state
        .db
        .run(move |conn| match matches {
            true => lockout::record_success(conn, &email),
            false => lockout::record_failure(conn, &email, &settings),
        })
        .await?;
    if !matches {
        return Err(ApiError::Validation(vec![FieldError::new(
            "current_password",
            "is not your current password",
        )]));
    }
    account.check_new_password("new_password", &new_password, &state.settings.accounts)?;
    let password_hash = state.passwords.hash(new_password).await?;
    state
        .db
        .run_changing(move |conn, changed| {
            crate::db::write_transaction(conn, |conn| {
                logins::set_password(conn, &login.id, &password_hash)?;
                // Every other session of the person ends, in every employment.
                logins::revoke_sessions(conn, changed, &login.id, Some(&employee.session_id))
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
