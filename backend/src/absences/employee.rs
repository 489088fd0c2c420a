//! The employee's own absences: report sick, list and read, report (partial) recovery, and the
//! Poortwachter timeline of the open absence.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::changes::{self, Change};
use super::domain::{
    PartialRecoveryReport, PartialRecoveryRequest, Recovery, RecoveryRequest, SickReport,
    SickReportRequest,
};
use super::models::{Absence, AbsencePage, ReportedBy, TimelineResponse};
use super::queries::{self, today, Owner};
use super::{page_limit, parse_cursor, timeline_response};
use crate::audit::Actor;
use crate::auth::AuthenticatedEmployee;
use crate::error::{ApiError, Invalid, NotFound, Problem, Unauthorized};
use crate::state::AppState;

fn owner(employee: &AuthenticatedEmployee) -> Owner {
    Owner {
        employer_id: employee.employer_id.clone(),
        employee_id: Some(employee.employee_id.clone()),
    }
}

fn change(employee: &AuthenticatedEmployee, state: &AppState) -> Change {
    Change {
        actor: Actor::Employee(employee.employee_id.clone()),
        portal_url: state.settings.public_url.to_string(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MyListQuery {
    /// Page size, 1–200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Report sick (ziekmelding). The employer and the arbodienst are informed by e-mail.
#[utoipa::path(
    tag = "absences",
    security(("employee_bearer" = [])),
    request_body = SickReportRequest,
    responses(
        (status = 201, body = Absence, headers(("Location" = String))),
        (status = 400, description = "Invalid or unknown fields (a diagnosis, say), each listed", body = Problem, content_type = "application/problem+json"),
        Unauthorized,
        (status = 409, description = "An absence is already open", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/absences")]
pub async fn report_sick(
    employee: AuthenticatedEmployee,
    body: crate::web::input::Json<SickReportRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let report = SickReport::parse(body.into_inner(), today())?;
    let change = change(&employee, &state);
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
    params(MyListQuery),
    responses(
        (status = 200, body = AbsencePage),
        Invalid,
        Unauthorized,
    )
)]
#[get("/me/absences")]
pub async fn list_mine(
    employee: AuthenticatedEmployee,
    query: web::Query<MyListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let (limit, after) = match (
        page_limit(query.limit),
        parse_cursor(query.cursor.as_deref()),
    ) {
        (Ok(limit), Ok(after)) => (limit, after),
        (limit, after) => {
            let errors = [limit.err(), after.err()].into_iter().flatten().collect();
            return Err(ApiError::Validation(errors));
        }
    };
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
                next_cursor: next.map(|c| c.encode()),
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
        (status = 404, description = "No such absence of this employee", body = Problem, content_type = "application/problem+json"),
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
        (status = 400, description = "Date before the first sick day or more than 14 days ahead", body = Problem, content_type = "application/problem+json"),
        Unauthorized,
        NotFound,
        (status = 409, description = "The absence is not open", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/absences/{id}/recovery")]
pub async fn recover_mine(
    employee: AuthenticatedEmployee,
    id: web::Path<String>,
    body: crate::web::input::Json<RecoveryRequest>,
    state: web::Data<AppState>,
) -> Result<web::Json<Absence>, ApiError> {
    let (owner, change) = (owner(&employee), change(&employee, &state));
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
        (status = 409, description = "The absence is not open", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/absences/{id}/partial-recovery")]
pub async fn partially_recover_mine(
    employee: AuthenticatedEmployee,
    id: web::Path<String>,
    body: crate::web::input::Json<PartialRecoveryRequest>,
    state: web::Data<AppState>,
) -> Result<web::Json<Absence>, ApiError> {
    let (owner, change) = (owner(&employee), change(&employee, &state));
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
/// The legal milestones of the Gatekeeper Act counted from the (linked) first sick day, with
/// which are past and which is next. Without an open absence the list is empty.
#[utoipa::path(
    tag = "absences",
    security(("employee_bearer" = [])),
    responses(
        (status = 200, body = TimelineResponse),
        Unauthorized,
        (status = 404, description = "No open absence", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/timeline")]
pub async fn my_timeline(
    employee: AuthenticatedEmployee,
    state: web::Data<AppState>,
) -> Result<web::Json<TimelineResponse>, ApiError> {
    let row = state
        .db
        .run(move |conn| {
            queries::find_open(conn, &employee.employer_id, &employee.employee_id)?
                .ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(web::Json(timeline_response(&row, today())))
}
