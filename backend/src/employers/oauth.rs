//! `POST /api/v1/oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4), with
//! its own error format (§5.2) rather than problem+json, because OAuth client libraries
//! expect it.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use base64::Engine;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::models::ApiClient;
use crate::auth::{constant_time_eq, secret_digest, RateLimited, ScopeSet};
use crate::db::schema::api_clients;
use crate::error::{ApiError, TooManyRequests};
use crate::state::AppState;

/// The one grant this endpoint speaks (documents `grant_type`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    ClientCredentials,
}

/// The RFC 6749 §5.2 error codes this endpoint answers with (documents `error`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidScope,
    UnsupportedGrantType,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(required = true, value_type = GrantType)]
    pub grant_type: Option<String>,
    /// Omit when sending the credentials with HTTP Basic.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space-separated; must be a subset of the client's scopes. Omitted: all of them.
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub scope: String,
}

/// RFC 6749 §5.2 error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    #[schema(value_type = OAuthErrorCode)]
    pub error: &'static str,
    pub error_description: String,
}

struct TokenError {
    status: actix_web::http::StatusCode,
    error: &'static str,
    description: String,
    basic_challenge: bool,
}

impl TokenError {
    fn bad(error: &'static str, description: impl Into<String>) -> Self {
        TokenError {
            status: actix_web::http::StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
            basic_challenge: false,
        }
    }

    fn invalid_client(used_basic: bool) -> Self {
        TokenError {
            status: actix_web::http::StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "Unknown client, wrong secret, or revoked client.".into(),
            basic_challenge: used_basic,
        }
    }

    fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        if self.basic_challenge {
            response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"verzuim\""));
        }
        response.json(OAuthError {
            error: self.error,
            error_description: self.description,
        })
    }
}

/// Fetch an access token for the employer API.
///
/// Form-encoded `grant_type=client_credentials`, with the client id and secret in the body or
/// as HTTP Basic. Ask for fewer scopes with `scope`. Errors answer in RFC 6749 form (`{"error":
/// "invalid_client"}`).
#[utoipa::path(
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Token issued", body = TokenResponse),
        (status = 400, description = "invalid_request, invalid_scope or unsupported_grant_type", body = OAuthError),
        (status = 401, description = "invalid_client", body = OAuthError),
        TooManyRequests,
    )
)]
#[post("/oauth/token")]
pub async fn issue_token(
    _rate_limited: RateLimited,
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    match grant(&req, &body, &state).await {
        Ok(response) => Ok(response),
        Err(Ok(token_error)) => Ok(token_error.into_response()),
        Err(Err(api_error)) => Err(api_error),
    }
}

async fn grant(
    req: &HttpRequest,
    body: &[u8],
    state: &AppState,
) -> Result<HttpResponse, Result<TokenError, ApiError>> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(Ok(TokenError::bad(
            "invalid_request",
            "Send the request as application/x-www-form-urlencoded.",
        )));
    }
    let form: TokenRequest = serde_urlencoded::from_bytes(body).map_err(|e| {
        Ok(TokenError::bad(
            "invalid_request",
            format!("Malformed form body: {e}"),
        ))
    })?;
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(other) => {
            return Err(Ok(TokenError::bad(
                "unsupported_grant_type",
                format!("Grant type `{other}` is not supported; use client_credentials."),
            )))
        }
        None => {
            return Err(Ok(TokenError::bad(
                "invalid_request",
                "grant_type is missing.",
            )))
        }
    }

    let basic = basic_credentials(req);
    let used_basic = basic.is_some();
    let (client_id, client_secret) = match (basic, form.client_id, form.client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(Ok(TokenError::bad(
                "invalid_request",
                "Send the client credentials either with HTTP Basic or in the body, not both.",
            )))
        }
        (Some(Some(pair)), None, None) => pair,
        (Some(None), None, None) => return Err(Ok(TokenError::invalid_client(true))),
        (None, Some(id), Some(secret)) => (id, secret),
        (None, _, _) => {
            return Err(Ok(TokenError::bad(
                "invalid_request",
                "client_id and client_secret are required.",
            )))
        }
    };

    // Client ids are UUIDs: anything else (a NUL, a megabyte) names no client and never
    // reaches the database.
    if uuid::Uuid::try_parse(&client_id).is_err() || client_secret.len() > 256 {
        return Err(Ok(TokenError::invalid_client(used_basic)));
    }
    let lookup_id = client_id.clone();
    let client = state
        .db
        .run(move |conn| {
            Ok(api_clients::table
                .find(&lookup_id)
                .filter(api_clients::revoked_at.is_null())
                .select(ApiClient::as_select())
                .first(conn)
                .optional()?)
        })
        .await
        .map_err(Err)?;
    let presented = secret_digest(&client_secret);
    let client = match client {
        Some(c) if constant_time_eq(c.secret_hash.as_bytes(), presented.as_bytes()) => c,
        _ => return Err(Ok(TokenError::invalid_client(used_basic))),
    };

    let granted = ScopeSet::parse(&client.scopes).map_err(|s| {
        Err(ApiError::internal(anyhow::anyhow!(
            "client {} holds unknown scope {s}",
            client.id
        )))
    })?;
    let scope = match form
        .scope
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => granted,
        Some(requested) => match ScopeSet::parse(requested) {
            Ok(set) if set.is_subset_of(&granted) => set,
            Ok(_) => {
                return Err(Ok(TokenError::bad(
                    "invalid_scope",
                    "The requested scope exceeds what this client was granted.",
                )))
            }
            Err(unknown) => {
                return Err(Ok(TokenError::bad(
                    "invalid_scope",
                    format!("Unknown scope `{unknown}`."),
                )))
            }
        },
    };

    let party = client.party().ok_or_else(|| {
        Err(ApiError::internal(anyhow::anyhow!(
            "client {} belongs to no single party",
            client.id
        )))
    })?;
    let lifetime = state.settings.client_token_ttl;
    let access_token = state
        .tokens
        .issue_client_token(
            &client.id,
            &party,
            &scope.to_string(),
            client.token_generation,
            lifetime,
        )
        .map_err(|e| Err(ApiError::internal(e)))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: lifetime.as_secs(),
            scope: scope.to_string(),
        }))
}

/// `None`: no Basic header. `Some(None)`: a Basic header that cannot be decoded.
/// Per RFC 6749 §2.3.1 both parts are form-urlencoded inside the Basic credentials.
fn basic_credentials(req: &HttpRequest) -> Option<Option<(String, String)>> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    Some(decoded.and_then(|text| {
        let (id, secret) = text.split_once(':')?;
        let unescape = |s: &str| {
            url::form_urlencoded::parse(format!("v={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        Some((unescape(id)?, unescape(secret)?))
    }))
}
