//! The employee's own absences: report sick, list and read, report (partial) recovery, and the
//! Poortwachter timeline of the open absence.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};

use super::changes::{self, Change};
use super::domain::{
    PartialRecoveryReport, PartialRecoveryRequest, Recovery, RecoveryRequest, SickReport,
    SickReportRequest,
};
use super::models::{Absence, AbsencePage, ReportedBy, TimelineResponse};
use super::queries::{self, Owner, Position};
use crate::audit::Actor;
use crate::auth::AuthenticatedEmployee;
use crate::domain::calendar::today;
use crate::error::{ApiError, Conflict, Invalid, NotFound, Unauthorized};
use crate::state::AppState;
use crate::web::page::{Cursor, NoFilter, PageQuery, Paged};

fn owner(employee: &AuthenticatedEmployee) -> Owner {
    Owner {
        employer_id: employee.employer_id.clone(),
        employee_id: Some(employee.employee_id.clone()),
    }
}

fn change(employee: &AuthenticatedEmployee) -> Change {
    Change {
        actor: Actor::Employee(employee.employee_id.clone()),
    }
}

/// Report sick (ziekmelding). The employer and the arbodienst are informed by e-mail.
#[utoipa::path(
    tag = "absences",
    security(("employee_bearer" = [])),
    request_body = SickReportRequest,
    responses(
        (status = 201, body = Absence, headers(("Location" = String))),
        Invalid,
        Unauthorized,
        Conflict,
    )
)]
#[post("/me/absences")]
pub async fn report_sick(
    employee: AuthenticatedEmployee,
    body: crate::web::input::Json<SickReportRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let report = SickReport::parse(body.into_inner(), today())?;
    let change = change(&employee);
    let absence = state
        .db
        .run_changing(move |conn, changed| {
            let row = changes::report(
                conn,
                changed,
                &employee.employer_id,
                &employee.employee_id,
                report,
                ReportedBy::Employee,
                &change,
            )?;
            queries::absence_view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/me/absences/{}", absence.id),
        ))
        .json(absence))
}

/// The employee's own absences, newest first.
///
/// Every absence of the employee, open, recovered or cancelled, with its partial recoveries;
/// paged with `limit` and `cursor`.
#[utoipa::path(
    operation_id = "list_my_absences",
    tag = "absences",
    security(("employee_bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = AbsencePage),
        Invalid,
        Unauthorized,
    )
)]
#[get("/me/absences")]
pub async fn list_mine(
    employee: AuthenticatedEmployee,
    query: Paged<NoFilter, Position>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Paged { limit, after, .. } = query;
    // The first page is what the home and absences screens load; it is kept in the read
    // cache until one of the employee's absences changes.
    let first_page = after.is_none();
    let reads = state.db.reads();
    if first_page {
        if let Some(body) = reads.first_page(&employee.employee_id, &employee.employer_id, limit) {
            return Ok(json_body(body));
        }
    }
    let ticket = reads.ticket();
    let (employer_id, employee_id) = (employee.employer_id.clone(), employee.employee_id.clone());
    let page = state
        .db
        .run(move |conn| {
            let (items, next) =
                queries::list_own(conn, &employer_id, &employee_id, after.as_ref(), limit)?;
            Ok(AbsencePage {
                items,
                next_cursor: next.as_ref().map(Cursor::encode),
            })
        })
        .await?;
    let body =
        web::Bytes::from(serde_json::to_vec(&page).map_err(|e| ApiError::internal(e.into()))?);
    if first_page {
        reads.remember_first_page(
            ticket,
            &employee.employee_id,
            &employee.employer_id,
            limit,
            body.clone(),
        );
    }
    Ok(json_body(body))
}

fn json_body(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(header::ContentType::json())
        .body(body)
}

/// One of the employee's own absences.
///
/// Another employee's absence answers 404, exactly as one that does not exist.
#[utoipa::path(
    operation_id = "get_my_absence",
    tag = "absences",
    security(("employee_bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, body = Absence),
        Unauthorized,
        NotFound,
    )
)]
#[get("/me/absences/{id}")]
pub async fn get_mine(
    employee: AuthenticatedEmployee,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<Absence>, ApiError> {
    let owner = owner(&employee);
    let absence = state
        .db
        .run(move |conn| {
            let row = queries::find(conn, &owner, &id)?;
            queries::absence_view(conn, row)
        })
        .await?;
    Ok(web::Json(absence))
}

/// Report recovery (hersteld melden): closes the absence. The employer and the arbodienst are
/// informed by e-mail.
#[utoipa::path(
    tag = "absences",
    security(("employee_bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    request_body = RecoveryRequest,
    responses(
        (status = 200, body = Absence),
        Invalid,
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[post("/me/absences/{id}/recovery")]
pub async fn recover_mine(
    employee: AuthenticatedEmployee,
    id: web::Path<String>,
    body: crate::web::input::Json<RecoveryRequest>,
    state: web::Data<AppState>,
) -> Result<web::Json<Absence>, ApiError> {
    let (owner, change) = (owner(&employee), change(&employee));
    let request = body.into_inner();
    let today = today();
    let absence = state
        .db
        .run_changing(move |conn, changed| {
            let row = changes::recover(
                conn,
                changed,
                &owner,
                &id,
                |first| Recovery::parse(request, first, today),
                &change,
            )?;
            queries::absence_view(conn, row)
        })
        .await?;
    Ok(web::Json(absence))
}

/// Report partial recovery: working again for a percentage of the contract. The absence stays
/// open; every partial recovery is kept.
#[utoipa::path(
    tag = "absences",
    security(("employee_bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    request_body = PartialRecoveryRequest,
    responses(
        (status = 200, body = Absence),
        Invalid,
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[post("/me/absences/{id}/partial-recovery")]
pub async fn partially_recover_mine(
    employee: AuthenticatedEmployee,
    id: web::Path<String>,
    body: crate::web::input::Json<PartialRecoveryRequest>,
    state: web::Data<AppState>,
) -> Result<web::Json<Absence>, ApiError> {
    let (owner, change) = (owner(&employee), change(&employee));
    let request = body.into_inner();
    let today = today();
    let absence = state
        .db
        .run_changing(move |conn, changed| {
            let row = changes::partially_recover(
                conn,
                changed,
                &owner,
                &id,
                |first| PartialRecoveryReport::parse(request, first, today),
                &change,
            )?;
            queries::absence_view(conn, row)
        })
        .await?;
    Ok(web::Json(absence))
}

/// The Poortwachter timeline of the employee's open absence.
///
/// The steps of the Gatekeeper Act counted from the (linked) first sick day: which are done,
/// which is due next, and which are late. Without an open absence: 404.
#[utoipa::path(
    tag = "absences",
    security(("employee_bearer" = [])),
    responses(
        (status = 200, body = TimelineResponse),
        Unauthorized,
        NotFound,
    )
)]
#[get("/me/timeline")]
pub async fn my_timeline(
    employee: AuthenticatedEmployee,
    state: web::Data<AppState>,
) -> Result<web::Json<TimelineResponse>, ApiError> {
    let timeline = state
        .db
        .run(move |conn| {
            let row = queries::find_open(conn, &employee.employer_id, &employee.employee_id)?
                .ok_or(ApiError::NotFound)?;
            queries::timeline_view(conn, &row, today())
        })
        .await?;
    Ok(web::Json(timeline))
}
