//! Request bodies and the values they are parsed into. Once a [`ValidEmployee`] exists, every
//! field in it is valid; every bad field of a request is reported at once.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::models::{Employee, EmployeeChanges};
use crate::domain::{EmailAddress, Language};
use crate::error::FieldError;
use crate::web::input::present_or_null;

/// Youngest age at which someone can be employed here; a younger date of birth is a typo.
pub const MINIMUM_AGE_YEARS: i32 = 15;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_EXTERNAL_ID_CHARS: usize = 100;

/// A first or last name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.trim();
        if name.is_empty() {
            return Err("must not be empty".into());
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("must be at most {MAX_NAME_CHARS} characters"));
        }
        if name.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(PersonName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The employer's own key for an employee: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn parse(input: &str) -> Result<Self, String> {
        let id = input.trim();
        if id.is_empty() {
            return Err("must not be empty".into());
        }
        if id.chars().count() > MAX_EXTERNAL_ID_CHARS {
            return Err(format!(
                "must be at most {MAX_EXTERNAL_ID_CHARS} characters"
            ));
        }
        if id.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(ExternalId(id.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plausible date of birth: `YYYY-MM-DD`, not before 1900-01-01 and at least
/// [`MINIMUM_AGE_YEARS`] years before `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, String> {
        let text = input.trim();
        let date = (text.len() == 10)
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten()
            .ok_or_else(|| "must be a date in the form YYYY-MM-DD".to_string())?;
        if date >= today {
            return Err("must be in the past".into());
        }
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
        if date < earliest {
            return Err("must not be before 1900-01-01".into());
        }
        let latest = NaiveDate::from_ymd_opt(today.year() - MINIMUM_AGE_YEARS, today.month(), 1)
            .and_then(|first| first.with_day(today.day()))
            // 29 February in a year that has none: the 28th.
            .or_else(|| {
                NaiveDate::from_ymd_opt(today.year() - MINIMUM_AGE_YEARS, today.month(), 28)
            })
            .unwrap_or(today);
        if date > latest {
            return Err(format!(
                "must be at least {MINIMUM_AGE_YEARS} years ago (on or before {latest})"
            ));
        }
        Ok(DateOfBirth(date))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

fn parse_language(text: &str) -> Result<Language, String> {
    Language::parse(text.trim()).ok_or_else(|| "must be `nl` or `en`".to_string())
}

/// An employee as the employer sends it (create, upsert, bulk row). Unknown fields — a
/// diagnosis, say — are refused.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeInput {
    /// Matched case-insensitively; unique per employer.
    #[schema(required = true, value_type = String, format = Email, example = "jan.devries@example.nl")]
    pub email: Option<String>,
    /// `YYYY-MM-DD`; at least 15 years ago, not before 1900.
    #[schema(required = true, value_type = String, format = Date, example = "1985-04-12")]
    pub date_of_birth: Option<String>,
    /// 1–100 characters.
    #[schema(required = true, value_type = String, example = "Jan")]
    pub first_name: Option<String>,
    /// 1–100 characters.
    #[schema(required = true, value_type = String, example = "de Vries")]
    pub last_name: Option<String>,
    /// `nl` (the default for a new employee) or `en`. Left out on an update: kept as it is.
    #[schema(value_type = Option<Language>)]
    pub language: Option<String>,
    /// The employer's own key (1–100 characters), unique per employer. Required in bulk rows;
    /// in `PUT /employees/by-external-id/{external_id}` it may be left out, or must equal the
    /// path.
    #[schema(nullable, example = "P-10042")]
    pub external_id: Option<String>,
}

/// Fields left out stay as they are. `external_id: null` removes the external id; `null` for
/// any other field is refused.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeePatch {
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = String, format = Email)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = String, format = Date)]
    pub date_of_birth: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = String)]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = String)]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Language)]
    pub language: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<String>, nullable)]
    pub external_id: Option<Option<String>>,
}

/// A complete, valid employee from a request.
#[derive(Debug, Clone)]
pub struct ValidEmployee {
    pub email: EmailAddress,
    pub date_of_birth: DateOfBirth,
    pub first_name: PersonName,
    pub last_name: PersonName,
    /// `None` when the request left it out: `nl` for a new employee, unchanged on update.
    pub language: Option<Language>,
    pub external_id: Option<ExternalId>,
}

fn check<T>(
    field: &str,
    result: Result<T, impl Into<String>>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    result
        .map_err(|message| errors.push(FieldError::new(field, message)))
        .ok()
}

fn required<'a>(
    field: &str,
    value: &'a Option<String>,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    if value.is_none() {
        errors.push(FieldError::new(field, "is required"));
    }
    value.as_deref()
}

