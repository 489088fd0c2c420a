//! `GET /audit`, the employer's audit log. Which entries a client sees follows its scopes:
//! `absences:read` for entries about absences, `documents:read` for entries about documents,
//! `employees:read` for entries about employees (a second-factor reset).

use actix_web::{get, web};

use super::models::{AuditEntry, AuditFilter, AuditPage, AuditQuery};
use super::queries;
use crate::auth::scopes::AnyScope;
use crate::auth::{EmployerClient, Scope};
use crate::error::{ApiError, Forbidden, Invalid, Unauthorized};
use crate::state::AppState;
use crate::web::page::{page_limit, split_page};

/// The employer's audit log, oldest first: entries about absences need `absences:read`,
/// about documents `documents:read`, about employees `employees:read`; a token sees the
/// entries its scopes allow.
///
/// Each entry says who (`actor_type` client or employee, and its id), what (`action`, e.g.
/// `absence.read`, `document.downloaded`), which resource and when. Filter by `resource_type`
/// and `resource_id`; paged by `after` and `limit`.
#[utoipa::path(
    tag = "audit",
    security(("employer_oauth" = ["absences:read"]), ("employer_oauth" = ["documents:read"]), ("employer_oauth" = ["employees:read"])),
    params(AuditQuery),
    responses(
        (status = 200, body = AuditPage),
        Invalid,
        Unauthorized,
        Forbidden,
    )
)]
#[get("/audit")]
pub async fn list_audit(
    client: EmployerClient<AnyScope>,
    query: web::Query<AuditQuery>,
    state: web::Data<AppState>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let mut resource_types = Vec::new();
    if client.scopes.contains(Scope::AbsencesRead) {
        resource_types.push("absence");
    }
    if client.scopes.contains(Scope::DocumentsRead) {
        resource_types.push("document");
    }
    if client.scopes.contains(Scope::EmployeesRead) {
        resource_types.push("employee");
    }
    if resource_types.is_empty() {
        return Err(ApiError::Forbidden(
            "The audit log needs the scope `absences:read`, `documents:read` or `employees:read`."
                .into(),
        ));
    }
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let filter = AuditFilter {
        resource_types,
        resource_type: query.resource_type,
        resource_id: query.resource_id,
        after: query.after.unwrap_or(0),
        limit: limit + 1,
    };
    let rows = state
        .db
        .run(move |conn| Ok(queries::page(conn, &client.employer_id, &filter)?))
        .await?;
    let (rows, next_cursor) = split_page(rows, limit, |r| r.id);
    Ok(web::Json(AuditPage {
        items: rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                actor_type: r.actor_type,
                actor_id: r.actor_id,
                action: r.action,
                resource_type: r.resource_type,
                resource_id: r.resource_id,
                at: r.at.and_utc(),
            })
            .collect(),
        next_cursor,
    }))
}
