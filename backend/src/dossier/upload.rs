//! Reading an upload's multipart body. The `file` part streams to a staging file through the
//! size limit, a SHA-256 and the content sniffer; the text parts are bounded, then parsed into
//! [`UploadMeta`]. Whatever is wrong answers before anything reaches storage, and a staging
//! file of a refused upload is removed (its `TempPath` is dropped).

use std::collections::HashMap;
use std::path::Path;

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::http::header;
use actix_web::HttpRequest;
use chrono::NaiveDate;
use futures_util::StreamExt;
use sha2::Digest;
use tokio::io::AsyncWriteExt;

use super::content::{Kind, Sniffer};
use super::models::{Category, MAX_TITLE_CHARS};
use crate::error::{ApiError, FieldError};

/// The largest text part (title, category, …) of an upload.
const MAX_TEXT_PART: usize = 4 * 1024;

/// An upload read completely: the file staged and recognised, the metadata valid.
pub struct Upload {
    /// The staging file; dropping it removes the file.
    pub path: tempfile::TempPath,
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// The kind the bytes were sniffed as.
    pub kind: Kind,
    /// The file name the uploader sent, unsanitised.
    pub declared_name: Option<String>,
    pub meta: UploadMeta,
}

/// The metadata of an upload, validated.
pub struct UploadMeta {
    pub title: String,
    pub category: Category,
    pub document_date: NaiveDate,
    pub visible: bool,
    pub absence_id: Option<String>,
    pub response_requested: bool,
}

/// An upload streamed to a staging file: counted, hashed and sniffed on the way.
struct StagedFile {
    path: tempfile::TempPath,
    size: u64,
    sha256: String,
    sniffer: Sniffer,
    declared_name: Option<String>,
}

/// Refuses a declared length far past the limit before anything is read; the exact limit is
/// enforced while the file part streams in (multipart framing and text parts add some bytes).
pub fn refuse_declared_oversize(request: &HttpRequest, max: u64) -> Result<(), ApiError> {
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
    Ok(())
}

/// Reads the whole multipart body: exactly one `file` (staged in `staging_dir`, at most `max`
/// bytes) and each known text part at most once; an unknown part is refused.
pub async fn read(
    mut multipart: Multipart,
    staging_dir: &Path,
    max: u64,
) -> Result<Upload, ApiError> {
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
                staged = Some(stage_file(&mut field, staging_dir, max).await?);
            }
            "title"
            | "category"
            | "document_date"
            | "visible_to_employee"
            | "absence_id"
            | "response_requested" => {
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
    Ok(Upload {
        path: staged.path,
        size: staged.size,
        sha256: staged.sha256,
        kind,
        declared_name: staged.declared_name,
        meta,
    })
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

/// A form boolean. Besides `true` and `false`, generated clients send Python's spelling
/// (`True`, `False`) or a number (`1`, `0`); all mean the same.
fn parse_form_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "1" => Some(true),
        "false" | "False" | "0" => Some(false),
        _ => None,
    }
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
    let response_text = parts
        .remove("response_requested")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
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
    // An empty value is already listed as required.
    let visible = parse_form_bool(&visible_text);
    if visible.is_none() && !visible_text.is_empty() {
        errors.push(FieldError::new(
            "visible_to_employee",
            "must be true or false (True, False, 1 and 0 are accepted too)",
        ));
    }
    if let Some(id) = &absence_id {
        if uuid::Uuid::parse_str(id).is_err() {
            errors.push(FieldError::new("absence_id", "must be an absence id"));
        }
    }
    let response_requested = match response_text.as_deref().map(parse_form_bool) {
        None => false,
        Some(Some(asked)) => asked,
        Some(None) => {
            errors.push(FieldError::new(
                "response_requested",
                "must be true or false (True, False, 1 and 0 are accepted too)",
            ));
            false
        }
    };
    if response_requested {
        if visible == Some(false) {
            errors.push(FieldError::new(
                "response_requested",
                "asks the employee to answer, so the document must be visible to them",
            ));
        }
        if category.is_some_and(|c| !c.asks_for_a_response()) {
            errors.push(FieldError::new(
                "response_requested",
                "is for a plan of action, an evaluation or a re-integration report",
            ));
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
                response_requested,
            })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_form_bool;

    #[test]
    fn form_booleans_accept_the_spellings_generated_clients_send() {
        for text in ["true", "True", "1"] {
            assert_eq!(parse_form_bool(text), Some(true), "{text}");
        }
        for text in ["false", "False", "0"] {
            assert_eq!(parse_form_bool(text), Some(false), "{text}");
        }
        for text in ["yes", "TRUE", "on", "2", ""] {
            assert_eq!(parse_form_bool(text), None, "{text}");
        }
    }
}
