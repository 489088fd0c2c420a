//! `GET /arbodienst/events`, the arbodienst's own event feed over its employers (SPEC §9).

use actix_web::{get, web};

use super::employer::{feed_page, FeedPage, FeedQuery};
use crate::auth::scopes::AbsencesRead;
use crate::auth::{ArbodienstClient, Party};
use crate::error::{ApiError, Invalid, Unauthorized};
use crate::state::AppState;

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
    let page = feed_page(&state, Party::Arbodienst(client.arbodienst_id), &query).await?;
    Ok(web::Json(page))
}
