//! The document endpoints: employer upload, list, read, change, delete and download; the
//! employee's dossier (visible documents only, foreign and hidden ones answer 404).

use std::collections::HashMap;
use std::path::Path;

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::Digest;
use tokio::io::AsyncWriteExt;
use utoipa::IntoParams;

use super::content::{content_disposition, sanitise_file_name, Kind, Sniffer};
use super::models::{
    AuthorRole, Category, Document, DocumentPage, DocumentPatch, DocumentResponse, DocumentUpload,
    MyDocument, MyDocumentPage,
};
use super::queries::{self, Cursor, ListFilter, Owner};
use super::range::{self, RangeAnswer};
use crate::audit::Actor;
use crate::auth::scopes::{DocumentsRead, DocumentsWrite};
use crate::auth::{AuthenticatedEmployee, EmployerClient, Scope};
use crate::db::now;
use crate::db::schema::{absences, documents};
use crate::employers::employees::find_employee;
use crate::error::{ApiError, FieldError, Problem, Unauthorized};
use crate::state::AppState;

const DEFAULT_PAGE_SIZE: i64 = 50;
const MAX_PAGE_SIZE: i64 = 200;
/// The largest text part (title, category, …) of an upload.
const MAX_TEXT_PART: usize = 4 * 1024;
const MAX_TITLE_CHARS: usize = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1–200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only documents of this category.
    #[param(inline)]
    pub category: Option<Category>,
    /// Only documents the employee can (`true`) or cannot (`false`) see.
    pub visible: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MyListQuery {
    /// Page size, 1–200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn page(limit: Option<i64>, cursor: Option<&str>) -> Result<(i64, Option<Cursor>), ApiError> {
    let mut errors = Vec::new();
    let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    let after = cursor.and_then(|text| {
        let decoded = Cursor::decode(text);
        if decoded.is_none() {
            errors.push(FieldError::new(
                "cursor",
                "is not a cursor this API returned",
            ));
        }
        decoded
    });
    if errors.is_empty() {
        Ok((limit, after))
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn author_role(client: &EmployerClient<DocumentsWrite>) -> AuthorRole {
    if client.scopes.contains(Scope::EmployeesWrite) {
        AuthorRole::Employer
    } else {
        AuthorRole::Arbodienst
    }
}

/// An upload streamed to a staging file: counted, hashed and sniffed on the way.
struct StagedFile {
    path: tempfile::TempPath,
    size: u64,
    sha256: String,
    sniffer: Sniffer,
    declared_name: Option<String>,
}

fn multipart_error(error: MultipartError) -> ApiError {
    match error {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => {
            ApiError::UnsupportedMediaType("Send the upload as multipart/form-data.".into())
        }
        other => ApiError::BadRequest(format!("The multipart body could not be read: {other}")),
    }
}

/// Streams the `file` part to a new staging file, aborting as soon as it passes `max` bytes.
/// On any error the staging file is removed (the `TempPath` is dropped).
async fn stage_file(field: &mut Field, dir: &Path, max: u64) -> Result<StagedFile, ApiError> {
    let dir = dir.to_path_buf();
    let named = tokio::task::spawn_blocking(move || {
        tempfile::Builder::new().prefix(".upload-").tempfile_in(dir)
    })
    .await
    .map_err(|e| ApiError::internal(anyhow::anyhow!("staging task failed: {e}")))?
    .map_err(|e| ApiError::internal(anyhow::anyhow!("cannot create staging file: {e}")))?;
    let (file, path) = named.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    // RFC 5987 `filename*` wins over `filename`, as in RFC 6266.
    let declared_name = field.content_disposition().and_then(|cd| {
        cd.get_filename_ext()
            .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
            .or_else(|| cd.get_filename().map(str::to_owned))
    });
    let mut hasher = sha2::Sha256::new();
    let mut sniffer = Sniffer::default();
    let mut size: u64 = 0;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        size += chunk.len() as u64;
        if size > max {
            return Err(ApiError::PayloadTooLarge(format!(
                "The file is larger than the limit of {max} bytes."
            )));
        }
        hasher.update(&chunk);
        sniffer.feed(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("cannot write staging file: {e}")))?;
    }
    file.flush()
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("cannot write staging file: {e}")))?;
    Ok(StagedFile {
        path,
        size,
        sha256: hex::encode(hasher.finalize()),
        sniffer,
        declared_name,
    })
}

