//! The employer's and the arbodienst's document API (scopes `documents:read` /
//! `documents:write`): publish, list, read, change, delete and download. Another employer's
//! document answers 404, exactly as one that does not exist.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::changes;
use super::content::sanitise_file_name;
use super::download::{download, DownloadResponses};
use super::models::{
    AuthorRole, Document, DocumentChange, DocumentFilter, DocumentPage, DocumentPatch,
    DocumentResponse, DocumentUpload, ResponseList,
};
use super::queries::{self, ListFilter, Owner, Position};
use crate::audit::Actor;
use crate::auth::scopes::{DocumentsRead, DocumentsWrite};
use crate::auth::{CaseClient, Party};
use crate::db::{now, DbConnection};
use crate::employers::employees::{employer_of_employee, find_employee};
use crate::error::{
    ApiError, Invalid, NotFound, PayloadTooLarge, RangeNotSatisfiable, Unauthorized,
    UnsupportedMediaType,
};
use crate::state::AppState;
use crate::web::page::{Cursor, PageQuery, Paged};

fn author_role(party: &Party) -> AuthorRole {
    match party {
        Party::Employer(_) => AuthorRole::Employer,
        Party::Arbodienst(_) => AuthorRole::Arbodienst,
    }
}

/// A document `party` may change or delete: any of its employer's for the employer's own
/// clients; for an arbodienst only those its clients published (403 for the employer's).
fn changeable_by(conn: &mut DbConnection, party: &Party, id: &str) -> Result<String, ApiError> {
    let Owner::Employer(employer_id) = queries::owner_for(conn, party, id)? else {
        return Err(ApiError::NotFound);
    };
    if let Party::Arbodienst(arbodienst_id) = party {
        let document = queries::find(conn, &Owner::Employer(employer_id.clone()), id)?;
        if !queries::published_by_arbodienst(conn, &document, arbodienst_id)? {
            return Err(ApiError::Forbidden(
                "The employer published this document; an arbodienst changes and deletes only \
                 what it published."
                    .into(),
            ));
        }
    }
    Ok(employer_id)
}

/// Where the e-mail about a newly visible document links to.
fn portal_url(state: &AppState) -> String {
    format!(
        "{}/dossier",
        state.settings.public_url.as_str().trim_end_matches('/')
    )
}

/// Publish a document to an employee's dossier.
///
/// Multipart parts: `file` plus the text parts `title`, `category`, `document_date`,
/// `visible_to_employee` and optionally `absence_id`. The size limit is enforced while the
/// file streams in; the content type is sniffed from the bytes (PDF, PNG, JPEG, plain UTF-8
/// text) whatever was declared. The author role is `employer` for a client holding
/// `employees:write`, otherwise `arbodienst`. A visible document emits `document.published`
/// and, if the employee wants it, an e-mail with a link to the portal.
#[utoipa::path(
    tag = "documents",
    security(("employer_oauth" = ["documents:write"])),
    params(("id" = String, Path, description = "Employee id")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = DocumentResponse, headers(("Location" = String, description = "The new document's URL"))),
        Invalid,
        Unauthorized,
        NotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
    )
)]
#[post("/employees/{id}/documents")]
pub async fn upload(
    client: CaseClient<DocumentsWrite>,
    path: web::Path<String>,
    request: HttpRequest,
    multipart: Multipart,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let employee_id = path.into_inner();
    let employer_id = {
        let (party, employee_id) = (client.party.clone(), employee_id.clone());
        state
            .db
            .run(move |conn| {
                let employer_id = employer_of_employee(conn, &party, &employee_id)?;
                find_employee(conn, &employer_id, &employee_id)?;
                Ok(employer_id)
            })
            .await?
    };
    let max = state.settings.documents.max_upload_bytes;
    super::upload::refuse_declared_oversize(&request, max)?;
    let received = super::upload::read(multipart, state.storage.staging_dir(), max).await?;

    let id = uuid::Uuid::new_v4().to_string();
    let at = now();
    let document = Document {
        id: id.clone(),
        employer_id: employer_id.clone(),
        employee_id: employee_id.clone(),
        absence_id: received.meta.absence_id,
        title: received.meta.title,
        category: received.meta.category.as_str().into(),
        document_date: received.meta.document_date,
        visible_to_employee: received.meta.visible,
        content_type: received.kind.content_type().into(),
        size: i64::try_from(received.size).unwrap_or(i64::MAX),
        sha256: received.sha256,
        file_name: sanitise_file_name(received.declared_name.as_deref(), received.kind),
        storage_key: id.clone(),
        published_by_role: author_role(&client.party).as_str().into(),
        published_by_client_id: client.client_id.clone(),
        created_at: at,
        updated_at: at,
        response_requested: received.meta.response_requested,
    };

    // File first, then the row; if the row cannot be written the file goes again.
    state
        .storage
        .put(&document.storage_key, &received.path)
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("cannot store document: {e}")))?;
    drop(received.path);
    let portal_url = portal_url(&state);
    let inserted = {
        let document = document.clone();
        let actor = Actor::Client(client.client_id.clone());
        state
            .db
            .run(move |conn| changes::insert(conn, &document, &actor, &portal_url))
            .await
    };
    if let Err(error) = inserted {
        if let Err(e) = state.storage.delete(&document.storage_key).await {
            tracing::error!(document_id = %document.id, error = %e, "orphaned document file after failed insert");
        }
        return Err(error);
    }
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/documents/{id}")))
        .json(DocumentResponse::from(document)))
}

