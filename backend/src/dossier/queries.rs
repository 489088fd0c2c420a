//! Document queries shared by the employer and employee routes, and publishing.

use base64::Engine;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::{Category, Document};
use crate::db::schema::{documents, employees};
use crate::db::{DbConnection, MultiBackend};
use crate::domain::Language;
use crate::error::ApiError;
use crate::events::email::{enqueue_email, EmailMessage};
use crate::events::feed::{self, EventKind};

/// Who is looking: an employer sees all its documents, an employee only their visible ones.
/// Anything else is not found, exactly like an id that does not exist.
#[derive(Debug, Clone)]
pub enum Owner {
    Employer(String),
    Employee {
        employer_id: String,
        employee_id: String,
    },
}

pub fn find(conn: &mut DbConnection, owner: &Owner, id: &str) -> Result<Document, ApiError> {
    let mut query = documents::table
        .filter(documents::id.eq(id.to_string()))
        .select(Document::as_select())
        .into_boxed::<MultiBackend>();
    query = match owner {
        Owner::Employer(employer_id) => {
            query.filter(documents::employer_id.eq(employer_id.clone()))
        }
        Owner::Employee {
            employer_id,
            employee_id,
        } => query
            .filter(documents::employer_id.eq(employer_id.clone()))
            .filter(documents::employee_id.eq(employee_id.clone()))
            .filter(documents::visible_to_employee.eq(true)),
    };
    query.first(conn).optional()?.ok_or(ApiError::NotFound)
}

/// A document the employer may still change. A deleted employee's documents stay part of the
/// employer's records — readable, downloadable and deletable by id (README "Employee
/// accounts") — but are not changed any more: making one visible would notify someone who no
/// longer has access.
pub fn find_changeable(
    conn: &mut DbConnection,
    employer_id: &str,
    id: &str,
) -> Result<Document, ApiError> {
    let document = find(conn, &Owner::Employer(employer_id.to_string()), id)?;
    let employee_present = employees::table
        .filter(employees::id.eq(&document.employee_id))
        .filter(employees::employer_id.eq(employer_id))
        .filter(employees::deleted_at.is_null())
        .count()
        .get_result::<i64>(conn)?;
    if employee_present == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(document)
}

/// An opaque list position: the last item's `(document_date, created_at, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub document_date: NaiveDate,
    pub created_at: NaiveDateTime,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            "{}|{}|{}",
            self.document_date,
            self.created_at.and_utc().timestamp_micros(),
            self.id
        ))
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(3, '|');
        let document_date = NaiveDate::parse_from_str(parts.next()?, "%Y-%m-%d").ok()?;
        let created_at = chrono::DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?;
        Some(Cursor {
            document_date,
            created_at: created_at.naive_utc(),
            id: parts.next()?.to_string(),
        })
    }
}

pub struct ListFilter {
    pub employer_id: String,
    pub employee_id: String,
    pub category: Option<Category>,
    pub visible: Option<bool>,
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// One page, newest first: by document date, then upload time, then id.
pub fn list(
    conn: &mut DbConnection,
    filter: &ListFilter,
) -> Result<(Vec<Document>, Option<Cursor>), ApiError> {
    let mut query = documents::table
        .filter(documents::employer_id.eq(filter.employer_id.clone()))
        .filter(documents::employee_id.eq(filter.employee_id.clone()))
        .select(Document::as_select())
        .order((
            documents::document_date.desc(),
            documents::created_at.desc(),
            documents::id.desc(),
        ))
        .limit(filter.limit + 1)
        .into_boxed::<MultiBackend>();
    if let Some(category) = filter.category {
        query = query.filter(documents::category.eq(category.as_str()));
    }
    if let Some(visible) = filter.visible {
        query = query.filter(documents::visible_to_employee.eq(visible));
    }
    if let Some(after) = &filter.after {
        query = query.filter(
            documents::document_date
                .lt(after.document_date)
                .or(documents::document_date.eq(after.document_date).and(
                    documents::created_at
                        .lt(after.created_at)
                        .or(documents::created_at
                            .eq(after.created_at)
                            .and(documents::id.lt(after.id.clone()))),
                )),
        );
    }
    let mut rows = query.load::<Document>(conn)?;
    let limit = usize::try_from(filter.limit).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| Cursor {
            document_date: last.document_date,
            created_at: last.created_at,
            id: last.id.clone(),
        })
    } else {
        None
    };
    Ok((rows, next))
}

/// A document became visible to its employee: the `document.published` event, and an e-mail
/// to the employee if they are active and kept the preference on. The e-mail carries a link
/// to the dossier only — not the document, not its title.
pub fn publish(
    conn: &mut DbConnection,
    document: &Document,
    portal_url: &str,
) -> Result<(), ApiError> {
    feed::record(
        conn,
        &document.employer_id,
        EventKind::DocumentPublished,
        serde_json::json!({
            "document_id": document.id,
            "employee_id": document.employee_id,
            "category": document.category,
        }),
    )?;
    let employee = employees::table
        .filter(employees::id.eq(&document.employee_id))
        .filter(employees::employer_id.eq(&document.employer_id))
        .select((
            employees::email,
            employees::first_name,
            employees::language,
            employees::notify_new_documents,
            employees::activated_at.is_not_null(),
            employees::deleted_at.is_null(),
        ))
        .first::<(String, String, String, bool, bool, bool)>(conn)
        .optional()?;
    if let Some((email, first_name, language, notify, active, not_deleted)) = employee {
        if notify && active && not_deleted {
            enqueue_email(
                conn,
                &EmailMessage::DocumentPublished {
                    to: email,
                    language: Language::parse(&language).unwrap_or_default(),
                    first_name,
                    portal_url: portal_url.to_string(),
                },
            )?;
        }
    }
    Ok(())
}
