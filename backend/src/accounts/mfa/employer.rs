//! `POST /employees/{id}/mfa-reset`: an employee who lost every factor (phone and recovery
//! codes) asks the employer, who removes them; the employee is told by e-mail and sets up a
//! new app at the next login. Audited.

use actix_web::{post, web, HttpResponse};
use diesel::prelude::*;

use crate::accounts::logins;
use crate::audit::{self, Actor};
use crate::auth::scopes::EmployeesWrite;
use crate::auth::EmployerClient;
use crate::db::schema::employers;
use crate::domain::Language;
use crate::employers::employees::find_employee;
use crate::error::{ApiError, Conflict, NotFound, Unauthorized};
use crate::events::email::{enqueue_email, EmailMessage};
use crate::state::AppState;

/// Remove an employee's second factors (authenticator app and recovery codes).
///
/// For an employee who lost their phone and their recovery codes. Every session of the person
/// ends; the employee is told by e-mail and sets up a new app at the next login. The reset is
/// written to the audit log. A login the person also uses at another employer is not the
/// employer's to reset (409): the person uses a recovery code there. Needs `employees:write`.
#[utoipa::path(
    tag = "employees",
    security(("employer_oauth" = ["employees:write"])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 204, description = "The second factors are removed"),
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[post("/employees/{id}/mfa-reset")]
pub async fn reset_factors(
    client: EmployerClient<EmployeesWrite>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let employee_id = path.into_inner();
    let portal_url = state.settings.public_url.to_string();
    state
        .db
        .run_changing(move |conn, changed| {
            crate::db::write_transaction(conn, |conn| {
                let employee = find_employee(conn, &client.employer_id, &employee_id)?;
                let Some(login_id) = employee.login_id.clone() else {
                    return Err(ApiError::Conflict(
                        "The employee has not activated their account.".into(),
                    ));
                };
                let elsewhere = logins::employments(conn, &login_id)?
                    .iter()
                    .any(|e| e.employer_id != client.employer_id);
                if elsewhere {
                    return Err(ApiError::Conflict(
                        "This person also logs in for another employer with the same login; only \
                         they can change its second factor (with a recovery code)."
                            .into(),
                    ));
                }
                logins::remove_factors(conn, &login_id)?;
                logins::revoke_sessions(conn, changed, &login_id, None)?;
                audit::record(
                    conn,
                    &client.employer_id,
                    &Actor::Client(client.client_id.clone()),
                    "employee.mfa_reset",
                    ("employee", &employee.id),
                )?;
                let employer_name: String = employers::table
                    .find(&client.employer_id)
                    .select(employers::name)
                    .first(conn)?;
                enqueue_email(
                    conn,
                    &EmailMessage::MfaReset {
                        to: employee.email.clone(),
                        language: Language::parse(&employee.language).unwrap_or_default(),
                        first_name: employee.first_name.clone(),
                        employer_name,
                        portal_url,
                    },
                )
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
