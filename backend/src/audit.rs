//! The append-only audit log (SPEC §7): who read or changed which absence or document.
//! Rows are only ever inserted; nothing in the application updates or deletes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::audit_log;
use crate::db::{now, DbConnection};
use crate::error::ApiError;

/// Who acted: an employee (by id) or an employer API client (by client id).
#[derive(Debug, Clone)]
pub enum Actor {
    Employee(String),
    Client(String),
}

impl Actor {
    /// `(actor_type, actor_id)` as stored.
    pub fn parts(&self) -> (&'static str, &str) {
        match self {
            Actor::Employee(id) => ("employee", id),
            Actor::Client(id) => ("client", id),
        }
    }
}

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

/// One audit entry, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub id: i64,
    pub employer_id: String,
    pub actor_type: String,
    pub actor_id: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub at: NaiveDateTime,
}

/// What to read of one employer's audit log.
#[derive(Debug, Clone)]
pub struct AuditFilter {
    /// Only these resource types (the caller's scopes decide).
    pub resource_types: Vec<&'static str>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub after: i64,
    pub limit: i64,
}

/// The employer's entries matching `filter`, oldest first.
pub fn page(
    conn: &mut DbConnection,
    employer_id: &str,
    filter: &AuditFilter,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_log::table
        .filter(audit_log::employer_id.eq(employer_id))
        .filter(audit_log::resource_type.eq_any(filter.resource_types.clone()))
        .filter(audit_log::id.gt(filter.after))
        .into_boxed();
    if let Some(resource_type) = &filter.resource_type {
        query = query.filter(audit_log::resource_type.eq(resource_type.clone()));
    }
    if let Some(resource_id) = &filter.resource_id {
        query = query.filter(audit_log::resource_id.eq(resource_id.clone()));
    }
    query
        .order(audit_log::id.asc())
        .limit(filter.limit)
        .load(conn)
}