async fn read_text_part(field: &mut Field, name: &str) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        if bytes.len() + chunk.len() > MAX_TEXT_PART {
            return Err(ApiError::invalid(name, "is too long"));
        }
        bytes.extend_from_slice(&chunk);
    }
    let text =
        String::from_utf8(bytes).map_err(|_| ApiError::invalid(name, "is not valid UTF-8"))?;
    if text.chars().any(crate::domain::text::is_refused_in_text) {
        return Err(ApiError::invalid(
            name,
            crate::domain::text::REFUSED_MESSAGE,
        ));
    }
    Ok(text)
}

/// The metadata of an upload, validated.
struct UploadMeta {
    title: String,
    category: Category,
    document_date: NaiveDate,
    visible: bool,
    absence_id: Option<String>,
}

fn parse_meta(mut parts: HashMap<String, String>) -> Result<UploadMeta, ApiError> {
    let mut errors = Vec::new();
    let mut required = |name: &str| {
        let value = parts.remove(name).map(|v| v.trim().to_string());
        if value.as_deref().is_none_or(str::is_empty) {
            errors.push(FieldError::new(name, "is required"));
        }
        value.unwrap_or_default()
    };
    let title = required("title");
    let category_text = required("category");
    let date_text = required("document_date");
    let visible_text = required("visible_to_employee");
    let absence_id = parts
        .remove("absence_id")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    if title.chars().count() > MAX_TITLE_CHARS {
        errors.push(FieldError::new(
            "title",
            format!("must be at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    if title.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "title",
            "must not contain control characters",
        ));
    }
    let category = Category::parse(&category_text);
    if category.is_none() && !category_text.is_empty() {
        errors.push(FieldError::new(
            "category",
            format!(
                "must be one of {}",
                Category::ALL.map(Category::as_str).join(", ")
            ),
        ));
    }
    let document_date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").ok();
    if document_date.is_none() && !date_text.is_empty() {
        errors.push(FieldError::new(
            "document_date",
            "must be a date YYYY-MM-DD",
        ));
    }
    let visible = match visible_text.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        "" => None,
        _ => {
            errors.push(FieldError::new(
                "visible_to_employee",
                "must be true or false",
            ));
            None
        }
    };
    if let Some(id) = &absence_id {
        if uuid::Uuid::parse_str(id).is_err() {
            errors.push(FieldError::new("absence_id", "must be an absence id"));
        }
    }
    match (category, document_date, visible) {
        (Some(category), Some(document_date), Some(visible)) if errors.is_empty() => {
            Ok(UploadMeta {
                title,
                category,
                document_date,
                visible,
                absence_id,
            })
        }
        _ => Err(ApiError::Validation(errors)),
    }
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
        (status = 400, description = "Missing, invalid, duplicate or unknown parts, each listed", body = Problem, content_type = "application/problem+json"),
        Unauthorized,
        (status = 403, description = "Token lacks documents:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such employee of this employer", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than VERZUIM_MAX_UPLOAD_BYTES", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart, or the file is not PDF, PNG, JPEG or plain text", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/employees/{id}/documents")]
pub async fn upload(
    client: EmployerClient<DocumentsWrite>,
    path: web::Path<String>,
    request: HttpRequest,
    mut multipart: Multipart,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let employee_id = path.into_inner();
    let employer_id = client.employer_id.clone();
    {
        let (employer_id, employee_id) = (employer_id.clone(), employee_id.clone());
        state
            .db
            .run(move |conn| find_employee(conn, &employer_id, &employee_id).map(drop))
            .await?;
    }
    let max = state.settings.documents.max_upload_bytes;
    // A declared length far past the limit is refused before reading anything; the exact
    // limit is enforced while the file part streams in.
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > max.saturating_add(1024 * 1024)) {
        return Err(ApiError::PayloadTooLarge(format!(
            "The file is larger than the limit of {max} bytes."
        )));
    }

    let mut staged: Option<StagedFile> = None;
    let mut parts: HashMap<String, String> = HashMap::new();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                if staged.is_some() {
                    return Err(ApiError::invalid("file", "send exactly one file"));
                }
                staged = Some(stage_file(&mut field, state.storage.staging_dir(), max).await?);
            }
            "title" | "category" | "document_date" | "visible_to_employee" | "absence_id" => {
                if parts.contains_key(&name) {
                    return Err(ApiError::invalid(name, "is sent more than once"));
                }
                let value = read_text_part(&mut field, &name).await?;
                parts.insert(name, value);
            }
            _ => return Err(ApiError::invalid(name, "is not a known part")),
        }
    }
    let Some(staged) = staged else {
        return Err(ApiError::invalid("file", "is required"));
    };
    let meta = parse_meta(parts)?;
    if staged.size == 0 {
        return Err(ApiError::invalid("file", "is empty"));
    }
    let Some(kind) = staged.sniffer.finish() else {
        return Err(ApiError::UnsupportedMediaType(
            "Only PDF, PNG, JPEG and plain text (UTF-8) documents are accepted.".into(),
        ));
    };

    let id = uuid::Uuid::new_v4().to_string();
    let at = now();
    let document = Document {
        id: id.clone(),
        employer_id: employer_id.clone(),
        employee_id: employee_id.clone(),
        absence_id: meta.absence_id,
        title: meta.title,
        category: meta.category.as_str().into(),
        document_date: meta.document_date,
        visible_to_employee: meta.visible,
        content_type: kind.content_type().into(),
        size: i64::try_from(staged.size).unwrap_or(i64::MAX),
        sha256: staged.sha256,
        file_name: sanitise_file_name(staged.declared_name.as_deref(), kind),
        storage_key: id.clone(),
        published_by_role: author_role(&client).as_str().into(),
        published_by_client_id: client.client_id.clone(),
        created_at: at,
        updated_at: at,
    };

    // File first, then the row; if the row cannot be written the file goes again.
    state
        .storage
        .put(&document.storage_key, &staged.path)
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("cannot store document: {e}")))?;
    drop(staged.path);
    let portal_url = portal_url(&state);
    let inserted = {
        let document = document.clone();
        let actor = Actor::Client(client.client_id.clone());
        state
            .db
            .run(move |conn| {
                crate::db::write_transaction(conn, |conn| {
                    find_employee(conn, &document.employer_id, &document.employee_id)?;
                    if let Some(absence_id) = &document.absence_id {
                        let found = absences::table
                            .filter(absences::id.eq(absence_id))
                            .filter(absences::employee_id.eq(&document.employee_id))
                            .filter(absences::employer_id.eq(&document.employer_id))
                            .count()
                            .get_result::<i64>(conn)?;
                        if found == 0 {
                            return Err(ApiError::invalid(
                                "absence_id",
                                "is not an absence of this employee",
                            ));
                        }
                    }
                    diesel::insert_into(documents::table)
                        .values(&document)
                        .execute(conn)?;
                    crate::audit::record(
                        conn,
                        &document.employer_id,
                        &actor,
                        "document.uploaded",
                        ("document", &document.id),
                    )?;
                    if document.visible_to_employee {
                        queries::publish(conn, &document, &portal_url)?;
                    }
                    Ok(())
                })
            })
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

fn portal_url(state: &AppState) -> String {
    format!(
        "{}/dossier",
        state.settings.public_url.as_str().trim_end_matches('/')
    )
}

/// List an employee's documents, newest first (by document date, then upload time).
#[utoipa::path(
    tag = "documents",
    security(("employer_oauth" = ["documents:read"])),
    params(("id" = String, Path, description = "Employee id"), ListQuery),
    responses(
        (status = 200, body = DocumentPage),
        (status = 400, description = "Bad limit, cursor, filter or unknown query parameter", body = Problem, content_type = "application/problem+json"),
        Unauthorized,
        (status = 403, description = "Token lacks documents:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such employee of this employer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/employees/{id}/documents")]
pub async fn list_for_employee(
    client: EmployerClient<DocumentsRead>,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<web::Json<DocumentPage>, ApiError> {
    let query = query.into_inner();
    let (limit, after) = page(query.limit, query.cursor.as_deref())?;
    let employee_id = path.into_inner();
    let page = state
        .db
        .run(move |conn| {
            find_employee(conn, &client.employer_id, &employee_id)?;
            let filter = ListFilter {
                employer_id: client.employer_id,
                employee_id,
                category: query.category,
                visible: query.visible,
                after,
                limit,
            };
            let (rows, next) = queries::list(conn, &filter)?;
            Ok(DocumentPage {
                items: rows.into_iter().map(DocumentResponse::from).collect(),
                next_cursor: next.map(|c| c.encode()),
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// One document's metadata.
#[utoipa::path(
    operation_id = "get_document",
    tag = "documents",
    security(("employer_oauth" = ["documents:read"])),
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, body = DocumentResponse),
        Unauthorized,
        (status = 403, description = "Token lacks documents:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document of this employer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/documents/{id}")]
pub async fn get_one(
    client: EmployerClient<DocumentsRead>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<DocumentResponse>, ApiError> {
    let owner = Owner::Employer(client.employer_id.clone());
    let actor = Actor::Client(client.client_id);
    let document = read_audited(&state, owner, path.into_inner(), actor, "document.read").await?;
    Ok(web::Json(document.into()))
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
        (status = 400, description = "Invalid or unknown fields", body = Problem, content_type = "application/problem+json"),
        Unauthorized,
        (status = 403, description = "Token lacks documents:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document of this employer, or its employee was deleted (their documents are kept but no longer changed)", body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/documents/{id}")]
pub async fn patch_one(
    client: EmployerClient<DocumentsWrite>,
    path: web::Path<String>,
    body: crate::web::input::Json<DocumentPatch>,
    state: web::Data<AppState>,
) -> Result<web::Json<DocumentResponse>, ApiError> {
    let patch = body.into_inner();
    let mut errors = Vec::new();
    let title = patch.title.map(|t| t.trim().to_string());
    if let Some(title) = &title {
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            errors.push(FieldError::new(
                "title",
                format!("must be 1 to {MAX_TITLE_CHARS} characters"),
            ));
        } else if title.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "title",
                "must not contain control characters",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let portal_url = portal_url(&state);
    let id = path.into_inner();
    let document = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let mut document = queries::find_changeable(conn, &client.employer_id, &id)?;
                let was_visible = document.visible_to_employee;
                if let Some(title) = title {
                    document.title = title;
                }
                if let Some(category) = patch.category {
                    document.category = category.as_str().into();
                }
                if let Some(date) = patch.document_date {
                    document.document_date = date;
                }
                if let Some(visible) = patch.visible_to_employee {
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
                crate::audit::record(
                    conn,
                    &document.employer_id,
                    &Actor::Client(client.client_id.clone()),
                    "document.changed",
                    ("document", &document.id),
                )?;
                if !was_visible && document.visible_to_employee {
                    queries::publish(conn, &document, &portal_url)?;
                }
                Ok(document)
            })
        })
        .await?;
    Ok(web::Json(document.into()))
}

/// Delete a document: the row, then the file.
#[utoipa::path(
    operation_id = "delete_document",
    tag = "documents",
    security(("employer_oauth" = ["documents:write"])),
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted"),
        Unauthorized,
        (status = 403, description = "Token lacks documents:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document of this employer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/documents/{id}")]
pub async fn delete_one(
    client: EmployerClient<DocumentsWrite>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let document = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let owner = Owner::Employer(client.employer_id.clone());
                let document = queries::find(conn, &owner, &id)?;
                diesel::delete(documents::table.find(&document.id)).execute(conn)?;
                crate::audit::record(
                    conn,
                    &document.employer_id,
                    &Actor::Client(client.client_id.clone()),
                    "document.deleted",
                    ("document", &document.id),
                )?;
                Ok(document)
            })
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
        (status = 403, description = "Token lacks documents:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document of this employer", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range lies outside the file; Content-Range: bytes */size", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/documents/{id}/content")]
pub async fn content(
    client: EmployerClient<DocumentsRead>,
    path: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let owner = Owner::Employer(client.employer_id.clone());
    let actor = Actor::Client(client.client_id);
    download(&state, &request, owner, path.into_inner(), actor).await
}

/// The 200 and 206 of both downloads, for the OpenAPI document. Written out by hand because
/// `#[utoipa::path]` gives one response a single media type, and a download is served as the
/// kind its bytes were sniffed as: each accepted kind is listed, with a binary string schema.
pub struct DownloadResponses;

impl utoipa::IntoResponses for DownloadResponses {
    fn responses(
    ) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        use utoipa::openapi::content::ContentBuilder;
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        use utoipa::openapi::ResponseBuilder;

        let schema = |kind: Type, format: Option<KnownFormat>| {
            ObjectBuilder::new()
                .schema_type(kind)
                .format(format.map(SchemaFormat::KnownFormat))
                .build()
        };
        let header = |kind: Type, format: Option<KnownFormat>, description: &str| {
            HeaderBuilder::new()
                .schema(schema(kind, format))
                .description(Some(description))
                .build()
        };
        let response = |description: &str, partial: bool| {
            let mut response = ResponseBuilder::new().description(description);
            for kind in Kind::ALL {
                // The media type without its parameters (text is served with charset=utf-8).
                let media_type = kind.content_type().split(';').next().unwrap_or_default();
                response = response.content(
                    media_type,
                    ContentBuilder::new()
                        .schema(Some(schema(Type::String, Some(KnownFormat::Binary))))
                        .build(),
                );
            }
            let length = if partial {
                "Bytes in this answer: the length of the range"
            } else {
                "Bytes in this answer: the size of the file"
            };
            response = response
                .header(
                    "ETag",
                    header(
                        Type::String,
                        None,
                        "Strong validator: the quoted SHA-256 of the content; send it back in `If-Range` to resume",
                    ),
                )
                .header(
                    "Content-Length",
                    header(Type::Integer, Some(KnownFormat::Int64), length),
                )
                .header(
                    "Content-Disposition",
                    header(
                        Type::String,
                        None,
                        "`attachment` with the document's sanitised file name (`filename` and `filename*`)",
                    ),
                )
                .header(
                    "Accept-Ranges",
                    header(Type::String, None, "`bytes`: single byte ranges are honoured"),
                );
            if partial {
                response = response.header(
                    "Content-Range",
                    header(
                        Type::String,
                        None,
                        "The range sent and the file's size: `bytes <first>-<last>/<size>`",
                    ),
                );
            }
            response.build().into()
        };
        std::collections::BTreeMap::from([
            (
                "200".to_string(),
                response(
                    "The whole file, streamed, as the kind it was sniffed as when uploaded",
                    false,
                ),
            ),
            (
                "206".to_string(),
                response("The requested byte range of the file", true),
            ),
        ])
    }
}

/// The employee's dossier: the documents made visible to them, newest first.
#[utoipa::path(
    operation_id = "list_my_documents",
    tag = "documents",
    security(("employee_bearer" = [])),
    params(MyListQuery),
    responses(
        (status = 200, body = MyDocumentPage),
        (status = 400, description = "Bad limit, cursor or unknown query parameter", body = Problem, content_type = "application/problem+json"),
        Unauthorized,
    )
)]
#[get("/me/documents")]
pub async fn list_mine(
    employee: AuthenticatedEmployee,
    query: web::Query<MyListQuery>,
    state: web::Data<AppState>,
) -> Result<web::Json<MyDocumentPage>, ApiError> {
    let query = query.into_inner();
    let (limit, after) = page(query.limit, query.cursor.as_deref())?;
    let page = state
        .db
        .run(move |conn| {
            let filter = ListFilter {
                employer_id: employee.employer_id,
                employee_id: employee.employee_id,
                category: None,
                visible: Some(true),
                after,
                limit,
            };
            let (rows, next) = queries::list(conn, &filter)?;
            Ok(MyDocumentPage {
                items: rows.into_iter().map(MyDocument::from).collect(),
                next_cursor: next.map(|c| c.encode()),
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// One document of the employee's dossier. Hidden and foreign documents answer 404.
#[utoipa::path(
    operation_id = "get_my_document",
    tag = "documents",
    security(("employee_bearer" = [])),
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, body = MyDocument),
        Unauthorized,
        (status = 404, description = "No such visible document in this dossier", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/documents/{id}")]
pub async fn get_mine(
    employee: AuthenticatedEmployee,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<MyDocument>, ApiError> {
    let actor = Actor::Employee(employee.employee_id.clone());
    let owner = Owner::Employee {
        employer_id: employee.employer_id,
        employee_id: employee.employee_id,
    };
    let document = read_audited(&state, owner, path.into_inner(), actor, "document.read").await?;
    Ok(web::Json(document.into()))
}

/// Download a document of the employee's dossier. Hidden and foreign documents answer 404.
///
/// Byte ranges as for the employer download: one range → 206, several or malformed → 200.
#[utoipa::path(
    tag = "documents",
    security(("employee_bearer" = [])),
    params(
        ("id" = String, Path, description = "Document id"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`"),
        ("If-Range" = Option<String>, Header, description = "The `ETag` the client holds; the range is honoured only if it still matches"),
    ),
    responses(
        DownloadResponses,
        Unauthorized,
        (status = 404, description = "No such visible document in this dossier", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range lies outside the file; Content-Range: bytes */size", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/documents/{id}/content")]
pub async fn content_mine(
    employee: AuthenticatedEmployee,
    path: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::Employee(employee.employee_id.clone());
    let owner = Owner::Employee {
        employer_id: employee.employer_id,
        employee_id: employee.employee_id,
    };
    download(&state, &request, owner, path.into_inner(), actor).await
}

/// Finds the document `owner` may see and records `action` in the audit log.
async fn read_audited(
    state: &AppState,
    owner: Owner,
    id: String,
    actor: Actor,
    action: &'static str,
) -> Result<Document, ApiError> {
    state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let document = queries::find(conn, &owner, &id)?;
                crate::audit::record(
                    conn,
                    &document.employer_id,
                    &actor,
                    action,
                    ("document", &document.id),
                )?;
                Ok(document)
            })
        })
        .await
}

/// The value of a request header that may appear once; sent twice it counts as absent (two
/// `Range` lines are two ranges, which we ignore anyway).
fn single_header(request: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    let mut values = request.headers().get_all(name);
    match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().ok(),
        _ => None,
    }
}

/// Streams the stored file, or the one byte range asked for: memory does not grow with its
/// size. The download is audited in the same transaction that finds the document; a range
/// that cannot be satisfied answers 416 and is not recorded as a download.
async fn download(
    state: &AppState,
    request: &HttpRequest,
    owner: Owner,
    id: String,
    actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let range = single_header(request, header::RANGE).map(str::to_owned);
    let if_range = single_header(request, header::IF_RANGE).map(str::to_owned);
    let (document, answer) = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let document = queries::find(conn, &owner, &id)?;
                let size = u64::try_from(document.size).unwrap_or(0);
                let answer = range::evaluate(
                    range.as_deref(),
                    if_range.as_deref(),
                    &etag(&document),
                    size,
                );
                if answer == RangeAnswer::NotSatisfiable {
                    return Err(ApiError::RangeNotSatisfiable { size });
                }
                crate::audit::record(
                    conn,
                    &document.employer_id,
                    &actor,
                    "document.downloaded",
                    ("document", &document.id),
                )?;
                Ok((document, answer))
            })
        })
        .await?;
    let wanted = match answer {
        RangeAnswer::Partial(range) => Some(range),
        RangeAnswer::Full | RangeAnswer::NotSatisfiable => None,
    };
    let stored = state
        .storage
        .get(&document.storage_key, wanted.clone())
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("cannot open document: {e}")))?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "document {} has a row but no stored file",
                document.id
            ))
        })?;
    if i64::try_from(stored.size).ok() != Some(document.size) {
        return Err(ApiError::internal(anyhow::anyhow!(
            "document {} is stored with {} bytes, its row says {}",
            document.id,
            stored.size,
            document.size
        )));
    }
    let mut response = match wanted {
        Some(_) => {
            let mut partial = HttpResponse::PartialContent();
            partial.insert_header((
                header::CONTENT_RANGE,
                format!(
                    "bytes {}-{}/{}",
                    stored.range.start,
                    stored.range.end - 1,
                    stored.size
                ),
            ));
            partial
        }
        None => HttpResponse::Ok(),
    };
    let body =
        actix_web::body::SizedStream::new(stored.range.end - stored.range.start, stored.stream);
    Ok(response
        .insert_header((header::CONTENT_TYPE, document.content_type.as_str()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&document.file_name),
        ))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, etag(&document)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// The content never changes after the upload, so its SHA-256 is a strong validator: what a
/// client resuming a download sends back in `If-Range`.
fn etag(document: &Document) -> String {
    format!("\"{}\"", document.sha256)
}
