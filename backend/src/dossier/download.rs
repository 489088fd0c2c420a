//! Streaming a document to either caller: the whole file or the one byte range asked for
//! (see [`super::range`]), with the headers that keep it a download, and the 200 and 206
//! answers as the OpenAPI document describes them.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::content::{content_disposition, Kind};
use super::queries::{self, Owner};
use super::range::RangeAnswer;
use crate::audit::Actor;
use crate::error::ApiError;
use crate::state::AppState;

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
pub async fn download(
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
            queries::find_for_download(
                conn,
                &owner,
                &id,
                &actor,
                range.as_deref(),
                if_range.as_deref(),
            )
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
        .insert_header((header::ETAG, document.etag()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
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
