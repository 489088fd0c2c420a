//! `GET /events`, the event feed of the employer API.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::scopes::WebhooksManage;
use crate::auth::{EmployerClient, Party};
use crate::error::{ApiError, Invalid, Unauthorized};
use crate::events::feed::{self, FeedEvent};
use crate::state::AppState;
use crate::web::page::page_limit;

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
        Invalid,
        Unauthorized,
    )
)]
#[get("/events")]
pub async fn list_events(
    client: EmployerClient<WebhooksManage>,
    query: web::Query<FeedQuery>,
    state: web::Data<AppState>,
) -> Result<web::Json<FeedPage>, ApiError> {
    let page = feed_page(&state, Party::Employer(client.employer_id), &query).await?;
    Ok(web::Json(page))
}

/// One page of `party`'s feed after the query's cursor.
pub(super) async fn feed_page(
    state: &AppState,
    party: Party,
    query: &FeedQuery,
) -> Result<FeedPage, ApiError> {
    let limit = page_limit(query.limit)?;
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid("after", "must be 0 or more"));
    }
    let rows = state
        .db
        .run(move |conn| Ok(feed::page(conn, &party, after, limit)?))
        .await?;
    let next_cursor = rows.last().map_or(after, |r| r.id);
    Ok(FeedPage {
        items: rows.into_iter().map(FeedEvent::from).collect(),
        next_cursor,
    })
}
