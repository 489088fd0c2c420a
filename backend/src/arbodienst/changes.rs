use diesel::prelude::*;
use serde::Serialize;

use super::models::Arbodienst;
use crate::db::schema::arbodiensten;
use crate::db::{now, DbConnection};
use crate::domain::EmailAddress;
use crate::error::{ApiError, FieldError};

#[derive(Debug, Serialize)]
pub struct CreatedArbodienst {
    pub id: String,
}

/// `verzuim arbodienst create --name --email`.
pub fn create(
    conn: &mut DbConnection,
    name: &str,
    email: &str,
) -> Result<CreatedArbodienst, ApiError> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            "must be 1–200 characters without control characters",
        ));
    }
    let email = EmailAddress::parse(email)
        .map_err(|message| errors.push(FieldError::new("email", message)))
        .ok();
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let at = now();
    let row = Arbodienst {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_string(),
        email: email.as_str().to_string(),
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(arbodiensten::table)
        .values(&row)
        .execute(conn)?;
    Ok(CreatedArbodienst { id: row.id })
}

/// The arbodienst with this id, if there is one.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Arbodienst>> {
    arbodiensten::table
        .find(id)
        .select(Arbodienst::as_select())
        .first(conn)
        .optional()
}

/// An arbodienst id as given (CLI or `PATCH /employer`): a UUID of an existing arbodienst, or a
/// 400 on `field`.
pub fn existing(conn: &mut DbConnection, field: &str, id: &str) -> Result<Arbodienst, ApiError> {
    let unknown = || ApiError::invalid(field, "is not an arbodienst registered here");
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| unknown())?;
    find(conn, &id.to_string())?.ok_or_else(unknown)
}
