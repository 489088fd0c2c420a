//! The append-only audit log (SPEC §7): who read or changed which absence or document.
//! STUB: the webhooks/audit engineer replaces the body; the signature is the contract.

use crate::db::DbConnection;
use crate::error::ApiError;

/// Who acted: an employee (by id) or an employer API client (by client id).
#[derive(Debug, Clone)]
pub enum Actor {
    Employee(String),
    Client(String),
}

/// Appends one entry in the caller's transaction. `action` is e.g. `absence.read`,
/// `absence.reported`, `document.downloaded`; `resource` is (`absence` | `document`, id).
pub fn record(
    _conn: &mut DbConnection,
    _employer_id: &str,
    _actor: &Actor,
    _action: &str,
    _resource: (&str, &str),
) -> Result<(), ApiError> {
    Ok(())
}
