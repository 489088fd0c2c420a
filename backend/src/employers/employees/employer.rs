use actix_web::http::header;
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::models::{AccountStatus, EmployeePage, EmployeeResponse};
use super::queries::{
    account_states, email_conflict, email_taken_by, employee_response, employer_of_employee,
    external_id_conflict, external_id_taken_by, find_by_external_id, find_employee,
    insert_employees, list_employees, lock_employer, new_employee, revoke_access, update_employee,
    ListFilter, Position,
};
use super::validation::{effective_changes, EmployeeInput, EmployeePatch, ExternalId};
use crate::accounts::email_change::ChangeLinks;
use crate::auth::scopes::{EmployeesRead, EmployeesWrite};
use crate::auth::{CaseClient, EmployerClient};
use crate::db::now;
use crate::db::schema::employees;
use crate::domain::calendar::today;
use crate::error::{
    ApiError, Conflict, FieldError, Invalid, NotFound, PayloadTooLarge, Unauthorized,
    UnsupportedMediaType,
};
use crate::state::AppState;
use crate::web::page::{Cursor, FilterRules, PageQuery, Paged};

fn location(id: &str) -> String {
    format!("/api/v1/employees/{id}")
}

/// The filters of the employee list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EmployeeFilter {
    /// Only employees whose account has this status.
    #[param(inline)]
    pub status: Option<AccountStatus>,
    /// Only the employee with this e-mail address (compared without regard to case).
    pub email: Option<String>,
    /// Only this employer's employees (for an arbodienst's client, which sees every employer
    /// linked to it); an employer it may not act for answers 404.
    #[param(format = Uuid)]
    pub employer_id: Option<String>,
}

impl FilterRules for EmployeeFilter {
    fn check(&self) -> Vec<FieldError> {
        crate::web::page::uuid_filter("employer_id", &self.employer_id)
            .into_iter()
            .collect()
    }
}

