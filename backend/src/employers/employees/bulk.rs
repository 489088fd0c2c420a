//! `POST /employees/bulk`: upsert up to 10,000 employees by external id in one transaction.
//!
//! The employer's current employees are read once into maps; every row is then decided in
//! memory (created, updated, unchanged or error), in request order, keeping track of which
//! e-mail address belongs to whom as the decisions go; only then is anything written: the
//! updates one statement each, the new rows 500 per `INSERT`. No per-row `SELECT`.

use std::collections::HashMap;

use actix_web::{post, web, HttpResponse};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::models::{Employee, NewEmployee};
use super::queries::{insert_employees, lock_employer, new_employee, update_employee};
use super::validation::{parse_bulk_row, ValidEmployee};
use crate::accounts::email_change::ChangeLinks;
use crate::auth::scopes::EmployeesWrite;
use crate::auth::EmployerClient;
use crate::db::schema::employees;
use crate::db::{now, DbConnection};
use crate::domain::calendar::today;
use crate::error::{
    ApiError, Conflict, FieldError, Invalid, PayloadTooLarge, Unauthorized, UnsupportedMediaType,
    PROBLEM_JSON,
};
use crate::state::AppState;

pub const MAX_BULK_ROWS: usize = 10_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// Up to 10,000 employees; `external_id` is required in each (rows are matched on it).
    #[schema(value_type = Vec<BulkEmployee>)]
    pub employees: Vec<Value>,
}

/// One row of a bulk sync: the fields of `POST /employees`, with `external_id` required because
/// rows are matched on it. Rows are read one by one (a bad row fails alone), so this type only
/// documents them.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BulkEmployee {
    /// Matched case-insensitively; unique per employer.
    #[schema(format = Email, example = "jan.devries@example.nl")]
    email: String,
    /// `YYYY-MM-DD`; at least 15 years ago, not before 1900.
    #[schema(format = Date, example = "1985-04-12")]
    date_of_birth: String,
    /// 1–100 characters.
    #[schema(example = "Jan")]
    first_name: String,
    /// 1–100 characters.
    #[schema(example = "de Vries")]
    last_name: String,
    /// `nl` (the default for a new employee) or `en`. Left out on an update: kept as it is.
    #[schema(value_type = Option<crate::domain::Language>)]
    language: Option<String>,
    /// The employer's own key (1–100 characters), unique per employer.
    #[schema(example = "P-10042")]
    external_id: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BulkQuery {
    /// All or nothing: with `true`, one bad row means no row is written (answer 422).
    pub atomic: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkRowStatus {
    Created,
    Updated,
    /// Already exactly as sent; nothing written.
    Unchanged,
    /// Not written; `errors` says why.
    Error,
}

/// What happened to one row of the request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkRowResult {
    /// Position of the row in `employees`, from 0.
    pub index: usize,
    pub status: BulkRowStatus,
    /// The employee's id (absent for rows in error).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResponse {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows in error (not written).
    pub failed: usize,
    /// One result per row, in request order.
    pub results: Vec<BulkRowResult>,
}

/// The 422 answer of an atomic request with bad rows: problem details plus every row's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkProblem {
    /// `/problems/bulk-rejected`
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Every bad field, as `employees[index].field`.
    pub errors: Vec<FieldError>,
    pub results: Vec<BulkRowResult>,
}

impl BulkResponse {
    fn new(results: Vec<BulkRowResult>) -> Self {
        let count = |status| results.iter().filter(|r| r.status == status).count();
        BulkResponse {
            created: count(BulkRowStatus::Created),
            updated: count(BulkRowStatus::Updated),
            unchanged: count(BulkRowStatus::Unchanged),
            failed: count(BulkRowStatus::Error),
            results,
        }
    }
}

fn error_row(index: usize, errors: Vec<FieldError>) -> BulkRowResult {
    BulkRowResult {
        index,
        status: BulkRowStatus::Error,
        id: None,
        errors: Some(errors),
    }
}

