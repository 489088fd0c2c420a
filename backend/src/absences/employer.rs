//! The employer's absence API (scopes `absences:read` / `absences:write`). Another employer's
//! absence answers 404, exactly as one that does not exist. Every read of a single absence and
//! every change is written to the audit log.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use super::changes::{self, Change};
use super::domain::{
    CancelRequest, CorrectionInput, CorrectionRequest, Recovery, RecoveryRequest, SickReport,
    SickReportRequest, StepRecord, StepRecordRequest,
};
use super::models::{
    AbsenceStatus, EmployerAbsence, EmployerAbsencePage, ReportedBy, TimelineResponse,
};
use super::queries::{self, ListFilter, Owner, Position};
use crate::audit::Actor;
use crate::auth::scopes::{AbsencesRead, AbsencesWrite, PoortwachterWrite};
use crate::auth::{CaseClient, EmployerClient};
use crate::domain::calendar::today;
use crate::employers::employees::find_employee;
use crate::error::{ApiError, Conflict, FieldError, Invalid, NotFound, Unauthorized};
use crate::state::AppState;
use crate::web::page::{Cursor, FilterRules, PageQuery, Paged};

fn owner(employer_id: &str) -> Owner {
    Owner {
        employer_id: employer_id.to_string(),
        employee_id: None,
    }
}

/// Absences are read by the employer's clients and its arbodienst's.
type Reader = CaseClient<AbsencesRead>;

fn change(client_id: &str) -> Change {
    Change {
        actor: Actor::Client(client_id.to_string()),
    }
}

/// The filters of the employer's absence list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AbsenceFilter {
    #[param(inline)]
    pub status: Option<AbsenceStatus>,
    /// Only this employee's absences.
    #[param(format = Uuid)]
    pub employee_id: Option<String>,
    /// Only absences whose first sick day is on or after this date.
    pub from: Option<NaiveDate>,
    /// Only absences whose first sick day is on or before this date.
    pub to: Option<NaiveDate>,
    /// Only this employer's absences (for an arbodienst's client, which sees every employer
    /// linked to it); an employer it may not act for answers 404.
    #[param(format = Uuid)]
    pub employer_id: Option<String>,
}

impl FilterRules for AbsenceFilter {
    fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if to < from {
                errors.push(FieldError::new("to", "must not be before `from`"));
            }
        }
        errors.extend(crate::web::page::uuid_filter(
            "employer_id",
            &self.employer_id,
        ));
        errors
    }
}