impl EmployeeInput {
    /// Every bad field is reported, in field order.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidEmployee, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = required("email", &self.email, &mut errors)
            .and_then(|text| check("email", EmailAddress::parse(text), &mut errors));
        let date_of_birth =
            required("date_of_birth", &self.date_of_birth, &mut errors).and_then(|text| {
                check(
                    "date_of_birth",
                    DateOfBirth::parse(text, today),
                    &mut errors,
                )
            });
        let first_name = required("first_name", &self.first_name, &mut errors)
            .and_then(|text| check("first_name", PersonName::parse(text), &mut errors));
        let last_name = required("last_name", &self.last_name, &mut errors)
            .and_then(|text| check("last_name", PersonName::parse(text), &mut errors));
        let language = match self.language.as_deref() {
            None => Some(None),
            Some(text) => check("language", parse_language(text), &mut errors).map(Some),
        };
        let external_id = match self.external_id.as_deref() {
            None => Some(None),
            Some(text) => check("external_id", ExternalId::parse(text), &mut errors).map(Some),
        };
        match (
            email,
            date_of_birth,
            first_name,
            last_name,
            language,
            external_id,
        ) {
            (
                Some(email),
                Some(date_of_birth),
                Some(first_name),
                Some(last_name),
                Some(language),
                Some(external_id),
            ) if errors.is_empty() => Ok(ValidEmployee {
                email,
                date_of_birth,
                first_name,
                last_name,
                language,
                external_id,
            }),
            _ => Err(errors),
        }
    }
}

impl ValidEmployee {
    /// What an update to `existing` must change to make it equal this input; empty when
    /// nothing differs (so the same body twice changes nothing, `updated_at` included).
    pub fn changes_from(&self, existing: &Employee) -> EmployeeChanges {
        let differs = |new: &str, old: &str| (new != old).then(|| new.to_string());
        let email = differs(self.email.as_str(), &existing.email);
        EmployeeChanges {
            external_id: self
                .external_id
                .as_ref()
                .filter(|id| existing.external_id.as_deref() != Some(id.as_str()))
                .map(|id| Some(id.as_str().to_string())),
            email_normalised: email
                .as_ref()
                .map(|_| self.email.normalised())
                .filter(|n| *n != existing.email_normalised),
            email,
            first_name: differs(self.first_name.as_str(), &existing.first_name),
            last_name: differs(self.last_name.as_str(), &existing.last_name),
            date_of_birth: (self.date_of_birth.date() != existing.date_of_birth)
                .then(|| self.date_of_birth.date()),
            language: self
                .language
                .and_then(|l| differs(l.as_str(), &existing.language)),
            updated_at: None,
        }
    }
}

impl EmployeePatch {
    /// The changes this patch asks for, validated; every bad field reported.
    pub fn into_changes(self, today: NaiveDate) -> Result<EmployeeChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        fn not_null<'a>(
            field: &str,
            value: &'a Option<Option<String>>,
            errors: &mut Vec<FieldError>,
        ) -> Option<&'a str> {
            match value {
                None => None,
                Some(None) => {
                    errors.push(FieldError::new(field, "must not be null"));
                    None
                }
                Some(Some(text)) => Some(text),
            }
        }
        let email = not_null("email", &self.email, &mut errors)
            .and_then(|t| check("email", EmailAddress::parse(t), &mut errors));
        let date_of_birth = not_null("date_of_birth", &self.date_of_birth, &mut errors)
            .and_then(|t| check("date_of_birth", DateOfBirth::parse(t, today), &mut errors));
        let first_name = not_null("first_name", &self.first_name, &mut errors)
            .and_then(|t| check("first_name", PersonName::parse(t), &mut errors));
        let last_name = not_null("last_name", &self.last_name, &mut errors)
            .and_then(|t| check("last_name", PersonName::parse(t), &mut errors));
        let language = not_null("language", &self.language, &mut errors)
            .and_then(|t| check("language", parse_language(t), &mut errors));
        let external_id = match &self.external_id {
            None => None,
            Some(None) => Some(None),
            Some(Some(text)) => {
                check("external_id", ExternalId::parse(text), &mut errors).map(Some)
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(EmployeeChanges {
            external_id: external_id.map(|id| id.map(|id| id.as_str().to_string())),
            email_normalised: email.as_ref().map(EmailAddress::normalised),
            email: email.map(|e| e.as_str().to_string()),
            first_name: first_name.map(|n| n.as_str().to_string()),
            last_name: last_name.map(|n| n.as_str().to_string()),
            date_of_birth: date_of_birth.map(DateOfBirth::date),
            language: language.map(|l| l.as_str().to_string()),
            updated_at: None,
        })
    }
}

