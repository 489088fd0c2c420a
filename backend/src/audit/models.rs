//! Audit entries as stored and as the employer API shows them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The kinds of actor an audit entry names (documents `actor_type`; `Actor::parts` writes them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorType {
    Employee,
    Client,
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
    /// Whose absence, document or account it is about.
    pub employee_id: Option<String>,
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this kind of resource: `absence`, `document` or `employee`.
    pub resource_type: Option<String>,
    /// Only entries about this resource (usually with `resource_type`).
    pub resource_id: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Page size, 1–200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// Who read or changed which absence or document.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// Who acted: an employee, or an API client of the employer.
    #[schema(value_type = ActorType)]
    pub actor_type: String,
    pub actor_id: String,
    /// E.g. `absence.read`, `absence.reported`, `document.downloaded`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Oldest first.
    pub items: Vec<AuditEntry>,
    /// Pass as `after` for the next page; null on the last page.
    pub next_cursor: Option<i64>,
}

/// Which kind of party acted on an employee's data.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// The employer's own system (an API client of the employer).
    Employer,
    Arbodienst,
}

/// Who acted, as the employee is told.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessParty {
    pub role: PartyRole,
    /// The employer system's client name, or the arbodienst's name.
    pub name: String,
}

/// One read or change of the employee's data by someone else.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub party: AccessParty,
    /// E.g. `absence.read`, `document.downloaded`, `absence.corrected`.
    pub action: String,
    /// `absence`, `document` or `employee` (the account itself).
    pub resource_type: String,
    #[schema(format = Uuid)]
    pub resource_id: String,
}

/// One page of the access log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogPage {
    pub items: Vec<AccessLogEntry>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::ActorType;
    use crate::audit::Actor;

    #[test]
    fn the_documented_actor_types_are_the_stored_ones() {
        for (documented, actor) in [
            (ActorType::Employee, Actor::Employee("e".into())),
            (ActorType::Client, Actor::Client("c".into())),
        ] {
            assert_eq!(serde_json::to_value(documented).unwrap(), actor.parts().0);
        }
    }
}
