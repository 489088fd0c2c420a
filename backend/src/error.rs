//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.
//!
//! Each variant has its own status and a stable `type` URI (relative, documented in README);
//! unexpected failures are logged with their cause inside the request's span (which carries the
//! request id) and answered with a body that reveals nothing.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The JSON field (dotted path for nested values, `file` for uploads).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The 401 every authenticated operation documents: no, invalid, expired or revoked token
/// (`WWW-Authenticate` says which), as problem+json.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 401,
    description = "Missing, invalid, expired or revoked token (see `WWW-Authenticate`)",
    content_type = "application/problem+json"
)]
pub struct Unauthorized(
    // Never built: the type only tells utoipa the response's schema.
    #[allow(dead_code)] Problem,
);

/// The problem responses routes share, so that a route's response list is a line of names:
/// `responses((status = 200, body = X), Invalid, Unauthorized, NotFound)`. Each documents
/// the problem+json body; the route's own description, where it says more, stays written out.
macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident => $status:literal, $description:literal;)*) => {$(
        $(#[$doc])*
        #[derive(utoipa::IntoResponses)]
        #[response(status = $status, description = $description, content_type = "application/problem+json")]
        pub struct $name(
            // Never built: the type only tells utoipa the response's schema.
            #[allow(dead_code)] Problem,
        );
    )*};
}

