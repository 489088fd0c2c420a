//! `Idempotency-Key` on the POSTs of the employer API (SPEC §3), as an actix middleware on the
//! `/api/v1` scope.
//!
//! It acts only on a `POST` that carries an `Idempotency-Key` header (1–255 printable ASCII
//! characters) and an employer-client Bearer token; employee and login calls pass untouched.
//! Keys are scoped per API client. Authorisation comes first: a revoked or rotated client
//! gets 401 before anything is replayed, and a replay needs the scope the handler demanded of
//! the first request (403 otherwise). A response is kept only when the handler authorised
//! its caller, and its body is sealed (see `auth::sealing`), so the `whsec_` secret of a
//! `POST /webhooks` is never readable in `idempotency_keys`; its replay repeats the secret to
//! the same client. The first request with a key is handled and its
//! response (status, `Content-Type`, `Location`, body) stored; a later request with the same key
//! and the same request (SHA-256 over method, path, query and body) gets that response replayed
//! byte for byte with `Idempotent-Replayed: true`; the same key with a different request answers
//! 422; a request arriving while the first is still being handled answers 409. Responses with a
//! 5xx status are not stored, so the client may retry with the same key. Keys are kept 24 hours
//! (the outbox worker deletes older ones; an older key found on the way is replaced).

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use diesel::prelude::*;
use futures_util::StreamExt;
use sha2::Digest;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::auth::employer_client::{authenticate, bearer_token, require_scope, AuthorisedFor};
use crate::auth::Scope;
use crate::db::schema::idempotency_keys;
use crate::db::{is_unique_violation, now, DbConnection};
use crate::error::ApiError;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
/// How long a key is remembered.
pub const KEEP: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// The largest body the middleware hashes (or the largest upload plus room for the multipart
/// framing, when uploads may be larger).
const MAX_BODY: u64 = 64 * 1024 * 1024;
/// Bodies up to this size are hashed in memory; larger ones (dossier uploads) are spooled to an
/// anonymous temporary file, so an upload with a key costs no more memory than one without and
/// leaves nothing on disk however the request ends.
const IN_MEMORY_BODY: usize = 256 * 1024;

/// A request body that was read once to hash it.
enum ReadBody {
    Memory(web::Bytes),
    Spooled(tokio::fs::File),
}

impl ReadBody {
    /// The body again, as the handler's payload.
    fn into_payload(self) -> actix_web::dev::Payload {
        match self {
            ReadBody::Memory(bytes) => actix_web::dev::Payload::from(bytes),
            ReadBody::Spooled(file) => {
                let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024)
                    .map(|chunk| chunk.map_err(actix_web::error::PayloadError::Io));
                actix_web::dev::Payload::Stream {
                    payload: Box::pin(stream),
                }
            }
        }
    }
}

/// Reads the whole payload into `hasher`, keeping it in memory while small and in a spool file
/// once larger; more than `limit` bytes answers 413.
async fn read_body(
    mut payload: actix_web::dev::Payload,
    hasher: &mut sha2::Sha256,
    limit: u64,
    spool_dir: &std::path::Path,
) -> Result<ReadBody, ApiError> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "A request with an Idempotency-Key may be at most {limit} bytes."
        ))
    };
    let spool_error = |e: std::io::Error| {
        ApiError::internal(anyhow::anyhow!(
            "idempotency: cannot spool the request: {e}"
        ))
    };
    let mut memory = web::BytesMut::new();
    let mut spool: Option<tokio::fs::File> = None;
    let mut total: u64 = 0;
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("The body could not be read: {e}.")))?;
        total += chunk.len() as u64;
        if total > limit {
            return Err(too_large());
        }
        hasher.update(&chunk);
        if spool.is_none() && memory.len() + chunk.len() > IN_MEMORY_BODY {
            let dir = spool_dir.to_path_buf();
            let file = tokio::task::spawn_blocking(move || {
                std::fs::create_dir_all(&dir)?;
                tempfile::tempfile_in(&dir)
            })
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("spool task failed: {e}")))?
            .map_err(spool_error)?;
            let mut file = tokio::fs::File::from_std(file);
            file.write_all(&memory).await.map_err(spool_error)?;
            memory.clear();
            spool = Some(file);
        }
        match spool.as_mut() {
            Some(file) => file.write_all(&chunk).await.map_err(spool_error)?,
            None => memory.extend_from_slice(&chunk),
        }
    }
    match spool {
        None => Ok(ReadBody::Memory(memory.freeze())),
        Some(mut file) => {
            file.flush().await.map_err(spool_error)?;
            file.seek(std::io::SeekFrom::Start(0))
                .await
                .map_err(spool_error)?;
            Ok(ReadBody::Spooled(file))
        }
    }
}

#[derive(Queryable)]
struct StoredKey {
    request_hash: String,
    status: Option<i32>,
    content_type: Option<String>,
    location: Option<String>,
    body: Option<Vec<u8>>,
    created_at: chrono::NaiveDateTime,
    required_scope: Option<String>,
}

