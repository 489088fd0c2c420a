//! `GET /me/access-log`: the employee sees who read or changed their absences and documents
//! (SPEC §10), from the same audit log the employer reads.

use actix_web::{get, web};

use super::models::{AccessLogEntry, AccessLogPage};
use super::queries;
use crate::auth::AuthenticatedEmployee;
use crate::error::{ApiError, Invalid, Unauthorized};
use crate::state::AppState;
use crate::web::page::{split_page, Cursor, NoFilter, PageQuery, Paged};

/// Who read or changed your absences, documents and account, newest first.
///
/// Every read or change by someone else: the employer's system (by its name) or the arbodienst
/// (by its name), what it did (`action`) and when. Your own reads and changes are not listed.
#[utoipa::path(
    operation_id = "list_my_access_log",
    tag = "profile",
    security(("employee_bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = AccessLogPage),
        Invalid,
        Unauthorized,
    )
)]
#[get("/me/access-log")]
pub async fn access_log(
    employee: AuthenticatedEmployee,
    query: Paged<NoFilter, i64>,
    state: web::Data<AppState>,
) -> Result<web::Json<AccessLogPage>, ApiError> {
    let Paged { limit, after, .. } = query;
    // Newest first: the page continues below the last row id seen.
    let before = after.unwrap_or(i64::MAX);
    let (rows, parties) = state
        .db
        .run(move |conn| {
            let rows = queries::about_employee(conn, &employee.employee_id, before, limit + 1)?;
            let parties = queries::parties_of(conn, &rows)?;
            Ok((rows, parties))
        })
        .await?;
    let (rows, next) = split_page(rows, limit, |r| r.id);
    let items = rows
        .into_iter()
        .filter_map(|row| {
            // Only API clients act on an employee's data besides the employee.
            let party = parties.get(&row.actor_id)?.clone();
            Some(AccessLogEntry {
                at: row.at.and_utc(),
                party,
                action: row.action,
                resource_type: row.resource_type,
                resource_id: row.resource_id,
            })
        })
        .collect();
    Ok(web::Json(AccessLogPage {
        items,
        next_cursor: next.as_ref().map(Cursor::encode),
    }))
}
