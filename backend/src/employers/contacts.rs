//! Whom an employee asks about their dossier (SPEC §2.8): the employer's HR contact and the
//! arbodienst's case manager. The employer keeps its defaults through `PATCH /employer` and may
//! name other people for one employee through `/employees/{id}/dossier-contacts`; the employee
//! sees the result on their profile (`GET /me`).

use diesel::prelude::*;

use super::changes::{validate_email, validate_name};
use super::models::{ContactPerson, DossierContacts, DossierContactsPatch};
use crate::db::schema::dossier_contacts;
use crate::db::{now, DbConnection};
use crate::error::{ApiError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Hr,
    CaseManager,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Hr => "hr",
            Role::CaseManager => "case_manager",
        }
    }
}

/// The checked changes of a [`DossierContactsPatch`].
#[derive(Debug, Default)]
pub struct ContactChanges(Vec<(Role, Option<ContactPerson>)>);

impl ContactChanges {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn validate_person(
    field: &str,
    person: ContactPerson,
    errors: &mut Vec<FieldError>,
) -> ContactPerson {
    let name = validate_name(&format!("{field}.name"), &person.name, errors);
    let email = person
        .email
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .and_then(|e| validate_email(&format!("{field}.email"), &e, errors))
        .map(|e| e.to_string());
    let phone = person
        .phone
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty());
    if let Some(phone) = &phone {
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if !allowed || !(6..=30).contains(&phone.chars().count()) || digits < 6 {
            errors.push(FieldError::new(
                format!("{field}.phone"),
                "must be a phone number: digits, spaces and + - ( ), 6 to 30 characters",
            ));
        }
    }
    ContactPerson { name, email, phone }
}

impl DossierContactsPatch {
    /// Checks every field; `errors` collects what is wrong, named by its JSON path.
    pub fn validate(self, errors: &mut Vec<FieldError>) -> ContactChanges {
        let mut changes = Vec::new();
        for (role, field, change) in [
            (Role::Hr, "hr_contact", self.hr_contact),
            (Role::CaseManager, "case_manager", self.case_manager),
        ] {
            if let Some(change) = change {
                changes.push((role, change.map(|p| validate_person(field, p, errors))));
            }
        }
        ContactChanges(changes)
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = dossier_contacts)]
struct ContactRow {
    employee_id: Option<String>,
    role: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
}

impl ContactRow {
    fn person(self) -> ContactPerson {
        ContactPerson {
            name: self.name,
            email: self.email,
            phone: self.phone,
        }
    }
}

fn place(contacts: &mut DossierContacts, row: ContactRow) {
    match row.role.as_str() {
        "hr" => contacts.hr_contact = Some(row.person()),
        "case_manager" => contacts.case_manager = Some(row.person()),
        _ => {}
    }
}

/// The people named at exactly one level: the employer's defaults (`employee_id` None) or one
/// employee's own.
pub fn named_at(
    conn: &mut DbConnection,
    employer_id: &str,
    employee_id: Option<&str>,
) -> Result<DossierContacts, ApiError> {
    let mut query = dossier_contacts::table
        .filter(dossier_contacts::employer_id.eq(employer_id))
        .select(ContactRow::as_select())
        .into_boxed();
    query = match employee_id {
        Some(id) => query.filter(dossier_contacts::employee_id.eq(id.to_string())),
        None => query.filter(dossier_contacts::employee_id.is_null()),
    };
    let mut contacts = DossierContacts::default();
    for row in query.load::<ContactRow>(conn)? {
        place(&mut contacts, row);
    }
    Ok(contacts)
}

/// Whom this employee should ask: their own person for a role where one is named, else the
/// employer's default.
pub fn for_employee(
    conn: &mut DbConnection,
    employer_id: &str,
    employee_id: &str,
) -> Result<DossierContacts, ApiError> {
    let rows = dossier_contacts::table
        .filter(dossier_contacts::employer_id.eq(employer_id))
        .filter(
            dossier_contacts::employee_id
                .is_null()
                .or(dossier_contacts::employee_id.eq(employee_id)),
        )
        .select(ContactRow::as_select())
        .load::<ContactRow>(conn)?;
    let (own, defaults): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.employee_id.is_some());
    let mut contacts = DossierContacts::default();
    // Defaults first, so the employee's own rows overwrite them.
    for row in defaults.into_iter().chain(own) {
        place(&mut contacts, row);
    }
    Ok(contacts)
}

/// Applies the changes at one level (inside the caller's transaction).
pub fn save(
    conn: &mut DbConnection,
    employer_id: &str,
    employee_id: Option<&str>,
    changes: ContactChanges,
) -> Result<(), ApiError> {
    for (role, person) in changes.0 {
        let existing = dossier_contacts::table
            .filter(dossier_contacts::employer_id.eq(employer_id))
            .filter(dossier_contacts::role.eq(role.as_str()))
            .into_boxed();
        let existing = match employee_id {
            Some(id) => existing.filter(dossier_contacts::employee_id.eq(id.to_string())),
            None => existing.filter(dossier_contacts::employee_id.is_null()),
        };
        let existing_id: Option<String> = existing
            .select(dossier_contacts::id)
            .first(conn)
            .optional()?;
        if let Some(id) = existing_id {
            diesel::delete(dossier_contacts::table.find(id)).execute(conn)?;
        }
        if let Some(person) = person {
            diesel::insert_into(dossier_contacts::table)
                .values((
                    dossier_contacts::id.eq(uuid::Uuid::new_v4().to_string()),
                    dossier_contacts::employer_id.eq(employer_id),
                    dossier_contacts::employee_id.eq(employee_id),
                    dossier_contacts::role.eq(role.as_str()),
                    dossier_contacts::name.eq(person.name),
                    dossier_contacts::email.eq(person.email),
                    dossier_contacts::phone.eq(person.phone),
                    dossier_contacts::updated_at.eq(now()),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(phone: &str) -> ContactPerson {
        ContactPerson {
            name: "Anna de Vries".into(),
            email: Some("anna@bakkerij.nl".into()),
            phone: Some(phone.into()),
        }
    }

    #[test]
    fn dossier_contact_phone_numbers_with_dutch_punctuation_are_accepted() {
        for phone in ["+31 20 123 4567", "(020) 123-4567", "0612345678"] {
            let mut errors = Vec::new();
            validate_person("hr_contact", person(phone), &mut errors);
            assert!(errors.is_empty(), "{phone}: {errors:?}");
        }
    }

    #[test]
    fn dossier_contact_phone_numbers_with_letters_or_too_few_digits_are_refused() {
        for phone in ["call me", "12345", "+31 20 123 4567 ext. 5"] {
            let mut errors = Vec::new();
            validate_person("hr_contact", person(phone), &mut errors);
            assert_eq!(errors.len(), 1, "{phone}");
            assert_eq!(errors[0].field, "hr_contact.phone");
        }
    }
}
