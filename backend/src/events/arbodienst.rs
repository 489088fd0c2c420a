//! `GET /arbodienst/events`, the arbodienst's own event feed over its employers (SPEC §9).

use actix_web::{get, web};

use super::employer::{FeedPage, FeedQuery};
use crate::auth::scopes::AbsencesRead;
use crate::auth::ArbodienstClient;
use crate::error::{ApiError, Invalid, Unauthorized};
use crate::events::feed::{self, FeedEvent};
use crate::state::AppState;
use crate::web::page::page_limit;

/// The events of every employer linked to the arbodienst, oldest first, after a cursor.
///
/// The same events the employers' own feeds carry, raised while the employer was linked to
/// this arbodienst; an employer that unlinks it leaves this feed at once. Each event names its
/// `employer_id`. Ids are assigned in commit order per arbodienst, so a consumer
/// that stores `next_cursor` never misses and never repeats an event. Needs `absences:read`.
#[utoipa::path(
    operation_id = "list_arbodienst_events",
    tag = "arbodienst",
    security(("employer_oauth" = ["absences:read"])),
    params(FeedQuery),
    responses(
        (status = 200, body = FeedPage),
        Invalid,
        Unauthorized,
    )
)]
#[get("/arbodienst/events")]
pub async fn list_events(
    client: ArbodienstClient<AbsencesRead>,
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
        .run(move |conn| {
            Ok(feed::arbodienst_page(
                conn,
                &client.arbodienst_id,
                after,
                limit,
            )?)
        })
        .await?;
    let next_cursor = rows.last().map_or(after, |r| r.id);
    Ok(web::Json(FeedPage {
        items: rows.into_iter().map(FeedEvent::from).collect(),
        next_cursor,
    }))
}
