//! Who hears about an employee's sick report, recovery and answers to documents: the
//! employer's absence address and its arbodienst.

use diesel::prelude::*;

use super::models::Employer;
use crate::db::schema::employees;
use crate::db::DbConnection;
use crate::domain::Language;
use crate::error::ApiError;

/// Whom an e-mail about an employee's absence or dossier goes to and what it names: the
/// employer's absence address and its arbodienst, in the employer's notification language.
pub struct Notified {
    pub recipients: Vec<String>,
    pub language: Language,
    pub employer_name: String,
    pub employee_name: String,
    pub personnel_number: Option<String>,
    /// An arbodienst is among the recipients: the sick-report e-mail is the report to it.
    pub informs_arbodienst: bool,
}

pub fn notified(
    conn: &mut DbConnection,
    employer_id: &str,
    employee_id: &str,
) -> Result<Notified, ApiError> {
    use crate::db::schema::employers;
    let employer = employers::table
        .find(employer_id)
        .select(Employer::as_select())
        .first(conn)?;
    let (first, last, external_id) = employees::table
        .find(employee_id)
        .select((
            employees::first_name,
            employees::last_name,
            employees::external_id,
        ))
        .first::<(String, String, Option<String>)>(conn)?;
    // A linked arbodienst's own address wins over the address the employer typed.
    let arbodienst_email = match &employer.arbodienst_id {
        Some(id) => crate::arbodienst::changes::find(conn, id)?.map(|a| a.email),
        None => None,
    }
    .or(employer.arbodienst_email.filter(|a| !a.trim().is_empty()));
    Ok(Notified {
        informs_arbodienst: arbodienst_email.is_some(),
        recipients: std::iter::once(employer.absence_email)
            .chain(arbodienst_email)
            .collect(),
        language: Language::parse(&employer.notification_language).unwrap_or_default(),
        employer_name: employer.name,
        employee_name: format!("{first} {last}").trim().to_string(),
        personnel_number: external_id.filter(|id| !id.trim().is_empty()),
    })
}
