use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use secrecy::{ExposeSecret, SecretString};

use super::password_policy;
use crate::config::AccountSettings;
use crate::db::schema::{employees, invitations};
use crate::domain::EmailAddress;
use crate::error::ApiError;

/// The account side of an employee row: what login, activation and the profile need.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = employees)]
pub struct Account {
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
}

impl Account {
    /// Checks a password this account wants to set against the policy; a failure is a 400
    /// naming `field`.
    pub fn check_new_password(
        &self,
        field: &str,
        password: &SecretString,
        settings: &AccountSettings,
    ) -> Result<(), ApiError> {
        password_policy::check(
            field,
            password.expose_secret(),
            &self.email_address()?,
            settings,
        )
        .map_err(|e| ApiError::Validation(vec![e]))
    }

    /// The stored address, typed. It was validated on the way in, so a failure here means the
    /// row was changed behind the API's back: an internal error, not the caller's.
    pub fn email_address(&self) -> Result<EmailAddress, ApiError> {
        EmailAddress::parse(&self.email).map_err(|e| {
            ApiError::internal(anyhow::anyhow!(
                "stored e-mail of {} is invalid: {e}",
                self.id
            ))
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: String,
    pub employee_id: String,
    pub expires_at: NaiveDateTime,
    pub failed_checks: i32,
    pub used_at: Option<NaiveDateTime>,
    pub voided_at: Option<NaiveDateTime>,
}