/// A response kept for replay.
struct StoredResponse {
    status: u16,
    content_type: Option<String>,
    location: Option<String>,
    /// The scope the handler demanded of the first caller.
    required_scope: Option<Scope>,
    /// The body, sealed: it may carry a secret (the `whsec_` of `POST /webhooks`).
    sealed_body: Vec<u8>,
}

/// What a sealed body is bound to: the client and its key.
fn seal_context(client_id: &str, key: &str) -> Vec<u8> {
    format!("idempotency\n{client_id}\n{key}").into_bytes()
}

enum Begin {
    /// First use: handle the request, then store its response.
    Fresh,
    Replay(Box<StoredResponse>),
    /// The key belongs to a different request.
    Reused,
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::POST || !req.headers().contains_key(HEADER) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let token = bearer_token(req.request()).map(str::to_owned);
    if token
        .as_deref()
        .is_none_or(|t| state.tokens.verify_client_token(t).is_err())
    {
        // Not an employer client: the handler decides (employee routes, or a 401).
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    // Authorised before anything is replayed: a revoked or rotated client gets its 401 here,
    // as it would from the handler.
    let client = match authenticate(&state, token.as_deref().unwrap_or_default()).await {
        Ok(client) => client,
        Err(error) => return Ok(req.into_response(error.error_response())),
    };
    let client_id = client.client_id.clone();
    let key = match req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255)
    {
        Some(key) => key.to_string(),
        None => {
            let error = ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 printable ASCII characters",
            );
            return Ok(req.into_response(error.error_response()));
        }
    };

    // Hash the body, then hand it on to the handler unchanged.
    let limit = MAX_BODY.max(
        state
            .settings
            .documents
            .max_upload_bytes
            .saturating_add(1 << 20),
    );
    let spool_dir = state.storage.staging_dir().to_path_buf();
    let mut hasher = sha2::Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(req.uri().path().as_bytes());
    hasher.update(b"?");
    hasher.update(req.uri().query().unwrap_or_default().as_bytes());
    hasher.update(b"\n");
    let body = match read_body(req.take_payload(), &mut hasher, limit, &spool_dir).await {
        Ok(body) => body,
        Err(error) => return Ok(req.into_response(error.error_response())),
    };
    let request_hash = hex::encode(hasher.finalize());
    req.set_payload(body.into_payload());

    let begun = {
        let (client_id, key, request_hash) = (client_id.clone(), key.clone(), request_hash);
        state
            .db
            .run(move |conn| begin(conn, &client_id, &key, &request_hash))
            .await
    };
    match begun {
        Err(error) => return Ok(req.into_response(error.error_response())),
        Ok(Begin::Reused) => return Ok(req.into_response(key_reused())),
        Ok(Begin::Replay(stored)) => {
            let StoredResponse {
                status,
                content_type,
                location,
                required_scope,
                sealed_body,
            } = *stored;
            // The same client with a narrower token may not read what a wider one made.
            if let Err(error) = require_scope(&client.scopes, required_scope) {
                return Ok(req.into_response(error.error_response()));
            }
            let Some(body) = state
                .sealing
                .open(&seal_context(&client_id, &key), &sealed_body)
            else {
                // Sealed with another data key (it was changed): the response is lost, so
                // the key cannot be answered either way.
                return Ok(req.into_response(
                    ApiError::Conflict(
                        "The response to this Idempotency-Key can no longer be read; use a new key."
                            .into(),
                    )
                    .error_response(),
                ));
            };
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = HttpResponse::build(status);
            if let Some(content_type) = content_type {
                response.insert_header((header::CONTENT_TYPE, content_type));
            }
            if let Some(location) = location {
                response.insert_header((header::LOCATION, location));
            }
            response.insert_header(("idempotent-replayed", "true"));
            return Ok(req.into_response(response.body(body)));
        }
        Ok(Begin::Fresh) => {}
    }

    let result = next.call(req).await;
    let response = match result {
        Ok(response) => response,
        Err(error) => {
            forget(&state, client_id, key).await;
            return Err(error);
        }
    };
    let status = response.status();
    let authorised = response
        .request()
        .extensions()
        .get::<AuthorisedFor>()
        .copied();
    // Kept only when the handler authorised the caller (a 401 or 403 is nothing to replay)
    // and the failure was not ours (5xx: the client may retry with the same key).
    let Some(AuthorisedFor(required_scope)) = authorised.filter(|_| !status.is_server_error())
    else {
        forget(&state, client_id, key).await;
        return Ok(response.map_into_boxed_body());
    };
    let (request, response) = response.into_parts();
    let (head, body) = {
        let mut head = HttpResponse::build(response.status());
        for (name, value) in response.headers() {
            head.append_header((name.clone(), value.clone()));
        }
        (head, response.into_body())
    };
    let bytes = match to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            forget(&state, client_id, key).await;
            let error = ApiError::internal(anyhow::anyhow!("cannot read the response body"));
            return Ok(ServiceResponse::new(request, error.error_response()));
        }
    };
    let mut head = head;
    let rebuilt = head.body(bytes.clone());
    let content_type = header_text(rebuilt.headers().get(header::CONTENT_TYPE));
    let location = header_text(rebuilt.headers().get(header::LOCATION));
    let sealed_body = match state.sealing.seal(&seal_context(&client_id, &key), &bytes) {
        Ok(sealed) => sealed,
        Err(e) => {
            tracing::warn!(error = %e, "idempotency: cannot seal the response");
            forget(&state, client_id, key).await;
            return Ok(ServiceResponse::new(request, rebuilt));
        }
    };
    let stored = state
        .db
        .run(move |conn| {
            diesel::update(
                idempotency_keys::table
                    .filter(idempotency_keys::client_id.eq(&client_id))
                    .filter(idempotency_keys::idempotency_key.eq(&key)),
            )
            .set((
                idempotency_keys::status.eq(Some(i32::from(status.as_u16()))),
                idempotency_keys::content_type.eq(content_type),
                idempotency_keys::location.eq(location),
                idempotency_keys::body.eq(Some(sealed_body)),
                idempotency_keys::required_scope.eq(required_scope.map(Scope::as_str)),
            ))
            .execute(conn)?;
            Ok(())
        })
        .await;
    if let Err(e) = stored {
        tracing::warn!(error = %e, "idempotency: cannot store the response");
    }
    Ok(ServiceResponse::new(request, rebuilt))
}

