//! The employee as stored (read struct, insert form, change form) and as the employer API shows
//! it. No field here, or anywhere, holds a diagnosis or the nature of an illness.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::employees;
use crate::domain::Language;

/// One row of `employees`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = employees)]
pub struct Employee {
    pub id: String,
    pub employer_id: String,
    pub external_id: Option<String>,
    pub email: String,
    pub email_normalised: String,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: NaiveDate,
    pub language: String,
    pub notify_new_documents: bool,
    pub activated_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The person's login, once this employment is activated.
    pub login_id: Option<String>,
}

/// `None` is written as NULL (not DEFAULT), so rows can be inserted many per statement on
/// SQLite too.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = employees, treat_none_as_default_value = false)]
pub struct NewEmployee {
    pub id: String,
    pub employer_id: String,
    pub external_id: Option<String>,
    pub email: String,
    pub email_normalised: String,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: NaiveDate,
    pub language: String,
    pub notify_new_documents: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The employer-held fields an update may change; `None` leaves a column as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = employees)]
pub struct EmployeeChanges {
    pub external_id: Option<Option<String>>,
    pub email: Option<String>,
    pub email_normalised: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub language: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

impl EmployeeChanges {
    /// Whether anything but the timestamp would change.
    pub fn is_empty(&self) -> bool {
        self.external_id.is_none()
            && self.email.is_none()
            && self.email_normalised.is_none()
            && self.first_name.is_none()
            && self.last_name.is_none()
            && self.date_of_birth.is_none()
            && self.language.is_none()
    }
}

/// Where the employee's account stands, as the employer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// No open invitation and no account yet.
    NotInvited,
    /// An invitation is open (not used, not voided, not expired).
    Invited,
    /// The employee activated the account.
    Active,
    /// Activated, but login is blocked for now after repeated failed attempts.
    Blocked,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::NotInvited => "not_invited",
            AccountStatus::Invited => "invited",
            AccountStatus::Active => "active",
            AccountStatus::Blocked => "blocked",
        }
    }
}

/// The computed account state of one employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountState {
    pub status: AccountStatus,
    /// Expiry of the open invitation, if there is one.
    pub invitation_expires_at: Option<NaiveDateTime>,
    /// A new address the employer set for an active employee, until the employee confirms it.
    pub pending_email: Option<String>,
}

/// An employee as the employer API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeResponse {
    #[schema(format = Uuid)]
    pub id: String,
    /// The employer the employee works for (an arbodienst's client sees several).
    #[schema(format = Uuid)]
    pub employer_id: String,
    pub email: String,
    pub date_of_birth: NaiveDate,
    pub first_name: String,
    pub last_name: String,
    pub language: Language,
    /// The employer's own key for this employee (e.g. the personnel number).
    pub external_id: Option<String>,
    pub account_status: AccountStatus,
    /// When the open invitation expires; null when no invitation is open.
    pub invitation_expires_at: Option<DateTime<Utc>>,
    /// The address this employer set for an active employee, not yet confirmed: the employee's
    /// login (and `email`) keep the old one until the link e-mailed to the new address is
    /// followed (24 hours). Null when no change waits.
    pub pending_email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl EmployeeResponse {
    pub fn new(employee: Employee, state: AccountState) -> Self {
        EmployeeResponse {
            language: Language::parse(&employee.language).unwrap_or_default(),
            id: employee.id,
            employer_id: employee.employer_id,
            email: employee.email,
            date_of_birth: employee.date_of_birth,
            first_name: employee.first_name,
            last_name: employee.last_name,
            external_id: employee.external_id,
            account_status: state.status,
            invitation_expires_at: state.invitation_expires_at.map(|t| t.and_utc()),
            pending_email: state.pending_email,
            created_at: employee.created_at.and_utc(),
            updated_at: employee.updated_at.and_utc(),
        }
    }
}

/// One page of employees.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeePage {
    pub items: Vec<EmployeeResponse>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}
