//! Placeholder interface; the mail helper replaces the body (the signature is the contract).

use chrono::NaiveDate;

use crate::db::DbConnection;
use crate::domain::Language;
use crate::error::ApiError;

/// An e-mail to send, as data: the worker renders it from templates in `language` when it
/// delivers it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum EmailMessage {
    Invitation {
        to: String,
        language: Language,
        first_name: String,
        employer_name: String,
        activation_url: String,
        expires_on: NaiveDate,
    },
    PasswordReset {
        to: String,
        language: Language,
        first_name: String,
        reset_url: String,
        valid_minutes: i64,
    },
}

/// Writes the message to the outbox on `conn`; call it inside the transaction of the change
/// that causes the e-mail, so both commit or neither does.
pub fn enqueue_email(_conn: &mut DbConnection, _message: &EmailMessage) -> Result<(), ApiError> {
    Err(ApiError::internal(anyhow::anyhow!("mail outbox not built yet")))
}
