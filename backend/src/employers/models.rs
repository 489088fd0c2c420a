use crate::auth::Party;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{api_clients, employers};
use crate::domain::Language;
use crate::web::input::present_or_null;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = employers)]
pub struct Employer {
    pub id: String,
    pub name: String,
    pub absence_email: String,
    pub arbodienst_email: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub mfa_required: bool,
    pub notification_language: String,
    pub arbodienst_id: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = employers)]
pub struct NewEmployer<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub absence_email: &'a str,
    pub arbodienst_email: Option<&'a str>,
    pub arbodienst_id: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = employers)]
pub struct EmployerChanges {
    pub name: Option<String>,
    pub absence_email: Option<String>,
    pub arbodienst_email: Option<Option<String>>,
    pub mfa_required: Option<bool>,
    pub notification_language: Option<String>,
    pub arbodienst_id: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = api_clients)]
pub struct ApiClient {
    pub id: String,
    pub employer_id: Option<String>,
    pub arbodienst_id: Option<String>,
    pub name: String,
    pub scopes: String,
    pub secret_hash: String,
    pub token_generation: i32,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

impl ApiClient {
    /// Whom the client acts for; the table's CHECK guarantees exactly one of the two.
    pub fn party(&self) -> Option<Party> {
        match (&self.employer_id, &self.arbodienst_id) {
            (Some(employer_id), None) => Some(Party::Employer(employer_id.clone())),
            (None, Some(arbodienst_id)) => Some(Party::Arbodienst(arbodienst_id.clone())),
            _ => None,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_clients)]
pub struct NewApiClient<'a> {
    pub id: &'a str,
    pub employer_id: Option<&'a str>,
    pub arbodienst_id: Option<&'a str>,
    pub name: &'a str,
    pub scopes: &'a str,
    pub secret_hash: &'a str,
    pub token_generation: i32,
    pub created_at: NaiveDateTime,
}

/// The employer as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployerResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    /// Receives the absence reports (sick and recovery notifications).
    pub absence_email: String,
    /// The occupational health service's address; receives the same notifications (unless
    /// a linked `arbodienst` has its own).
    pub arbodienst_email: Option<String>,
    /// The arbodienst this employer works with, as the operator registered it; its address
    /// receives the notifications.
    pub arbodienst: Option<LinkedArbodienst>,
    /// Whom employees ask about their dossier, unless another person is named for one
    /// employee (`/employees/{id}/dossier-contacts`).
    #[serde(flatten)]
    pub dossier_contacts: DossierContacts,
    /// Employees must log in with a second factor (an authenticator app) as well as their
    /// password; on unless turned off. An employee without one is led through setting it up at
    /// the next login and reaches nothing else until it is done.
    pub mfa_required: bool,
    /// The language of the sick-report and recovery e-mails to the absence address and the
    /// arbodienst (`nl` unless chosen).
    pub notification_language: Language,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// The arbodienst an employer links to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkedArbodienst {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
}

impl EmployerResponse {
    pub fn new(
        e: Employer,
        dossier_contacts: DossierContacts,
        arbodienst: Option<LinkedArbodienst>,
    ) -> Self {
        EmployerResponse {
            dossier_contacts,
            arbodienst,
            id: e.id,
            name: e.name,
            absence_email: e.absence_email,
            arbodienst_email: e.arbodienst_email,
            mfa_required: e.mfa_required,
            notification_language: Language::parse(&e.notification_language).unwrap_or_default(),
            created_at: e.created_at.and_utc(),
            updated_at: e.updated_at.and_utc(),
        }
    }
}

/// A person to ask about the dossier. Only work contact details: no private address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPerson {
    /// 1–200 characters.
    pub name: String,
    pub email: Option<String>,
    /// Digits, spaces and `+ - ( )`, 6–30 characters.
    pub phone: Option<String>,
}

/// The two people an employee can ask; null where none is named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DossierContacts {
    /// The employer's HR contact.
    pub hr_contact: Option<ContactPerson>,
    /// The arbodienst's case manager.
    pub case_manager: Option<ContactPerson>,
}

/// A change to both roles: a field left out stays as it is, `null` removes the person.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DossierContactsPatch {
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<ContactPerson>, nullable)]
    pub hr_contact: Option<Option<ContactPerson>>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<ContactPerson>, nullable)]
    pub case_manager: Option<Option<ContactPerson>>,
}