/// The employer's absences, newest first, a page at a time.
///
/// Filter by `status`, `employee_id` and a date range (`from`, `to` on the first sick day).
/// Each absence carries `linked_to` when it continues an earlier spell (Dutch law adds spells
/// less than four weeks apart together). Needs `absences:read`.
#[utoipa::path(
    operation_id = "list_absences",
    tag = "absences",
    security(("employer_oauth" = ["absences:read"])),
    params(PageQuery, AbsenceFilter),
    responses(
        (status = 200, body = EmployerAbsencePage),
        Invalid,
        Unauthorized,
    )
)]
#[get("/absences")]
pub async fn list(
    client: Reader,
    query: Paged<AbsenceFilter, Position>,
    state: web::Data<AppState>,
) -> Result<web::Json<EmployerAbsencePage>, ApiError> {
    let Paged {
        limit,
        after,
        filter,
    } = query;
    let employer_id = filter.employer_id;
    let filter = ListFilter {
        employee_id: filter.employee_id,
        status: filter.status,
        from: filter.from,
        to: filter.to,
        after,
        limit,
    };
    let page = state
        .db
        .run(move |conn| {
            let employers = client
                .party
                .employers_listed(conn, employer_id.as_deref())?;
            let (rows, next) = queries::list(conn, &employers, &filter)?;
            Ok(EmployerAbsencePage {
                items: queries::employer_view(conn, rows)?,
                next_cursor: next.as_ref().map(Cursor::encode),
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// One absence, with its history of corrections. The read is audited.
#[utoipa::path(
    operation_id = "get_absence",
    tag = "absences",
    security(("employer_oauth" = ["absences:read"])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, body = EmployerAbsence),
        Unauthorized,
        NotFound,
    )
)]
#[get("/absences/{id}")]
pub async fn get_one(
    client: Reader,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<EmployerAbsence>, ApiError> {
    let absence = state
        .db
        .run(move |conn| {
            let owner = queries::owner_for(conn, &client.party, &id)?;
            let row = queries::find(conn, &owner, &id)?;
            queries::audit_read(conn, &row, &Actor::Client(client.client_id.clone()))?;
            queries::employer_absence_view(conn, row)
        })
        .await?;
    Ok(web::Json(absence))
}

/// The Poortwachter timeline of one absence. The read is audited.
///
/// Every step with its due date and status (`done`, `due`, `late`, `upcoming`,
/// `not_applicable`); a done step says when, and which document completed it.
#[utoipa::path(
    tag = "absences",
    security(("employer_oauth" = ["absences:read"])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, body = TimelineResponse),
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[get("/absences/{id}/timeline")]
pub async fn timeline(
    client: Reader,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<TimelineResponse>, ApiError> {
    let view = state
        .db
        .run(move |conn| {
            let owner = queries::owner_for(conn, &client.party, &id)?;
            let row = queries::find(conn, &owner, &id)?;
            if row.status() == AbsenceStatus::Cancelled {
                return Err(ApiError::Conflict(
                    "A cancelled absence has no timeline.".into(),
                ));
            }
            queries::audit_read(conn, &row, &Actor::Client(client.client_id.clone()))?;
            queries::timeline_view(conn, &row, today())
        })
        .await?;
    Ok(web::Json(view))
}

/// Correct the dates of an absence; the reason is kept in its correction history.
///
/// Send the corrected `first_sick_day` and/or `recovered_on` with a `reason`. The change emits
/// `absence.corrected` and is kept in the absence's `corrections`; a cancelled absence cannot
/// be corrected.
#[utoipa::path(
    tag = "absences",
    security(("employer_oauth" = ["absences:write"])),
    params(("id" = String, Path, format = Uuid)),
    request_body = CorrectionRequest,
    responses(
        (status = 200, body = EmployerAbsence),
        Invalid,
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[patch("/absences/{id}")]
pub async fn correct(
    client: EmployerClient<AbsencesWrite>,
    id: web::Path<String>,
    body: crate::web::input::Json<CorrectionRequest>,
    state: web::Data<AppState>,
) -> Result<web::Json<EmployerAbsence>, ApiError> {
    let change = change(&client.client_id);
    let request = body.into_inner();
    let today = today();
    let absence = state
        .db
        .run_changing(move |conn, changed| {
            let row = changes::correct(
                conn,
                changed,
                &owner(&client.employer_id),
                &id,
                |first, recovered| CorrectionInput::parse(request, first, recovered, today),
                &change,
            )?;
            queries::employer_absence_view(conn, row)
        })
        .await?;
    Ok(web::Json(absence))
}

/// Report sick on the employee's behalf; the same rules as the employee's own report. The
/// employer and the arbodienst are informed by e-mail.
#[utoipa::path(
    tag = "absences",
    security(("employer_oauth" = ["absences:write"])),
    params(("id" = String, Path, format = Uuid, description = "The employee")),
    request_body = SickReportRequest,
    responses(
        (status = 201, body = EmployerAbsence, headers(("Location" = String))),
        Invalid,
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[post("/employees/{id}/absences")]
pub async fn report_for_employee(
    client: EmployerClient<AbsencesWrite>,
    id: web::Path<String>,
    body: crate::web::input::Json<SickReportRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let report = SickReport::parse(body.into_inner(), today())?;
    let change = change(&client.client_id);
    let absence = state
        .db
        .run_changing(move |conn, changed| {
            let employee = find_employee(conn, &client.employer_id, &id)?;
            let row = changes::report(
                conn,
                changed,
                &client.employer_id,
                &employee.id,
                report,
                ReportedBy::Employer,
                &change,
            )?;
            queries::employer_absence_view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/absences/{}", absence.absence.id),
        ))
        .json(absence))
}

/// Report recovery on the employee's behalf: closes the absence. The employer and the
/// arbodienst are informed by e-mail.
#[utoipa::path(
    tag = "absences",
    security(("employer_oauth" = ["absences:write"])),
    params(("id" = String, Path, format = Uuid)),
    request_body = RecoveryRequest,
    responses(
        (status = 200, body = EmployerAbsence),
        Invalid,
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[post("/absences/{id}/recovery")]
pub async fn recover(
    client: EmployerClient<AbsencesWrite>,
    id: web::Path<String>,
    body: crate::web::input::Json<RecoveryRequest>,
    state: web::Data<AppState>,
) -> Result<web::Json<EmployerAbsence>, ApiError> {
    let change = change(&client.client_id);
    let request = body.into_inner();
    let today = today();
    let absence = state
        .db
        .run_changing(move |conn, changed| {
            let row = changes::recover(
                conn,
                changed,
                &owner(&client.employer_id),
                &id,
                |first| Recovery::parse(request, first, today),
                &change,
            )?;
            queries::employer_absence_view(conn, row)
        })
        .await?;
    Ok(web::Json(absence))
}

/// Cancel a report made in error. The body (`{reason}`) may be left out.
#[utoipa::path(
    tag = "absences",
    security(("employer_oauth" = ["absences:write"])),
    params(("id" = String, Path, format = Uuid)),
    request_body(content = Option<CancelRequest>, content_type = "application/json"),
    responses(
        (status = 200, body = EmployerAbsence),
        Invalid,
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[post("/absences/{id}/cancel")]
pub async fn cancel(
    client: EmployerClient<AbsencesWrite>,
    id: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<web::Json<EmployerAbsence>, ApiError> {
    let reason = CancelRequest::parse_body(&body)?;
    let change = change(&client.client_id);
    let absence = state
        .db
        .run_changing(move |conn, changed| {
            let row = changes::cancel(
                conn,
                changed,
                &owner(&client.employer_id),
                &id,
                reason,
                &change,
            )?;
            queries::employer_absence_view(conn, row)
        })
        .await?;
    Ok(web::Json(absence))
}

/// Record a Poortwachter step done outside the dossier.
///
/// For steps no document here shows done — the week-42 report to UWV (`uwv_sick_report`),
/// say, or a problem analysis kept elsewhere. `key` is one of the timeline's step keys;
/// `done_on` lies between the (linked) first sick day and today. A step is done once: 409 when
/// a document or an earlier record completed it. Answers the updated timeline. Needs
/// `poortwachter:write`.
#[utoipa::path(
    tag = "absences",
    security(("employer_oauth" = ["poortwachter:write"])),
    params(
        ("id" = String, Path, format = Uuid),
        ("key" = String, Path, description = "The step, e.g. `uwv_sick_report` or `evaluation_2`"),
    ),
    request_body = StepRecordRequest,
    responses(
        (status = 200, body = TimelineResponse),
        Invalid,
        Unauthorized,
        crate::error::Forbidden,
        NotFound,
        Conflict,
    )
)]
#[post("/absences/{id}/steps/{key}")]
pub async fn record_step(
    client: CaseClient<PoortwachterWrite>,
    path: web::Path<(String, String)>,
    body: crate::web::input::Json<StepRecordRequest>,
    state: web::Data<AppState>,
) -> Result<web::Json<TimelineResponse>, ApiError> {
    let (id, key) = path.into_inner();
    let step = StepRecord::parse(&key, body.into_inner())?;
    let updated = state
        .db
        .run_changing(move |conn, changed| {
            let today = today();
            let owner = queries::owner_for(conn, &client.party, &id)?;
            let row = changes::record_step(
                conn,
                &owner,
                &id,
                &step,
                today,
                &Actor::Client(client.client_id.clone()),
            )?;
            changed.employee(&row.employee_id);
            queries::timeline_view(conn, &row, today)
        })
        .await?;
    Ok(web::Json(updated))
}