problem_responses! {
    /// Invalid input: `errors` lists each field.
    Invalid => 400, "Invalid input; `errors` names each field that is wrong";
    /// The token lacks the route's scope.
    Forbidden => 403, "The token does not carry the scope this operation needs";
    /// A client of the other kind of party: an employer's where an arbodienst's is needed.
    OtherParty => 403, "The token is an employer's client's; this operation is for an arbodienst's clients";
    /// Unknown, or another employer's: the two answer alike.
    NotFound => 404, "No such resource for this caller: unknown, used up, or another party's (they answer alike)";
    /// The change conflicts with the current state.
    Conflict => 409, "The change conflicts with the resource's current state";
    /// Not the media type the route reads.
    UnsupportedMediaType => 415, "The body is not of a media type this operation reads";
    /// The link or resource existed but can no longer be used.
    Gone => 410, "The link expired or was voided: ask for a new one";
    /// Over a size limit.
    PayloadTooLarge => 413, "The body (or the file, or the number of rows) is over its limit";
    /// A `Range` outside the file.
    RangeNotSatisfiable => 416, "The range lies outside the file (`Content-Range: bytes */size`)";
    /// The per-IP limit of the sensitive routes, or a blocked login.
    TooManyRequests => 429, "Rate limited, or blocked after too many failed checks (`Retry-After`; `blocked_until` for a blocked login)";
    /// The action needs the password or a second factor confirmed in the last five minutes.
    StepUpRequired => 403, "Confirm it is you first (`/problems/step-up-required`): `POST /me/step-up`, then repeat the request within five minutes";
    /// A part the service depends on is down.
    ServiceUnavailable => 503, "The database is not reachable; try again later";
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the error kind, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For a blocked login: until when (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_until: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// No credentials, or credentials that are not (or no longer) valid.
    #[error("unauthorized: {detail}")]
    Unauthorized {
        detail: String,
        /// The `WWW-Authenticate` challenge to send back.
        challenge: String,
    },
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// A `Range` outside the file; answered with `Content-Range: bytes */{size}`.
    #[error("range not satisfiable (size {size})")]
    RangeNotSatisfiable { size: u64 },
    #[error("service unavailable: {0}")]
    ServiceUnavailable(String),
    /// The link (invitation, reset) existed but can no longer be used.
    #[error("gone: {0}")]
    Gone(String),
    /// Identity answers that do not match; never says which field was wrong.
    #[error("identity check failed")]
    IdentityMismatch,
    #[error("invalid credentials")]
    InvalidCredentials,
    /// A wrong or reused second-factor code at `/auth/mfa`, or an `mfa_token` that is no longer
    /// valid.
    #[error("invalid second factor")]
    InvalidSecondFactor(String),
    /// The `mfa_token` expired (5 minutes) or its login step was completed: start again with
    /// the password.
    #[error("mfa token expired")]
    MfaTokenExpired,
    /// The token reaches only the enrolment routes until a second factor is set up.
    #[error("second factor enrolment required")]
    MfaEnrolmentRequired,
    /// A sensitive change and no password or second factor confirmed in the last five minutes.
    #[error("step-up required")]
    StepUpRequired,
    /// Blocked (lockout) or rate limited; `retry_after` in seconds.
    #[error("too many requests: {detail}")]
    TooManyRequests {
        detail: String,
        retry_after: u64,
        blocked_until: Option<chrono::DateTime<chrono::Utc>>,
    },
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn internal(cause: anyhow::Error) -> Self {
        ApiError::Internal(cause)
    }

    pub fn database_unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "database unavailable");
        ApiError::ServiceUnavailable("The database is not reachable; try again shortly.".into())
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn bearer_challenge(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        ApiError::Unauthorized {
            challenge: format!(
                "Bearer realm=\"verzuim\", error=\"invalid_token\", error_description=\"{}\"",
                detail.replace('"', "'")
            ),
            detail,
        }
    }

    pub fn missing_bearer() -> Self {
        ApiError::Unauthorized {
            detail: "This endpoint needs a Bearer access token.".into(),
            challenge: "Bearer realm=\"verzuim\"".into(),
        }
    }

    fn kind_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::Validation(_) => ("validation", "Invalid input"),
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Unauthorized { .. } => ("unauthorized", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Not allowed"),
            ApiError::NotFound => ("not-found", "Not found"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::RangeNotSatisfiable { .. } => {
                ("range-not-satisfiable", "Range not satisfiable")
            }
            ApiError::ServiceUnavailable(_) => ("service-unavailable", "Service unavailable"),
            ApiError::Gone(_) => ("gone", "No longer valid"),
            ApiError::IdentityMismatch => ("identity-mismatch", "Details do not match"),
            ApiError::InvalidCredentials => ("invalid-credentials", "Login failed"),
            ApiError::InvalidSecondFactor(_) => ("invalid-second-factor", "Login failed"),
            ApiError::MfaTokenExpired => ("mfa-token-expired", "Login step expired"),
            ApiError::MfaEnrolmentRequired => (
                "mfa-enrolment-required",
                "Two-step login must be set up first",
            ),
            ApiError::StepUpRequired => ("step-up-required", "Confirm it is you"),
            ApiError::TooManyRequests {
                blocked_until: Some(_),
                ..
            } => ("login-blocked", "Login blocked"),
            ApiError::TooManyRequests { .. } => ("rate-limited", "Too many requests"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (kind, title) = self.kind_and_title();
        let detail = match self {
            ApiError::Validation(errors) => match errors.as_slice() {
                [only] => format!("{}: {}", only.field, only.message),
                _ => format!("{} fields are invalid.", errors.len()),
            },
            ApiError::NotFound => "The requested resource does not exist.".into(),
            ApiError::Internal(_) => {
                "Something went wrong on our side. It has been logged; quote the x-request-id header when you report it.".into()
            }
            ApiError::Unauthorized { detail, .. } => detail.clone(),
            ApiError::IdentityMismatch => {
                "The e-mail address and date of birth do not match our records.".into()
            }
            ApiError::InvalidCredentials => "The e-mail address or password is incorrect.".into(),
            ApiError::MfaEnrolmentRequired => "Your employer requires two-step login: set up an authenticator app (POST /api/v1/me/mfa/totp) or a passkey (POST /api/v1/me/passkeys/register/start) before anything else.".into(),
            ApiError::StepUpRequired => "Enter your password or a second factor again (POST /api/v1/me/step-up), then repeat this within five minutes.".into(),
            ApiError::InvalidSecondFactor(detail) => detail.clone(),
            ApiError::MfaTokenExpired => {
                "This login step has expired or was completed; enter your password again.".into()
            }
            ApiError::RangeNotSatisfiable { size } => {
                format!("The requested range is not within the document's {size} bytes.")
            }
            ApiError::TooManyRequests { detail, .. } | ApiError::Gone(detail) => detail.clone(),
            ApiError::BadRequest(detail)
            | ApiError::Forbidden(detail)
            | ApiError::Conflict(detail)
            | ApiError::PayloadTooLarge(detail)
            | ApiError::UnsupportedMediaType(detail)
            | ApiError::ServiceUnavailable(detail) => detail.clone(),
        };
        Problem {
            kind: format!("/problems/{kind}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail,
            errors: match self {
                ApiError::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
            blocked_until: match self {
                ApiError::TooManyRequests { blocked_until, .. } => *blocked_until,
                _ => None,
            },
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => ApiError::NotFound,
            other => ApiError::Internal(other.into()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::IdentityMismatch => StatusCode::BAD_REQUEST,
            ApiError::InvalidCredentials
            | ApiError::InvalidSecondFactor(_)
            | ApiError::MfaTokenExpired => StatusCode::UNAUTHORIZED,
            ApiError::MfaEnrolmentRequired | ApiError::StepUpRequired => StatusCode::FORBIDDEN,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            // Logged inside the request span, so the line carries the request id.
            tracing::error!(error = %format!("{cause:#}"), "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let ApiError::Unauthorized { challenge, .. } = self {
            if let Ok(value) = HeaderValue::from_str(challenge) {
                response.insert_header((header::WWW_AUTHENTICATE, value));
            }
        }
        if let ApiError::TooManyRequests { retry_after, .. } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        if let ApiError::RangeNotSatisfiable { size } = self {
            response.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
        }
        response.json(self.problem())
    }
}

/// actix's own extractor errors answer in the same problem+json form as ours.
pub mod extractors {
    use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};

    use super::*;

    pub fn json_error(error: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
        let api_error = match &error {
            JsonPayloadError::ContentType => {
                ApiError::UnsupportedMediaType("Send the body as application/json.".into())
            }
            JsonPayloadError::OverflowKnownLength { limit, .. }
            | JsonPayloadError::Overflow { limit } => {
                ApiError::PayloadTooLarge(format!("The body is larger than {limit} bytes."))
            }
            JsonPayloadError::Deserialize(e) => deserialize_problem(e),
            other => ApiError::BadRequest(format!("The body could not be read: {other}")),
        };
        api_error.into()
    }

    /// serde's message names the field for unknown fields, missing fields and wrong types;
    /// we pass it on since it describes only the caller's own input.
    fn deserialize_problem(error: &serde_json::Error) -> ApiError {
        use serde_json::error::Category;
        match error.classify() {
            Category::Data => ApiError::Validation(vec![FieldError::new(
                field_from_serde_message(&error.to_string()).unwrap_or_else(|| "body".into()),
                strip_position(&error.to_string()),
            )]),
            _ => ApiError::BadRequest(format!(
                "The body is not valid JSON: {}",
                strip_position(&error.to_string())
            )),
        }
    }

    fn strip_position(message: &str) -> String {
        match message.rfind(" at line ") {
            Some(at) => message[..at].to_string(),
            None => message.to_string(),
        }
    }

    /// Picks the field name out of serde's "unknown field `x`" / "missing field `x`".
    fn field_from_serde_message(message: &str) -> Option<String> {
        let start = message.find('`')? + 1;
        let end = start + message[start..].find('`')?;
        let name = &message[start..end];
        (message.starts_with("unknown field") || message.starts_with("missing field"))
            .then(|| name.to_string())
    }

    pub fn form_error(error: UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
        let api_error = match &error {
            UrlencodedError::ContentType => ApiError::UnsupportedMediaType(
                "Send the body as application/x-www-form-urlencoded.".into(),
            ),
            UrlencodedError::Overflow { limit, .. } => {
                ApiError::PayloadTooLarge(format!("The body is larger than {limit} bytes."))
            }
            other => ApiError::BadRequest(format!("The form body could not be read: {other}")),
        };
        api_error.into()
    }

    pub fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
        ApiError::BadRequest(format!("The query string is not valid: {error}")).into()
    }

    pub fn path_error(error: PathError, _req: &HttpRequest) -> actix_web::Error {
        // A malformed id cannot name anything that exists.
        let _ = error;
        ApiError::NotFound.into()
    }
}
