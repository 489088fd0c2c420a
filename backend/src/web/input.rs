//! Input bounded and parsed at the door, before any handler or database work (SPEC §3, §7):
//! JSON bodies read up to a limit and refused when a string carries a control character, and
//! one middleware that does the same for every path and query parameter.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::JsonPayloadError;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::domain::text;
use crate::error::{extractors, ApiError};

/// What JSON bodies may weigh; registered as app data by the application.
#[derive(Debug, Clone, Copy)]
pub struct JsonLimits {
    /// Routes of a caller with a token (employer systems send bulk bodies).
    pub authenticated: usize,
}

/// The most a JSON body of a route without a token may weigh: a login, an activation or a
/// reset request is a few hundred bytes, and nobody unauthenticated may make the server hold
/// megabytes.
pub const PUBLIC_JSON_LIMIT: usize = 16 * 1024;

/// A JSON body of an authenticated route: at most the configured limit, unknown fields
/// refused by the type, no control characters in any string.
pub struct Json<T>(pub T);

/// A JSON body of a route anyone may call: at most [`PUBLIC_JSON_LIMIT`] bytes.
pub struct PublicJson<T>(pub T);

macro_rules! unwraps_to_its_value {
    ($($extractor:ident),*) => {$(
        impl<T> $extractor<T> {
            pub fn into_inner(self) -> T {
                self.0
            }
        }

        impl<T> std::ops::Deref for $extractor<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }
    )*};
}

unwraps_to_its_value!(Json, PublicJson);

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<JsonLimits>()
            .map_or(PUBLIC_JSON_LIMIT, |limits| limits.authenticated);
        let body = read_json::<T>(req.clone(), payload.take(), limit);
        Box::pin(async move { body.await.map(Json) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for PublicJson<T> {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json::<T>(req.clone(), payload.take(), PUBLIC_JSON_LIMIT);
        Box::pin(async move { body.await.map(PublicJson) })
    }
}

/// Reads at most `limit` bytes (refusing a larger `Content-Length` before reading any), then
/// refuses control characters, then deserialises. Errors answer as problem+json, through the
/// same mapping as actix's own JSON extractor.
async fn read_json<T: DeserializeOwned>(
    req: HttpRequest,
    mut payload: Payload,
    limit: usize,
) -> Result<T, actix_web::Error> {
    let refuse = |error: JsonPayloadError| Err(extractors::json_error(error, &req));
    let is_json = req.mime_type().ok().flatten().is_some_and(|mime| {
        mime.subtype() == actix_web::mime::JSON || mime.suffix() == Some(actix_web::mime::JSON)
    });
    if !is_json {
        return refuse(JsonPayloadError::ContentType);
    }
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = declared.filter(|length| *length > limit) {
        return refuse(JsonPayloadError::OverflowKnownLength { length, limit });
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(1024).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => return refuse(JsonPayloadError::Payload(e)),
        };
        if body.len() + chunk.len() > limit {
            return refuse(JsonPayloadError::Overflow { limit });
        }
        body.extend_from_slice(&chunk);
    }
    refuse_control_characters_in_json(&body)?;
    match serde_json::from_slice::<T>(&body) {
        Ok(value) => Ok(value),
        Err(e) => refuse(JsonPayloadError::Deserialize(e)),
    }
}

/// 400 naming the field when a string in the raw JSON `body` carries a control character.
pub fn refuse_control_characters_in_json(body: &[u8]) -> Result<(), ApiError> {
    if !text::json_has_refused_escape(body) {
        return Ok(());
    }
    let field = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| text::path_of_refused_text(&value))
        .filter(|path| !path.is_empty())
        .unwrap_or_else(|| "body".into());
    Err(ApiError::invalid(field, text::REFUSED_MESSAGE))
}

/// Refuses a request whose path or query string, percent-decoded, carries a control
/// character: 400 naming the query parameter (or `path`). Handlers and the database never see
/// such a value.
pub async fn refuse_control_characters(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(field) = field_with_control_character(req.uri()) {
        let error = ApiError::invalid(field, text::REFUSED_MESSAGE);
        return Ok(req.into_response(error.error_response()));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

fn field_with_control_character(uri: &actix_web::http::Uri) -> Option<String> {
    let refused = |bytes: &[u8]| {
        bytes
            .iter()
            .any(|b| text::is_refused_in_url(char::from(*b)))
    };
    let path = percent_encoding::percent_decode_str(uri.path()).collect::<Vec<u8>>();
    if refused(&path) {
        return Some("path".into());
    }
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes()).find_map(|(key, value)| {
        (refused(key.as_bytes()) || refused(value.as_bytes())).then(|| {
            key.chars()
                .filter(|c| !text::is_refused_in_url(*c))
                .collect()
        })
    })
}

/// PATCH bodies must tell a field left out (keep the value) from a field sent as `null` (clear
/// it); serde alone reads both as `None`. For an `Option<Option<T>>` field with `#[serde(default, deserialize_with = "present_or_null")]`:
/// left out is `None`, `null` is `Some(None)`, a value is `Some(Some(value))`.
pub fn present_or_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(uri: &str) -> Option<String> {
        field_with_control_character(&uri.parse().unwrap())
    }

    #[test]
    fn control_characters_in_the_query_name_their_parameter() {
        assert_eq!(
            field("/audit?resource_type=a%00b").as_deref(),
            Some("resource_type")
        );
        assert_eq!(
            field("/audit?limit=5&cursor=%0A").as_deref(),
            Some("cursor")
        );
        assert_eq!(field("/employees/%00").as_deref(), Some("path"));
    }

    #[test]
    fn ordinary_urls_pass() {
        assert_eq!(field("/absences?status=open&from=2026-01-01"), None);
        assert_eq!(field("/employees/by-external-id/P%20123%C3%A9"), None);
        assert_eq!(field("/health"), None);
    }
}