/// List an employee's documents, newest first (by document date, then upload time).
///
/// Hidden documents included, each with `visible_to_employee`. Filter by `category` and
/// `visible`. Needs `documents:read`.
#[utoipa::path(
    tag = "documents",
    security(("employer_oauth" = ["documents:read"])),
    params(("id" = String, Path, description = "Employee id"), PageQuery, DocumentFilter),
    responses(
        (status = 200, body = DocumentPage),
        Invalid,
        Unauthorized,
        NotFound,
    )
)]
#[get("/employees/{id}/documents")]
pub async fn list_for_employee(
    client: CaseClient<DocumentsRead>,
    path: web::Path<String>,
    query: Paged<DocumentFilter, Position>,
    state: web::Data<AppState>,
) -> Result<web::Json<DocumentPage>, ApiError> {
    let employee_id = path.into_inner();
    let page = state
        .db
        .run(move |conn| {
            let employer_id = employer_of_employee(conn, &client.party, &employee_id)?;
            find_employee(conn, &employer_id, &employee_id)?;
            let filter = ListFilter {
                employer_id,
                employee_id,
                category: query.filter.category,
                visible: query.filter.visible,
                after: query.after,
                limit: query.limit,
            };
            let (rows, next) = queries::list(conn, &filter)?;
            Ok(DocumentPage {
                items: rows.into_iter().map(DocumentResponse::from).collect(),
                next_cursor: next.as_ref().map(Cursor::encode),
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// One document's metadata.
///
/// Title, category, document date, visibility, content type, size, SHA-256 and who published
/// it. The read is audited. Needs `documents:read`.
#[utoipa::path(
    operation_id = "get_document",
    tag = "documents",
    security(("employer_oauth" = ["documents:read"])),
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, body = DocumentResponse),
        Unauthorized,
        NotFound,
    )
)]
#[get("/documents/{id}")]
pub async fn get_one(
    client: CaseClient<DocumentsRead>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<DocumentResponse>, ApiError> {
    let actor = Actor::Client(client.client_id);
    let id = path.into_inner();
    let document = state
        .db
        .run(move |conn| {
            let owner = queries::owner_for(conn, &client.party, &id)?;
            queries::find_recorded(conn, &owner, &id, &actor, "document.read")
        })
        .await?;
    Ok(web::Json(document.into()))
}

/// The employee's answers to a document: none yet, or the one they gave.
///
/// For a document uploaded with `response_requested`: whether the employee agrees, their own
/// view if they gave one, the SHA-256 of the document they answered and when. The read is
/// audited. Needs `documents:read`.
#[utoipa::path(
    tag = "documents",
    security(("employer_oauth" = ["documents:read"])),
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, body = ResponseList),
        Unauthorized,
        NotFound,
    )
)]
#[get("/documents/{id}/responses")]
pub async fn responses(
    client: CaseClient<DocumentsRead>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<ResponseList>, ApiError> {
    let actor = Actor::Client(client.client_id);
    let id = path.into_inner();
    let list = state
        .db
        .run(move |conn| {
            let owner = queries::owner_for(conn, &client.party, &id)?;
            let document =
                queries::find_recorded(conn, &owner, &id, &actor, "document.responses_read")?;
            let items = queries::responses_to(conn, std::slice::from_ref(&document.id))?
                .into_values()
                .collect();
            Ok(ResponseList { items })
        })
        .await?;
    Ok(web::Json(list))
}

/// Change a document's title, category, date or visibility. Making a hidden document visible
/// emits `document.published` and notifies the employee, as a visible upload does.
#[utoipa::path(
    operation_id = "patch_document",
    tag = "documents",
    security(("employer_oauth" = ["documents:write"])),
    params(("id" = String, Path, description = "Document id")),
    request_body = DocumentPatch,
    responses(
        (status = 200, body = DocumentResponse),
        Invalid,
        Unauthorized,
        NotFound,
        UnsupportedMediaType,
    )
)]
#[patch("/documents/{id}")]
pub async fn patch_one(
    client: CaseClient<DocumentsWrite>,
    path: web::Path<String>,
    body: crate::web::input::Json<DocumentPatch>,
    state: web::Data<AppState>,
) -> Result<web::Json<DocumentResponse>, ApiError> {
    let change = DocumentChange::try_from(body.into_inner())?;
    let portal_url = portal_url(&state);
    let id = path.into_inner();
    let document = state
        .db
        .run(move |conn| {
            let actor = Actor::Client(client.client_id.clone());
            let employer_id = changeable_by(conn, &client.party, &id)?;
            changes::change(conn, &employer_id, &actor, &id, change, &portal_url)
        })
        .await?;
    Ok(web::Json(document.into()))
}

