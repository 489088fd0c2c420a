//! Every change to the dossier, each in one transaction with its audit entry and, when a
//! document becomes visible to its employee, the `document.published` event and e-mail, so they
//! commit together or not at all. The stored file is the caller's: it is written before
//! [`insert`] and removed after [`delete`].

use diesel::prelude::*;

use super::models::{Agreement, Document, DocumentChange, ResponseRow};
use super::queries::{self, Owner};
use crate::audit::{self, Actor};
use crate::db::schema::{document_responses, documents, employees};
use crate::db::{now, DbConnection};
use crate::domain::Language;
use crate::employers::employees::find_employee;
use crate::employers::recipients;
use crate::error::ApiError;
use crate::events::email::{enqueue_email, EmailMessage};
use crate::events::feed::{self, EventKind};

/// Adds the row of a document whose file is already stored. The employee is checked again
/// inside the transaction (it may have been deleted while the file streamed in), and so is
/// the absence the document names.
pub fn insert(
    conn: &mut DbConnection,
    document: &Document,
    actor: &Actor,
    portal_url: &str,
) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        find_employee(conn, &document.employer_id, &document.employee_id)?;
        if let Some(absence_id) = &document.absence_id {
            if !queries::is_absence_of(
                conn,
                &document.employer_id,
                &document.employee_id,
                absence_id,
            )? {
                return Err(ApiError::invalid(
                    "absence_id",
                    "is not an absence of this employee",
                ));
            }
        }
        diesel::insert_into(documents::table)
            .values(document)
            .execute(conn)?;
        audit::record(
            conn,
            &document.employer_id,
            actor,
            "document.uploaded",
            ("document", &document.id),
        )?;
        if document.visible_to_employee {
            publish(conn, document, portal_url)?;
        }
        Ok(())
    })
}

/// Applies a change to the metadata of one of the employer's documents; making a hidden
/// document visible publishes it, as a visible upload does.
pub fn change(
    conn: &mut DbConnection,
    employer_id: &str,
    actor: &Actor,
    id: &str,
    change: DocumentChange,
    portal_url: &str,
) -> Result<Document, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let mut document = queries::find_changeable(conn, employer_id, id)?;
        let was_visible = document.visible_to_employee;
        if let Some(title) = change.title {
            document.title = title;
        }
        if let Some(category) = change.category {
            document.category = category.as_str().into();
        }
        if let Some(date) = change.document_date {
            document.document_date = date;
        }
        if let Some(visible) = change.visible_to_employee {
            document.visible_to_employee = visible;
        }
        document.updated_at = now();
        diesel::update(documents::table.find(&document.id))
            .set((
                documents::title.eq(&document.title),
                documents::category.eq(&document.category),
                documents::document_date.eq(document.document_date),
                documents::visible_to_employee.eq(document.visible_to_employee),
                documents::updated_at.eq(document.updated_at),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            &document.employer_id,
            actor,
            "document.changed",
            ("document", &document.id),
        )?;
        if !was_visible && document.visible_to_employee {
            publish(conn, &document, portal_url)?;
        }
        Ok(document)
    })
}

/// Deletes the row of one of the employer's documents and returns it, so the caller can
/// remove the stored file.
pub fn delete(
    conn: &mut DbConnection,
    employer_id: &str,
    actor: &Actor,
    id: &str,
) -> Result<Document, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = Owner::Employer(employer_id.to_string());
        let document = queries::find(conn, &owner, id)?;
        // Recorded while the row still says whose document it was.
        audit::record(
            conn,
            &document.employer_id,
            actor,
            "document.deleted",
            ("document", &document.id),
        )?;
        diesel::delete(
            document_responses::table.filter(document_responses::document_id.eq(&document.id)),
        )
        .execute(conn)?;
        diesel::delete(documents::table.find(&document.id)).execute(conn)?;
        Ok(document)
    })
}

/// A document became visible to its employee: the `document.published` event, and an e-mail
/// to the employee if they are active and kept the preference on. The e-mail carries a link
/// to the dossier only — not the document, not its title.
fn publish(conn: &mut DbConnection, document: &Document, portal_url: &str) -> Result<(), ApiError> {
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

/// The employee's answer to a document that asks for one (SPEC §9): once, after a step-up in
/// the last five minutes, kept with the document's SHA-256; the employer and the arbodienst
/// hear of it by event and e-mail. A hidden or foreign document is a 404, one that asks for no
/// answer or was answered already a 409.
pub fn respond(
    conn: &mut DbConnection,
    owner: &Owner,
    session_id: &str,
    id: &str,
    agreement: Agreement,
    own_view: Option<String>,
) -> Result<ResponseRow, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let document = queries::find(conn, owner, id)?;
        if !document.response_requested {
            return Err(ApiError::Conflict(
                "This document does not ask for an answer.".into(),
            ));
        }
        crate::accounts::step_up::require_recent(conn, session_id)?;
        let row = ResponseRow {
            id: uuid::Uuid::new_v4().to_string(),
            document_id: document.id.clone(),
            employer_id: document.employer_id.clone(),
            employee_id: document.employee_id.clone(),
            agreement: agreement.as_str().into(),
            own_view,
            document_sha256: document.sha256.clone(),
            created_at: now(),
        };
        let inserted = diesel::insert_into(document_responses::table)
            .values(&row)
            .execute(conn);
        match inserted {
            Err(e) if crate::db::is_unique_violation(&e) => {
                return Err(ApiError::Conflict(
                    "You answered this document already; an answer cannot be changed.".into(),
                ))
            }
            other => {
                other?;
            }
        }
        audit::record(
            conn,
            &document.employer_id,
            &Actor::Employee(document.employee_id.clone()),
            "document.responded",
            ("document", &document.id),
        )?;
        feed::record(
            conn,
            &document.employer_id,
            EventKind::DocumentResponded,
            serde_json::json!({
                "document_id": document.id,
                "employee_id": document.employee_id,
                "agreement": agreement.as_str(),
                "own_view_given": row.own_view.is_some(),
            }),
        )?;
        let notified = recipients::notified(conn, &document.employer_id, &document.employee_id)?;
        for to in notified.recipients {
            enqueue_email(
                conn,
                &EmailMessage::DocumentResponded {
                    to,
                    language: notified.language,
                    employer_name: notified.employer_name.clone(),
                    personnel_number: notified.personnel_number.clone(),
                    employee_name: notified.employee_name.clone(),
                    category: document.category.clone(),
                    document_date: document.document_date,
                    document_id: document.id.clone(),
                    agreed: agreement == Agreement::Agree,
                    with_own_view: row.own_view.is_some(),
                },
            )?;
        }
        Ok(row)
    })
}