/// Keeps only what differs from `existing`, so a patch that changes nothing leaves
/// `updated_at` alone too.
pub fn effective_changes(changes: EmployeeChanges, existing: &Employee) -> EmployeeChanges {
    fn keep<T: PartialEq>(new: Option<T>, old: &T) -> Option<T> {
        new.filter(|n| n != old)
    }
    EmployeeChanges {
        external_id: keep(changes.external_id, &existing.external_id),
        email_normalised: keep(changes.email_normalised, &existing.email_normalised),
        email: keep(changes.email, &existing.email),
        first_name: keep(changes.first_name, &existing.first_name),
        last_name: keep(changes.last_name, &existing.last_name),
        date_of_birth: keep(changes.date_of_birth, &existing.date_of_birth),
        language: keep(changes.language, &existing.language),
        updated_at: None,
    }
}

const INPUT_FIELDS: [&str; 6] = [
    "email",
    "date_of_birth",
    "first_name",
    "last_name",
    "language",
    "external_id",
];

/// Reads one bulk row leniently, so every problem in it — unknown fields, values that are not
/// strings, missing and invalid values — is reported at once, each naming its field. The
/// external id is required here: it is what the upsert matches on.
pub fn parse_bulk_row(row: Value, today: NaiveDate) -> Result<ValidEmployee, Vec<FieldError>> {
    let Value::Object(fields) = row else {
        return Err(vec![FieldError::new("row", "must be a JSON object")]);
    };
    let mut errors = Vec::new();
    let mut input = EmployeeInput::default();
    for (name, value) in fields {
        let Some(known) = INPUT_FIELDS.iter().copied().find(|f| *f == name) else {
            errors.push(FieldError::new(name, "unknown field"));
            continue;
        };
        let text = match value {
            Value::String(text) => Some(text),
            Value::Null => None,
            _ => {
                errors.push(FieldError::new(known, "must be a string"));
                continue;
            }
        };
        match known {
            "email" => input.email = text,
            "date_of_birth" => input.date_of_birth = text,
            "first_name" => input.first_name = text,
            "last_name" => input.last_name = text,
            "language" => input.language = text,
            _ => input.external_id = text,
        }
    }
    let typed_fields: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
    let valid = input.validate(today).map_err(|more| {
        // A field already reported as "must be a string" is not also "is required".
        more.into_iter()
            .filter(|e| !typed_fields.contains(&e.field))
            .collect::<Vec<_>>()
    });
    if input.external_id.is_none() && !typed_fields.iter().any(|f| f == "external_id") {
        errors.push(FieldError::new(
            "external_id",
            "is required in a bulk row (rows are matched on it)",
        ));
    }
    match valid {
        Ok(employee) if errors.is_empty() => Ok(employee),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn date_of_birth_must_be_plausible() {
        let today = day("2026-11-25");
        assert!(DateOfBirth::parse("1985-04-12", today).is_ok());
        assert!(DateOfBirth::parse("2011-11-25", today).is_ok());
        assert!(DateOfBirth::parse("2011-11-26", today).is_err());
        assert!(DateOfBirth::parse("2027-01-01", today).is_err());
        assert!(DateOfBirth::parse("1899-12-31", today).is_err());
        assert!(DateOfBirth::parse("1985-4-12", today).is_err());
        assert!(DateOfBirth::parse("12-04-1985", today).is_err());
        assert!(DateOfBirth::parse("1985-02-30", today).is_err());
        // 29 February today: fifteen years back has none.
        assert!(DateOfBirth::parse("2013-02-28", day("2028-02-29")).is_ok());
    }

    #[test]
    fn names_and_external_ids_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Jan ").unwrap().as_str(), "Jan");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert!(PersonName::parse(&"é".repeat(101)).is_err());
        assert!(ExternalId::parse("P-1\n").is_ok());
        assert!(ExternalId::parse("P\u{0}1").is_err());
        assert!(ExternalId::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn every_bad_field_is_listed() {
        let input = EmployeeInput {
            email: Some("geen-adres".into()),
            date_of_birth: Some("2999-01-01".into()),
            first_name: None,
            last_name: Some("de Vries".into()),
            language: Some("de".into()),
            external_id: None,
        };
        let errors = input.validate(day("2026-11-25")).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "date_of_birth", "first_name", "language"]);
    }

    #[test]
    fn bulk_rows_name_each_bad_field() {
        let row = serde_json::json!({
            "email": 5, "first_name": "Jan", "last_name": "Jansen",
            "date_of_birth": "1980-01-01", "diagnosis": "flu"
        });
        let errors = parse_bulk_row(row, day("2026-11-25")).unwrap_err();
        let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["diagnosis", "email", "external_id"]);
    }
}