fn rejected(results: Vec<BulkRowResult>) -> HttpResponse {
    let errors: Vec<FieldError> = results
        .iter()
        .flat_map(|r| {
            r.errors.iter().flatten().map(move |e| {
                FieldError::new(format!("employees[{}].{}", r.index, e.field), &e.message)
            })
        })
        .collect();
    let bad_rows = results
        .iter()
        .filter(|r| r.status == BulkRowStatus::Error)
        .count();
    let problem = BulkProblem {
        kind: "/problems/bulk-rejected".into(),
        title: "Bulk request rejected".into(),
        status: 422,
        detail: format!(
            "{bad_rows} of {} rows are invalid; with atomic=true nothing was written.",
            results.len()
        ),
        errors,
        results,
    };
    HttpResponse::UnprocessableEntity()
        .content_type(PROBLEM_JSON)
        .json(problem)
}

/// Marks the second and later rows with an external id already used earlier in the request.
fn reject_repeated_external_ids(rows: &mut [Result<ValidEmployee, Vec<FieldError>>]) {
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for (index, row) in rows.iter_mut().enumerate() {
        let Ok(valid) = row else { continue };
        let Some(external_id) = &valid.external_id else {
            continue;
        };
        if let Some(first) = first_seen.get(external_id.as_str()) {
            *row = Err(vec![FieldError::new(
                "external_id",
                format!("appears more than once in this request (first in row {first})"),
            )]);
        } else {
            first_seen.insert(external_id.as_str().to_string(), index);
        }
    }
}

/// From this many new employees in one sync on, PostgreSQL's row counts are refreshed at once.
const ANALYZE_AFTER_CREATED: usize = 1000;

/// A first sync can grow `employees` from nothing to thousands of rows in one go. Until
/// autovacuum analyzes the table (up to a minute later) PostgreSQL plans every request with
/// the old row counts — sequential scans for the per-request session check — which measured
/// as p99 35 ms instead of 5 ms for `GET /me`. Analyzing one table takes milliseconds.
fn refresh_planner_statistics(conn: &mut DbConnection, outcome: &Outcome) -> Result<(), ApiError> {
    let Outcome::Written(results) = outcome else {
        return Ok(());
    };
    let created = results
        .iter()
        .filter(|r| matches!(r.status, BulkRowStatus::Created))
        .count();
    if created >= ANALYZE_AFTER_CREATED {
        if let DbConnection::Postgres(pg) = conn {
            diesel::connection::SimpleConnection::batch_execute(pg, "ANALYZE employees")?;
        }
    }
    Ok(())
}

enum Outcome {
    Written(Vec<BulkRowResult>),
    Rejected(Vec<BulkRowResult>),
}

