//! The employer's own record (`GET|PATCH /employer`) and the dossier contacts it names for one
//! employee (`/employees/{id}/dossier-contacts`): the handlers an employer system calls.

use actix_web::{get, patch, web};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::changes::{find_employer, validate_email, validate_name};
use super::contacts::{self, ContactChanges};
use super::employees::queries::find_employee;
use super::models::{ContactPerson, DossierContacts, DossierContactsPatch};
use super::models::{EmployerChanges, EmployerResponse, LinkedArbodienst};
use crate::auth::scopes::{EmployeesRead, EmployeesWrite};
use crate::auth::EmployerClient;
use crate::db::schema::employers;
use crate::db::{now, DbConnection};
use crate::domain::Language;
use crate::error::{
    ApiError, Invalid, NotFound, PayloadTooLarge, Unauthorized, UnsupportedMediaType,
};
use crate::state::AppState;
use crate::web::input::present_or_null;

/// Fields left out stay as they are; `arbodienst_email: null` removes the address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployerPatch {
    pub name: Option<String>,
    pub absence_email: Option<String>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<String>, nullable)]
    pub arbodienst_email: Option<Option<String>>,
    /// The employer's HR contact shown on every employee's dossier page; `null` removes it.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<ContactPerson>, nullable)]
    pub hr_contact: Option<Option<ContactPerson>>,
    /// The arbodienst's case manager shown on every employee's dossier page; `null` removes it.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<ContactPerson>, nullable)]
    pub case_manager: Option<Option<ContactPerson>>,
    /// Require a second factor of every employee at login (default `true`).
    pub mfa_required: Option<bool>,
    /// The language of the sick-report and recovery e-mails (`nl` or `en`).
    pub notification_language: Option<Language>,
    /// Link the arbodienst the operator registered (its id); `null` unlinks it.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<String>, format = Uuid, nullable)]
    pub arbodienst_id: Option<Option<String>>,
}

impl EmployerPatch {
    fn into_changes(self) -> Result<(EmployerChanges, ContactChanges), ApiError> {
        let mut errors = Vec::new();
        let contact_changes = DossierContactsPatch {
            hr_contact: self.hr_contact,
            case_manager: self.case_manager,
        }
        .validate(&mut errors);
        let name = self.name.map(|n| validate_name("name", &n, &mut errors));
        let absence_email = match self.absence_email {
            None => None,
            Some(text) => {
                validate_email("absence_email", &text, &mut errors).map(|e| e.to_string())
            }
        };
        let arbodienst_email = match self.arbodienst_email {
            None => None,
            Some(None) => Some(None),
            Some(Some(text)) => {
                validate_email("arbodienst_email", &text, &mut errors).map(|e| Some(e.to_string()))
            }
        };
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok((
            EmployerChanges {
                name,
                absence_email,
                arbodienst_email,
                mfa_required: self.mfa_required,
                notification_language: self.notification_language.map(|l| l.as_str().to_string()),
                // Checked against the registered arbodiensten inside the transaction.
                arbodienst_id: self.arbodienst_id,
                updated_at: Some(now()),
            },
            contact_changes,
        ))
    }
}

fn employer_response(
    conn: &mut DbConnection,
    employer_id: &str,
) -> Result<EmployerResponse, ApiError> {
    let employer = find_employer(conn, employer_id)?;
    let dossier_contacts = contacts::named_at(conn, employer_id, None)?;
    let arbodienst = match &employer.arbodienst_id {
        Some(id) => crate::arbodienst::changes::find(conn, id)?.map(|a| LinkedArbodienst {
            id: a.id,
            name: a.name,
        }),
        None => None,
    };
    Ok(EmployerResponse::new(
        employer,
        dossier_contacts,
        arbodienst,
    ))
}