fn header_text(value: Option<&HeaderValue>) -> Option<String> {
    value.and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Claims the key for this request, or finds what to answer instead.
fn begin(
    conn: &mut DbConnection,
    client_id: &str,
    key: &str,
    request_hash: &str,
) -> Result<Begin, ApiError> {
    for _ in 0..2 {
        let inserted = diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::client_id.eq(client_id),
                idempotency_keys::idempotency_key.eq(key),
                idempotency_keys::request_hash.eq(request_hash),
                idempotency_keys::created_at.eq(now()),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => return Ok(Begin::Fresh),
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
        let found: Option<StoredKey> = idempotency_keys::table
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::status,
                idempotency_keys::content_type,
                idempotency_keys::location,
                idempotency_keys::body,
                idempotency_keys::created_at,
                idempotency_keys::required_scope,
            ))
            .filter(idempotency_keys::client_id.eq(client_id))
            .filter(idempotency_keys::idempotency_key.eq(key))
            .first(conn)
            .optional()?;
        let Some(found) = found else { continue };
        if found.created_at < now() - KEEP {
            // Expired: forget it and claim the key afresh.
            delete_key(conn, client_id, key)?;
            continue;
        }
        if found.request_hash != request_hash {
            return Ok(Begin::Reused);
        }
        let Some(status) = found.status else {
            return Err(ApiError::Conflict(
                "A request with this Idempotency-Key is still being handled; retry shortly.".into(),
            ));
        };
        return Ok(Begin::Replay(Box::new(StoredResponse {
            status: u16::try_from(status).unwrap_or(200),
            content_type: found.content_type,
            location: found.location,
            // A scope this version does not know can be held by nobody.
            required_scope: match found.required_scope {
                None => None,
                Some(name) => Some(Scope::parse(&name).ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("stored unknown scope {name}"))
                })?),
            },
            sealed_body: found.body.unwrap_or_default(),
        })));
    }
    Err(ApiError::Conflict(
        "A request with this Idempotency-Key is being handled; retry shortly.".into(),
    ))
}

fn delete_key(conn: &mut DbConnection, client_id: &str, key: &str) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::client_id.eq(client_id))
            .filter(idempotency_keys::idempotency_key.eq(key)),
    )
    .execute(conn)
}

/// 422: the key belongs to another request. Not an [`ApiError`] variant because nothing else
/// in the API answers 422.
fn key_reused() -> HttpResponse {
    let problem = crate::error::Problem {
        kind: "/problems/idempotency-key-reused".into(),
        title: "Idempotency-Key reused".into(),
        status: 422,
        detail: "This Idempotency-Key was used for a different request; use a new key.".into(),
        errors: None,
        blocked_until: None,
    };
    HttpResponse::UnprocessableEntity()
        .insert_header((header::CONTENT_TYPE, crate::error::PROBLEM_JSON))
        .json(problem)
}

/// Releases a key whose request failed on our side, so a retry with it is handled afresh.
async fn forget(state: &AppState, client_id: String, key: String) {
    if let Err(e) = state
        .db
        .run(move |conn| Ok(delete_key(conn, &client_id, &key)?))
        .await
    {
        tracing::warn!(error = %e, "idempotency: cannot release the key");
    }
}

/// Deletes keys older than [`KEEP`]; the outbox worker calls it now and then.
pub fn delete_expired(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(now() - KEEP)))
        .execute(conn)
}
