//! Appending to the audit log: [`record`] is its only write.

use diesel::prelude::*;

use super::Actor;
use crate::db::schema::audit_log;
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
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::employer_id.eq(employer_id),
            audit_log::actor_type.eq(actor_type),
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(action),
            audit_log::resource_type.eq(resource.0),
            audit_log::resource_id.eq(resource.1),
            audit_log::at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
