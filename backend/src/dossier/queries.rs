//! Reads of documents, shared by the employer's and the employee's handlers. Reading one
//! document (metadata or content) is recorded in the audit log in the same transaction that
//! finds it (SPEC §7).

use base64::Engine;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::{Category, Document};
use super::range::{self, RangeAnswer};
use crate::audit::{self, Actor};
use crate::db::schema::{absences, documents, employees};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;

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

/// Finds the document `owner` may see and records `action` in the audit log.
pub fn find_recorded(
    conn: &mut DbConnection,
    owner: &Owner,
    id: &str,
    actor: &Actor,
    action: &'static str,
) -> Result<Document, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let document = find(conn, owner, id)?;
        audit::record(
            conn,
            &document.employer_id,
            actor,
            action,
            ("document", &document.id),
        )?;
        Ok(document)
    })
}

/// Finds the document `owner` may download and answers the request's `Range` (and
/// `If-Range`) against it. The download is recorded in the audit log in the same transaction;
/// a range that cannot be satisfied answers 416 and is not recorded as a download.
pub fn find_for_download(
    conn: &mut DbConnection,
    owner: &Owner,
    id: &str,
    actor: &Actor,
    range: Option<&str>,
    if_range: Option<&str>,
) -> Result<(Document, RangeAnswer), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let document = find(conn, owner, id)?;
        let size = u64::try_from(document.size).unwrap_or(0);
        let answer = range::evaluate(range, if_range, &document.etag(), size);
        if answer == RangeAnswer::NotSatisfiable {
            return Err(ApiError::RangeNotSatisfiable { size });
        }
        audit::record(
            conn,
            &document.employer_id,
            actor,
            "document.downloaded",
            ("document", &document.id),
        )?;
        Ok((document, answer))
    })
}

/// Whether `absence_id` is an absence of this employee of this employer.
pub fn is_absence_of(
    conn: &mut DbConnection,
    employer_id: &str,
    employee_id: &str,
    absence_id: &str,
) -> Result<bool, ApiError> {
    let found = absences::table
        .filter(absences::id.eq(absence_id))
        .filter(absences::employee_id.eq(employee_id))
        .filter(absences::employer_id.eq(employer_id))
        .count()
        .get_result::<i64>(conn)?;
    Ok(found > 0)
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