/// Decides every row against the employer's current employees, then writes (unless atomic
/// and some row is bad). Runs inside the caller's transaction.
fn apply(
    conn: &mut DbConnection,
    employer_id: &str,
    rows: Vec<Result<ValidEmployee, Vec<FieldError>>>,
    atomic: bool,
    links: &ChangeLinks,
) -> Result<Outcome, ApiError> {
    lock_employer(conn, employer_id)?;
    let current: Vec<Employee> = employees::table
        .filter(employees::employer_id.eq(employer_id))
        .filter(employees::deleted_at.is_null())
        .select(Employee::as_select())
        .load(conn)?;
    let by_external_id: HashMap<&str, &Employee> = current
        .iter()
        .filter_map(|e| e.external_id.as_deref().map(|id| (id, e)))
        .collect();
    // Who holds each (normalised) address, as it will be once the rows decided so far apply.
    let mut email_holder: HashMap<String, String> = current
        .iter()
        .map(|e| (e.email_normalised.clone(), e.id.clone()))
        .collect();

    let now = now();
    let mut results = Vec::with_capacity(rows.len());
    let mut updates = Vec::new();
    let mut inserts: Vec<NewEmployee> = Vec::new();
    for (index, row) in rows.into_iter().enumerate() {
        let valid = match row {
            Ok(valid) => valid,
            Err(errors) => {
                results.push(error_row(index, errors));
                continue;
            }
        };
        let email = valid.email.normalised();
        let existing = valid
            .external_id
            .as_ref()
            .and_then(|id| by_external_id.get(id.as_str()).copied());
        let taken_by_other = |holder: &HashMap<String, String>, me: &str| {
            holder.get(&email).is_some_and(|h| h != me)
        };
        match existing {
            Some(existing) => {
                let changes = valid.changes_from(existing);
                if changes.is_empty() {
                    results.push(BulkRowResult {
                        index,
                        status: BulkRowStatus::Unchanged,
                        id: Some(existing.id.clone()),
                        errors: None,
                    });
                    continue;
                }
                if changes.email_normalised.is_some() {
                    if taken_by_other(&email_holder, &existing.id) {
                        results.push(error_row(index, vec![email_taken()]));
                        continue;
                    }
                    if email_holder.get(&existing.email_normalised) == Some(&existing.id) {
                        email_holder.remove(&existing.email_normalised);
                    }
                    email_holder.insert(email.clone(), existing.id.clone());
                }
                results.push(BulkRowResult {
                    index,
                    status: BulkRowStatus::Updated,
                    id: Some(existing.id.clone()),
                    errors: None,
                });
                updates.push((existing.id.clone(), existing.login_id.clone(), changes));
            }
            None => {
                if email_holder.contains_key(&email) {
                    results.push(error_row(index, vec![email_taken()]));
                    continue;
                }
                let new = new_employee(employer_id, &valid, now);
                email_holder.insert(email, new.id.clone());
                results.push(BulkRowResult {
                    index,
                    status: BulkRowStatus::Created,
                    id: Some(new.id.clone()),
                    errors: None,
                });
                inserts.push(new);
            }
        }
    }

    if atomic && results.iter().any(|r| r.status == BulkRowStatus::Error) {
        // Nothing is written: the good rows stay as they are.
        for result in &mut results {
            match result.status {
                BulkRowStatus::Created => {
                    result.status = BulkRowStatus::Unchanged;
                    result.id = None;
                }
                BulkRowStatus::Updated => result.status = BulkRowStatus::Unchanged,
                BulkRowStatus::Unchanged | BulkRowStatus::Error => {}
            }
        }
        return Ok(Outcome::Rejected(results));
    }
    // Updates first: an address one of them gives up may be taken by a new row.
    for (id, login_id, changes) in updates {
        update_employee(conn, &id, login_id.as_deref(), changes, now, links)?;
    }
    insert_employees(conn, &inserts)?;
    Ok(Outcome::Written(results))
}

fn email_taken() -> FieldError {
    FieldError::new(
        "email",
        "another employee of this employer already uses this e-mail address",
    )
}

/// Create or update up to 10,000 employees by `external_id`, in one transaction.
///
/// Each row gets a result: `created`, `updated`, `unchanged` (already as sent, nothing
/// written) or `error` with the bad fields. Bad rows do not stop the good ones, unless
/// `atomic=true`: then one bad row means nothing is written and the answer is 422 with every
/// row's result. Language left out of a row keeps an existing employee's language (`nl` for
/// a new one). Employees not in the request are left alone.
#[utoipa::path(
    tag = "employees",
    security(("employer_oauth" = ["employees:write"])),
    params(BulkQuery),
    request_body = BulkRequest,
    responses(
        (status = 200, description = "Every row's result", body = BulkResponse),
        Invalid,
        Unauthorized,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        (status = 422, description = "atomic=true and some rows are bad: nothing written", body = BulkProblem, content_type = "application/problem+json"),
    )
)]
#[post("/employees/bulk")]
pub async fn bulk_upsert(
    client: EmployerClient<EmployeesWrite>,
    query: web::Query<BulkQuery>,
    body: crate::web::input::Json<BulkRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let rows = body.into_inner().employees;
    if rows.len() > MAX_BULK_ROWS {
        return Err(ApiError::PayloadTooLarge(format!(
            "A bulk request holds at most {MAX_BULK_ROWS} employees; this one has {}. Split it.",
            rows.len()
        )));
    }
    let atomic = query.atomic.unwrap_or(false);
    let links = ChangeLinks::from_state(&state);
    let outcome = state
        .db
        .run(move |conn| {
            let today = today();
            let mut rows: Vec<_> = rows
                .into_iter()
                .map(|row| parse_bulk_row(row, today))
                .collect();
            reject_repeated_external_ids(&mut rows);
            let outcome = crate::db::write_transaction(conn, |conn| {
                apply(conn, &client.employer_id, rows, atomic, &links)
            })?;
            refresh_planner_statistics(conn, &outcome)?;
            Ok(outcome)
        })
        .await?;
    Ok(match outcome {
        Outcome::Written(results) => HttpResponse::Ok().json(BulkResponse::new(results)),
        Outcome::Rejected(results) => rejected(results),
    })
}