/// The employer this client belongs to.
///
/// Any valid token of the employer may read it: name, the absence and arbodienst notification
/// addresses, and the default dossier contacts.
#[utoipa::path(
    tag = "employer",
    security(("employer_oauth" = [])),
    responses(
        (status = 200, body = EmployerResponse),
        Unauthorized,
    )
)]
#[get("/employer")]
pub async fn get_employer(
    client: EmployerClient,
    state: web::Data<AppState>,
) -> Result<web::Json<EmployerResponse>, ApiError> {
    let employer = state
        .db
        .run(move |conn| employer_response(conn, &client.employer_id))
        .await?;
    Ok(web::Json(employer))
}

/// Change the employer's name, notification addresses, dossier contacts and login policy.
///
/// A field left out stays as it is; `null` removes an optional one. Needs `employees:write`.
#[utoipa::path(
    tag = "employer",
    security(("employer_oauth" = ["employees:write"])),
    request_body = EmployerPatch,
    responses(
        (status = 200, body = EmployerResponse),
        Invalid,
        Unauthorized,
        PayloadTooLarge,
        UnsupportedMediaType,
    )
)]
#[patch("/employer")]
pub async fn patch_employer(
    client: EmployerClient<EmployeesWrite>,
    patch: crate::web::input::Json<EmployerPatch>,
    state: web::Data<AppState>,
) -> Result<web::Json<EmployerResponse>, ApiError> {
    let (changes, contact_changes) = patch.into_inner().into_changes()?;
    let employer = state
        .db
        .run(move |conn| {
            let mut changes = changes;
            crate::db::write_transaction(conn, |conn| {
                if let Some(Some(id)) = &changes.arbodienst_id {
                    let linked = crate::arbodienst::changes::existing(conn, "arbodienst_id", id)?;
                    changes.arbodienst_id = Some(Some(linked.id));
                }
                diesel::update(employers::table.find(&client.employer_id))
                    .set(&changes)
                    .execute(conn)?;
                contacts::save(conn, &client.employer_id, None, contact_changes)?;
                employer_response(conn, &client.employer_id)
            })
        })
        .await?;
    Ok(web::Json(employer))
}

/// The people named for this employee only (null where the employer's default applies).
///
/// The employee sees these, or the employer's defaults where a role is null, on their dossier
/// page. Needs `employees:read`.
#[utoipa::path(
    operation_id = "get_employee_dossier_contacts",
    tag = "employees",
    security(("employer_oauth" = ["employees:read"])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, body = DossierContacts),
        Unauthorized,
        NotFound,
    )
)]
#[get("/employees/{id}/dossier-contacts")]
pub async fn get_for_employee(
    client: EmployerClient<EmployeesRead>,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<DossierContacts>, ApiError> {
    let id = id.into_inner();
    let contacts = state
        .db
        .run(move |conn| {
            find_employee(conn, &client.employer_id, &id)?;
            contacts::named_at(conn, &client.employer_id, Some(&id))
        })
        .await?;
    Ok(web::Json(contacts))
}

/// Name other people for this employee than the employer's defaults; `null` returns a role to
/// the default.
///
/// A role left out stays as it is. Needs `employees:write`.
#[utoipa::path(
    operation_id = "patch_employee_dossier_contacts",
    tag = "employees",
    security(("employer_oauth" = ["employees:write"])),
    params(("id" = String, Path, format = Uuid)),
    request_body = DossierContactsPatch,
    responses(
        (status = 200, body = DossierContacts),
        Invalid,
        Unauthorized,
        NotFound,
    )
)]
#[patch("/employees/{id}/dossier-contacts")]
pub async fn patch_for_employee(
    client: EmployerClient<EmployeesWrite>,
    id: web::Path<String>,
    body: crate::web::input::Json<DossierContactsPatch>,
    state: web::Data<AppState>,
) -> Result<web::Json<DossierContacts>, ApiError> {
    let id = id.into_inner();
    let mut errors = Vec::new();
    let changes = body.into_inner().validate(&mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let contacts = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                find_employee(conn, &client.employer_id, &id)?;
                contacts::save(conn, &client.employer_id, Some(&id), changes)?;
                contacts::named_at(conn, &client.employer_id, Some(&id))
            })
        })
        .await?;
    Ok(web::Json(contacts))
}
