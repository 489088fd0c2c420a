//! Appending to the audit log: [`record`] is its only write.

use diesel::prelude::*;

use super::Actor;
use crate::db::schema::{absences, audit_log, documents};
use crate::db::{now, DbConnection};
use crate::error::ApiError;

/// Appends one entry in the caller's transaction. `action` is e.g. `absence.read`,
/// `absence.reported`, `document.downloaded`; `resource` is (`absence` | `document`, id).
pub fn record(
    conn: &mut DbConnection,
    employer_id: &str,
    actor: &Actor,
    action: &str,
    resource: (&str, &str),
) -> Result<(), ApiError> {
    let (actor_type, actor_id) = actor.parts();
    let (resource_type, resource_id) = resource;
    // Whose data it is, for that employee's access log.
    let employee_id: Option<String> = match resource_type {
        "absence" => absences::table
            .find(resource_id)
            .select(absences::employee_id)
            .first(conn)
            .optional()?,
        "document" => documents::table
            .find(resource_id)
            .select(documents::employee_id)
            .first(conn)
            .optional()?,
        "employee" => Some(resource_id.to_string()),
        _ => None,
    };
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::employer_id.eq(employer_id),
            audit_log::actor_type.eq(actor_type),
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(action),
            audit_log::resource_type.eq(resource.0),
            audit_log::resource_id.eq(resource.1),
            audit_log::at.eq(now()),
            audit_log::employee_id.eq(employee_id),
        ))
        .execute(conn)?;
    Ok(())
}
