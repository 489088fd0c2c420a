//! `GET /events` (the event feed) and `GET /audit` (the audit log) of the employer API.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, AuditFilter};
use crate::auth::scopes::{AnyScope, WebhooksManage};
use crate::auth::{EmployerClient, Scope};
use crate::error::{ApiError, Problem, Unauthorized};
use crate::events::feed::{self, FeedEvent};
use crate::state::AppState;
use crate::web::paging::{page_limit, split_page};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `id` of the last event you processed (or `next_cursor`); 0 or left out: from the start.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Page size, 1–200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    /// Oldest first.
    pub items: Vec<FeedEvent>,
    /// Where to continue: pass as `after`. Equal to the last item's `id`, or to the `after` you
    /// sent when there is nothing new yet — store it and poll again later; never null.
    pub next_cursor: i64,
}

/// The employer's events, oldest first, after a cursor: the same events the webhooks carry,
/// durable and strictly ordered. A consumer that stores `next_cursor` and passes it as `after`
/// never misses and never repeats an event (ids of one employer are assigned in commit order;
/// see `events::feed`). Needs `webhooks:manage`, the scope of event consumers.
#[utoipa::path(
    tag = "events",
    security(("employer_oauth" = ["webhooks:manage"])),
    params(FeedQuery),
    responses(
        (status = 200, body = FeedPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        Unauthorized,
        (status = 403, description = "Token lacks webhooks:manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
pub async fn list_events(
    client: EmployerClient<WebhooksManage>,
    query: web::Query<FeedQuery>,
    state: web::Data<AppState>,
) -> Result<web::Json<FeedPage>, ApiError> {
    let limit = page_limit(query.limit)?;
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid("after", "must be 0 or more"));
    }
    let rows = state
        .db
        .run(move |conn| Ok(feed::page(conn, &client.employer_id, after, limit)?))
        .await?;
    let next_cursor = rows.last().map_or(after, |r| r.id);
    Ok(web::Json(FeedPage {
        items: rows.into_iter().map(FeedEvent::from).collect(),
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this kind of resource: `absence` or `document`.
    pub resource_type: Option<String>,
    /// Only entries about this resource (usually with `resource_type`).
    pub resource_id: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Page size, 1–200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// Who read or changed which absence or document.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// `employee`, `client` (an API client) or `operator`.
    pub actor_type: String,
    pub actor_id: String,
    /// E.g. `absence.read`, `absence.reported`, `document.downloaded`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Oldest first.
    pub items: Vec<AuditEntry>,
    /// Pass as `after` for the next page; null on the last page.
    pub next_cursor: Option<i64>,
}

/// The employer's audit log, oldest first: entries about absences need `absences:read`,
/// entries about documents `documents:read`; a token with one of the two sees those entries.
#[utoipa::path(
    tag = "audit",
    security(("employer_oauth" = ["absences:read"]), ("employer_oauth" = ["documents:read"])),
    params(AuditQuery),
    responses(
        (status = 200, body = AuditPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        Unauthorized,
        (status = 403, description = "Token has neither absences:read nor documents:read", body = Problem, content_type = "application/problem+json"),
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
    if resource_types.is_empty() {
        return Err(ApiError::Forbidden(
            "The audit log needs the scope `absences:read` or `documents:read`.".into(),
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
        .run(move |conn| Ok(audit::page(conn, &client.employer_id, &filter)?))
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