/// List the employer's employees, oldest first, a page at a time.
///
/// Filter by account status or e-mail address. Deleted employees are left out. Needs
/// `employees:read`.
#[utoipa::path(
    operation_id = "list_employees",
    tag = "employees",
    security(("employer_oauth" = ["employees:read"])),
    params(PageQuery, EmployeeFilter),
    responses(
        (status = 200, body = EmployeePage),
        Invalid,
        Unauthorized,
    )
)]
#[get("/employees")]
pub async fn list(
    client: CaseClient<EmployeesRead>,
    query: Paged<EmployeeFilter, Position>,
    state: web::Data<AppState>,
) -> Result<web::Json<EmployeePage>, ApiError> {
    let employer_id = query.filter.employer_id;
    let filter = ListFilter {
        status: query.filter.status,
        email_normalised: query.filter.email.map(|e| e.trim().to_lowercase()),
        after: query.after,
        limit: query.limit,
    };
    let page = state
        .db
        .run(move |conn| {
            let now = now();
            let employers = client
                .party
                .employers_listed(conn, employer_id.as_deref())?;
            let (rows, next) = list_employees(conn, &employers, &filter, now)?;
            let mut states = account_states(conn, &rows, now)?;
            let items = rows
                .into_iter()
                .map(|employee| {
                    let state = states.remove(&employee.id).ok_or_else(|| {
                        ApiError::internal(anyhow::anyhow!("account state missing"))
                    })?;
                    Ok(EmployeeResponse::new(employee, state))
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(EmployeePage {
                items,
                next_cursor: next.as_ref().map(Cursor::encode),
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// Create an employee. The account is not invited yet: send the invitation separately.
#[utoipa::path(
    operation_id = "create_employee",
    tag = "employees",
    security(("employer_oauth" = ["employees:write"])),
    request_body = EmployeeInput,
    responses(
        (status = 201, body = EmployeeResponse, headers(("Location" = String, description = "The new employee's URL"))),
        Invalid,
        Unauthorized,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
    )
)]
#[post("/employees")]
pub async fn create(
    client: EmployerClient<EmployeesWrite>,
    body: crate::web::input::Json<EmployeeInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let valid = body.validate(today()).map_err(ApiError::Validation)?;
    let employee = state
        .db
        .run(move |conn| {
            let employer_id = client.employer_id;
            let employee = crate::db::write_transaction(conn, |conn| {
                lock_employer(conn, &employer_id)?;
                if email_taken_by(conn, &employer_id, &valid.email.normalised(), None)?.is_some() {
                    return Err(email_conflict());
                }
                if let Some(external_id) = &valid.external_id {
                    if external_id_taken_by(conn, &employer_id, external_id.as_str(), None)?
                        .is_some()
                    {
                        return Err(external_id_conflict());
                    }
                }
                let row = new_employee(&employer_id, &valid, now());
                insert_employees(conn, std::slice::from_ref(&row))?;
                find_employee(conn, &employer_id, &row.id)
            })?;
            employee_response(conn, employee)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location(&employee.id)))
        .json(employee))
}

/// One employee of the employer.
///
/// Includes the account status (`not_invited`, `invited`, `active`, `blocked`). Needs
/// `employees:read`.
#[utoipa::path(
    operation_id = "get_employee",
    tag = "employees",
    security(("employer_oauth" = ["employees:read"])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, body = EmployeeResponse),
        Unauthorized,
        NotFound,
    )
)]
#[get("/employees/{id}")]
pub async fn get_one(
    client: CaseClient<EmployeesRead>,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<EmployeeResponse>, ApiError> {
    let id = id.into_inner();
    let employee = state
        .db
        .run(move |conn| {
            let employer_id = employer_of_employee(conn, &client.party, &id)?;
            let employee = find_employee(conn, &employer_id, &id)?;
            employee_response(conn, employee)
        })
        .await?;
    Ok(web::Json(employee))
}

/// Change some of an employee's fields; the ones left out stay as they are. A patch that
/// changes nothing leaves `updated_at` alone.
#[utoipa::path(
    operation_id = "patch_employee",
    tag = "employees",
    security(("employer_oauth" = ["employees:write"])),
    params(("id" = String, Path, format = Uuid)),
    request_body = EmployeePatch,
    responses(
        (status = 200, body = EmployeeResponse),
        Invalid,
        Unauthorized,
        NotFound,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
    )
)]
#[patch("/employees/{id}")]
pub async fn patch_one(
    client: EmployerClient<EmployeesWrite>,
    id: web::Path<String>,
    body: crate::web::input::Json<EmployeePatch>,
    state: web::Data<AppState>,
) -> Result<web::Json<EmployeeResponse>, ApiError> {
    let id = id.into_inner();
    let requested = body
        .into_inner()
        .into_changes(today())
        .map_err(ApiError::Validation)?;
    let links = ChangeLinks::from_state(&state);
    let employee = state
        .db
        .run(move |conn| {
            let employer_id = client.employer_id;
            let employee = crate::db::write_transaction(conn, |conn| {
                lock_employer(conn, &employer_id)?;
                let existing = find_employee(conn, &employer_id, &id)?;
                let changes = effective_changes(requested, &existing);
                if changes.is_empty() {
                    return Ok(existing);
                }
                if let Some(email) = &changes.email_normalised {
                    if email_taken_by(conn, &employer_id, email, Some(&id))?.is_some() {
                        return Err(email_conflict());
                    }
                }
                if let Some(Some(external_id)) = &changes.external_id {
                    if external_id_taken_by(conn, &employer_id, external_id, Some(&id))?.is_some() {
                        return Err(external_id_conflict());
                    }
                }
                update_employee(
                    conn,
                    &id,
                    existing.login_id.as_deref(),
                    changes,
                    now(),
                    &links,
                )?;
                find_employee(conn, &employer_id, &id)
            })?;
            employee_response(conn, employee)
        })
        .await?;
    Ok(web::Json(employee))
}