/// Delete a document: the row, then the file.
///
/// The document disappears from every list, the employee's included; its file is removed after
/// the row. Needs `documents:write`.
#[utoipa::path(
    operation_id = "delete_document",
    tag = "documents",
    security(("employer_oauth" = ["documents:write"])),
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted"),
        Unauthorized,
        NotFound,
    )
)]
#[delete("/documents/{id}")]
pub async fn delete_one(
    client: CaseClient<DocumentsWrite>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let document = state
        .db
        .run(move |conn| {
            let actor = Actor::Client(client.client_id.clone());
            let employer_id = changeable_by(conn, &client.party, &id)?;
            changes::delete(conn, &employer_id, &actor, &id)
        })
        .await?;
    if let Err(e) = state.storage.delete(&document.storage_key).await {
        // The row is gone, so nobody can reach the file; it only takes space.
        tracing::error!(document_id = %document.id, error = %e, "orphaned document file after delete");
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Download a document's content.
///
/// A single byte range (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`) answers 206 with that part;
/// several ranges or a malformed header are ignored (200, whole file). `If-Range` with the
/// `ETag` of an earlier answer resumes safely.
#[utoipa::path(
    tag = "documents",
    security(("employer_oauth" = ["documents:read"])),
    params(
        ("id" = String, Path, description = "Document id"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`"),
        ("If-Range" = Option<String>, Header, description = "The `ETag` the client holds; the range is honoured only if it still matches"),
    ),
    responses(
        DownloadResponses,
        Unauthorized,
        NotFound,
        RangeNotSatisfiable,
    )
)]
#[get("/documents/{id}/content")]
pub async fn content(
    client: CaseClient<DocumentsRead>,
    path: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let owner = match client.party {
        Party::Employer(employer_id) => Owner::Employer(employer_id),
        party => {
            let id = id.clone();
            state
                .db
                .run(move |conn| queries::owner_for(conn, &party, &id))
                .await?
        }
    };
    let actor = Actor::Client(client.client_id);
    download(&state, &request, owner, id, actor).await
}
