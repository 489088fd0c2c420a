//! Reading the audit log.

use diesel::prelude::*;

use std::collections::HashMap;

use super::models::{AccessParty, AuditFilter, AuditRow, PartyRole};
use crate::db::schema::{api_clients, arbodiensten, audit_log};
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

/// Up to `limit` entries about `employee_id`'s data with a row id below `before`, newest
/// first — what others did, never the employee's own reads and changes.
pub fn about_employee(
    conn: &mut DbConnection,
    employee_id: &str,
    before: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::employee_id.eq(employee_id))
        .filter(
            audit_log::actor_type
                .ne("employee")
                .or(audit_log::actor_id.ne(employee_id)),
        )
        .filter(audit_log::id.lt(before))
        .order(audit_log::id.desc())
        .limit(limit)
        .load(conn)
}

/// Who the API clients among `rows`' actors are, as an employee may be told: an employer's
/// system by the client's name, an arbodienst by its own name.
pub fn parties_of(
    conn: &mut DbConnection,
    rows: &[AuditRow],
) -> QueryResult<HashMap<String, AccessParty>> {
    let client_ids: Vec<&str> = rows
        .iter()
        .filter(|r| r.actor_type == "client")
        .map(|r| r.actor_id.as_str())
        .collect();
    let clients: Vec<(String, String, Option<String>)> = api_clients::table
        .filter(api_clients::id.eq_any(&client_ids))
        .select((
            api_clients::id,
            api_clients::name,
            api_clients::arbodienst_id,
        ))
        .load(conn)?;
    let arbodienst_ids: Vec<&str> = clients.iter().filter_map(|c| c.2.as_deref()).collect();
    let arbodienst_names: HashMap<String, String> = arbodiensten::table
        .filter(arbodiensten::id.eq_any(&arbodienst_ids))
        .select((arbodiensten::id, arbodiensten::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(clients
        .into_iter()
        .map(|(id, name, arbodienst_id)| {
            let party = match arbodienst_id.and_then(|a| arbodienst_names.get(&a).cloned()) {
                Some(arbodienst) => AccessParty {
                    role: PartyRole::Arbodienst,
                    name: arbodienst,
                },
                None => AccessParty {
                    role: PartyRole::Employer,
                    name,
                },
            };
            (id, party)
        })
        .collect())
}