/// Delete an employee: their access ends at once, their history stays.
///
/// Deleting is a soft delete. In one transaction the employee is marked deleted, every
/// session (refresh token) is revoked, open invitations are voided, unused password-reset
/// links are spent and the password hash is erased, so the person can no longer log in,
/// refresh a session, activate or reset a password. From then on the employee is invisible
/// to every employee route of the employer API (404, left out of lists and of bulk matching)
/// and their e-mail address and external id are free for a new employee. The row itself is
/// kept, with its name, e-mail address and date of birth, so absences and dossier documents
/// linked to it are never lost or orphaned silently; it is purged only under the retention
/// rules of the employer's privacy policy, which are outside this API.
#[utoipa::path(
    operation_id = "delete_employee",
    tag = "employees",
    security(("employer_oauth" = ["employees:write"])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 204, description = "Deleted; every session of the employee is revoked"),
        Unauthorized,
        NotFound,
    )
)]
#[delete("/employees/{id}")]
pub async fn delete_one(
    client: EmployerClient<EmployeesWrite>,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .run_changing(move |conn, changed| {
            let employer_id = client.employer_id;
            crate::db::write_transaction(conn, |conn| {
                lock_employer(conn, &employer_id)?;
                let employee = find_employee(conn, &employer_id, &id)?;
                let now = now();
                revoke_access(conn, changed, &employee.id, now)?;
                diesel::update(employees::table.find(&employee.id))
                    .set((employees::deleted_at.eq(now), employees::updated_at.eq(now)))
                    .execute(conn)?;
                // The person's login stays for their other employers; with none left it goes.
                if let Some(login_id) = &employee.login_id {
                    crate::accounts::logins::forget_if_unused(conn, login_id)?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create or update the employee with this external id (idempotent). A field left out of
/// the body is required as for create, except `language`, which a new employee gets as `nl`
/// and an existing one keeps. Sending the same body twice changes nothing, `updated_at`
/// included.
#[utoipa::path(
    tag = "employees",
    security(("employer_oauth" = ["employees:write"])),
    params(("external_id" = String, Path, description = "The employer's own key, 1–100 characters")),
    request_body = EmployeeInput,
    responses(
        (status = 200, description = "Updated, or already as sent", body = EmployeeResponse),
        (status = 201, description = "Created", body = EmployeeResponse, headers(("Location" = String, description = "The new employee's URL"))),
        Invalid,
        Unauthorized,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
    )
)]
#[put("/employees/by-external-id/{external_id}")]
pub async fn upsert_by_external_id(
    client: EmployerClient<EmployeesWrite>,
    external_id: web::Path<String>,
    body: crate::web::input::Json<EmployeeInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut input = body.into_inner();
    let path_id = ExternalId::parse(&external_id)
        .map_err(|message| ApiError::invalid("external_id", message))?;
    if let Some(given) = input.external_id.as_deref() {
        if ExternalId::parse(given).as_ref() != Ok(&path_id) {
            return Err(ApiError::invalid(
                "external_id",
                "must equal the external_id in the path (or be left out)",
            ));
        }
    }
    input.external_id = Some(path_id.as_str().to_string());
    let valid = input.validate(today()).map_err(ApiError::Validation)?;
    let links = ChangeLinks::from_state(&state);
    let (created, employee) = state
        .db
        .run(move |conn| {
            let employer_id = client.employer_id;
            let (created, employee) = crate::db::write_transaction(conn, |conn| {
                lock_employer(conn, &employer_id)?;
                let email = valid.email.normalised();
                match find_by_external_id(conn, &employer_id, path_id.as_str())? {
                    None => {
                        if email_taken_by(conn, &employer_id, &email, None)?.is_some() {
                            return Err(email_conflict());
                        }
                        let row = new_employee(&employer_id, &valid, now());
                        insert_employees(conn, std::slice::from_ref(&row))?;
                        Ok((true, find_employee(conn, &employer_id, &row.id)?))
                    }
                    Some(existing) => {
                        let changes = valid.changes_from(&existing);
                        if changes.is_empty() {
                            return Ok((false, existing));
                        }
                        if changes.email_normalised.is_some()
                            && email_taken_by(conn, &employer_id, &email, Some(&existing.id))?
                                .is_some()
                        {
                            return Err(email_conflict());
                        }
                        update_employee(
                            conn,
                            &existing.id,
                            existing.login_id.as_deref(),
                            changes,
                            now(),
                            &links,
                        )?;
                        Ok((false, find_employee(conn, &employer_id, &existing.id)?))
                    }
                }
            })?;
            Ok((created, employee_response(conn, employee)?))
        })
        .await?;
    Ok(if created {
        HttpResponse::Created()
            .insert_header((header::LOCATION, location(&employee.id)))
            .json(employee)
    } else {
        HttpResponse::Ok().json(employee)
    })
}
