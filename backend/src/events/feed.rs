//! Domain events: the employer's durable, ordered event feed and the webhook deliveries fanned
//! out from it. STUB: the webhooks engineer replaces the body; the signatures are the contract.

use crate::db::DbConnection;
use crate::error::ApiError;

/// The event types of SPEC §5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    EmployeeInvited,
    AbsenceReported,
    AbsencePartiallyRecovered,
    AbsenceRecovered,
    AbsenceCancelled,
    AbsenceCorrected,
    DocumentPublished,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::EmployeeInvited => "employee.invited",
            EventKind::AbsenceReported => "absence.reported",
            EventKind::AbsencePartiallyRecovered => "absence.partially_recovered",
            EventKind::AbsenceRecovered => "absence.recovered",
            EventKind::AbsenceCancelled => "absence.cancelled",
            EventKind::AbsenceCorrected => "absence.corrected",
            EventKind::DocumentPublished => "document.published",
        }
    }
}

/// Records `kind` for `employer_id` with `data` (ids and dates only — never anything medical)
/// inside the caller's transaction: appends it to the event feed and queues one webhook
/// delivery per endpoint subscribed to it. Returns the event id.
pub fn record(
    _conn: &mut DbConnection,
    _employer_id: &str,
    _kind: EventKind,
    _data: serde_json::Value,
) -> Result<String, ApiError> {
    Ok(uuid::Uuid::new_v4().to_string())
}
