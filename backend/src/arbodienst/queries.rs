use diesel::prelude::*;

use super::changes::find;
use super::models::{ArbodienstResponse, EmployerServed};
use crate::db::schema::employers;
use crate::db::DbConnection;
use crate::error::ApiError;

pub fn arbodienst_response(
    conn: &mut DbConnection,
    arbodienst_id: &str,
) -> Result<ArbodienstResponse, ApiError> {
    let arbodienst = find(conn, arbodienst_id)?.ok_or(ApiError::NotFound)?;
    let employers = employers::table
        .filter(employers::arbodienst_id.eq(arbodienst_id))
        .order((employers::name.asc(), employers::id.asc()))
        .select((employers::id, employers::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(id, name)| EmployerServed { id, name })
        .collect();
    Ok(ArbodienstResponse {
        id: arbodienst.id,
        name: arbodienst.name,
        email: arbodienst.email,
        employers,
    })
}
