//! Reading the audit log.

use diesel::prelude::*;

use super::models::{AuditFilter, AuditRow};
use crate::db::schema::audit_log;
use crate::db::DbConnection;

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
