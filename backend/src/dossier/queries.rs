//! Reads of documents, shared by the employer's and the employee's handlers. Reading one
//! document (metadata or content) is recorded in the audit log in the same transaction that
//! finds it (SPEC §7).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::{Category, Document, ResponseRow, ResponseView};
use super::range::{self, RangeAnswer};
use crate::audit::{self, Actor};
use crate::auth::Party;
use crate::db::schema::{absences, api_clients, documents, employees};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::web::page::split_page;

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

/// The owner under which `party` reads or changes document `id`: its employer, when the party
/// may act for it (404 otherwise, as for a document that does not exist).
pub fn owner_for(conn: &mut DbConnection, party: &Party, id: &str) -> Result<Owner, ApiError> {
    let employer_id = party.employer_of_record(conn, |conn| {
        documents::table
            .find(id)
            .select(documents::employer_id)
            .first(conn)
            .optional()
    })?;
    Ok(Owner::Employer(employer_id))
}

/// Whether one of `arbodienst_id`'s clients published `document`: an arbodienst changes and
/// deletes only what it published itself, never the employer's documents.
pub fn published_by_arbodienst(
    conn: &mut DbConnection,
    document: &Document,
    arbodienst_id: &str,
) -> QueryResult<bool> {
    let found = api_clients::table
        .filter(api_clients::id.eq(&document.published_by_client_id))
        .filter(api_clients::arbodienst_id.eq(arbodienst_id))
        .count()
        .get_result::<i64>(conn)?;
    Ok(found == 1)
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

/// Where a document list continues: the last item's `(document_date, created_at, id)`.
pub type Position = (NaiveDate, NaiveDateTime, String);

pub struct ListFilter {
    pub employer_id: String,
    pub employee_id: String,
    pub category: Option<Category>,
    pub visible: Option<bool>,
    pub after: Option<Position>,
    pub limit: i64,
}

/// One page, newest first: by document date, then upload time, then id.
pub fn list(
    conn: &mut DbConnection,
    filter: &ListFilter,
) -> Result<(Vec<Document>, Option<Position>), ApiError> {
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
    if let Some((document_date, created_at, id)) = &filter.after {
        query = query.filter(
            documents::document_date
                .lt(*document_date)
                .or(documents::document_date.eq(*document_date).and(
                    documents::created_at
                        .lt(*created_at)
                        .or(documents::created_at
                            .eq(*created_at)
                            .and(documents::id.lt(id.clone()))),
                )),
        );
    }
    let rows = query.load::<Document>(conn)?;
    Ok(split_page(rows, filter.limit, |last| {
        (last.document_date, last.created_at, last.id.clone())
    }))
}

/// The answers given to `document_ids`, by document.
pub fn responses_to(
    conn: &mut DbConnection,
    document_ids: &[String],
) -> Result<std::collections::HashMap<String, ResponseView>, ApiError> {
    use crate::db::schema::document_responses;
    let rows: Vec<ResponseRow> = document_responses::table
        .filter(document_responses::document_id.eq_any(document_ids))
        .select(ResponseRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.document_id.clone(), ResponseView::from(r)))
        .collect())
}
