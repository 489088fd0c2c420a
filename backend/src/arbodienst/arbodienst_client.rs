//! `GET /arbodienst`: the calling client's own arbodienst and the employers it acts for.

use actix_web::{get, web};

use super::models::ArbodienstResponse;
use super::queries;
use crate::auth::ArbodienstClient;
use crate::error::{ApiError, OtherParty, Unauthorized};
use crate::state::AppState;

/// The calling client's arbodienst and the employers it acts for.
///
/// The employers linked to it now are the ones its lists, reads and feed cover (filter a list
/// by one with `?employer_id=`). For an arbodienst's clients only, with any scope.
#[utoipa::path(
    operation_id = "get_arbodienst",
    tag = "arbodienst",
    security(("employer_oauth" = [])),
    responses(
        (status = 200, body = ArbodienstResponse),
        Unauthorized,
        OtherParty,
    )
)]
#[get("/arbodienst")]
pub async fn get_arbodienst(
    client: ArbodienstClient,
    state: web::Data<AppState>,
) -> Result<web::Json<ArbodienstResponse>, ApiError> {
    let response = state
        .db
        .run(move |conn| queries::arbodienst_response(conn, &client.arbodienst_id))
        .await?;
    Ok(web::Json(response))
}
