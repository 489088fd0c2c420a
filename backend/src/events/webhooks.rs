//! Webhook endpoints (`GET|POST /webhooks`, `DELETE /webhooks/{id}`,
//! `GET /webhooks/{id}/deliveries`, scope `webhooks:manage`) and their signed delivery
//! (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`).
//!
//! **Private addresses.** A webhook URL must be `http` or `https`. Unless
//! `VERZUIM_WEBHOOK_ALLOW_PRIVATE=true`, endpoints on loopback, private (RFC 1918, fc00::/7),
//! link-local (169.254/16 — cloud metadata — and fe80::/10), CGNAT, unspecified or `localhost`
//! addresses are refused: an IP literal when the webhook is created (400), and a host name
//! whose DNS answers include only such addresses when it is delivered (the request is never
//! sent; the attempt fails and is retried), so API clients cannot use the server to reach the
//! operator's internal network. Default: refused. Local development and the tests turn it on.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use actix_web::{delete, get, post, web, HttpResponse};
use base64::Engine;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::scopes::WebhooksManage;
use crate::auth::EmployerClient;
use crate::config::SettingsError;
use crate::db::schema::{webhook_attempts, webhooks};
use crate::db::{now, DbConnection};
use crate::error::{ApiError, FieldError, Problem, Unauthorized};
use crate::events::feed::{EventKind, WebhookDelivery};
use crate::startup::AppState;

/// Webhook delivery settings (README lists them).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `VERZUIM_WEBHOOK_ALLOW_PRIVATE` (default false): allow loopback/private endpoints.
    pub allow_private: bool,
    /// `VERZUIM_WEBHOOK_TIMEOUT_SECONDS` (default 15): the whole request, connect included.
    pub timeout: Duration,
    /// `VERZUIM_WEBHOOK_RETRY_SCHEDULE_MS`: the delays before the 2nd, 3rd, … attempt
    /// (comma-separated milliseconds); default the Standard Webhooks schedule 5 s, 5 min,
    /// 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. ±20 % jitter; given up when exhausted.
    pub retry_schedule: Vec<Duration>,
}

const STANDARD_SCHEDULE_SECS: [u64; 9] = [
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
];

impl WebhookSettings {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let invalid = |variable: &'static str, message: String| SettingsError { variable, message };
        let allow_private = match get("VERZUIM_WEBHOOK_ALLOW_PRIVATE") {
            None => false,
            Some(text) => text.trim().parse().map_err(|_| {
                invalid(
                    "VERZUIM_WEBHOOK_ALLOW_PRIVATE",
                    format!("`{text}` is not true or false"),
                )
            })?,
        };
        let timeout = match get("VERZUIM_WEBHOOK_TIMEOUT_SECONDS") {
            None => Duration::from_secs(15),
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=60).contains(s))
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    invalid(
                        "VERZUIM_WEBHOOK_TIMEOUT_SECONDS",
                        format!("`{text}` is not a number of seconds between 1 and 60"),
                    )
                })?,
        };
        let retry_schedule = match get("VERZUIM_WEBHOOK_RETRY_SCHEDULE_MS") {
            None => STANDARD_SCHEDULE_SECS
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            Some(text) => text
                .split(',')
                .map(|part| part.trim().parse::<u64>().map(Duration::from_millis))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    invalid(
                        "VERZUIM_WEBHOOK_RETRY_SCHEDULE_MS",
                        format!("`{text}` is not a comma-separated list of milliseconds"),
                    )
                })?,
        };
        Ok(WebhookSettings {
            allow_private,
            timeout,
            retry_schedule,
        })
    }
}

/// Whether `ip` is somewhere API clients must not make the server call by default.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Checks a webhook URL as given by a client.
fn parse_url(text: &str, allow_private: bool) -> Result<url::Url, FieldError> {
    let url = url::Url::parse(text.trim())
        .map_err(|_| FieldError::new("url", "must be an absolute http(s) URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FieldError::new("url", "must be an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldError::new("url", "must not carry credentials"));
    }
    let private = match url.host() {
        None => return Err(FieldError::new("url", "must name a host")),
        Some(url::Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if private && !allow_private {
        return Err(FieldError::new(
            "url",
            "must not point at a loopback, private or link-local address",
        ));
    }
    Ok(url)
}

/// A DNS resolver for deliveries that drops private answers unless they are allowed, so a
/// public-looking host name cannot lead the server into the internal network.
struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| !is_private(a.ip()))
                .collect();
            if addresses.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client of the deliverer: no redirects (a 3xx is a failed attempt), the timeout of
/// the settings, and the private-address rule above.
pub fn http_client(settings: &WebhookSettings) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Verzuim-Webhooks/", env!("CARGO_PKG_VERSION")));
    if !settings.allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
    }
    Ok(builder.build()?)
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the decoded secret.
pub fn sign(secret: &str, webhook_id: &str, timestamp: i64, body: &[u8]) -> anyhow::Result<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|e| anyhow::anyhow!("webhook secret is not base64: {e}"))?;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key)
        .map_err(|e| anyhow::anyhow!("webhook secret: {e}"))?;
    mac.update(format!("{webhook_id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The stored endpoint.
#[derive(Debug, Clone, Queryable)]
pub struct WebhookRow {
    pub id: String,
    pub employer_id: String,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where to POST the events: http(s) only.
    #[schema(example = "https://hr.example.nl/hooks/verzuim")]
    pub url: String,
    /// The event types to receive, at least one: `employee.invited`, `absence.reported`,
    /// `absence.partially_recovered`, `absence.recovered`, `absence.cancelled`,
    /// `absence.corrected`, `document.published`.
    pub events: Vec<String>,
}

/// A webhook endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Set when the endpoint answered 410 Gone; it receives nothing more.
    pub disabled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The signing secret (`whsec_<base64>`): only in the answer to the creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookResponse {
    fn new(row: WebhookRow, with_secret: bool) -> Self {
        WebhookResponse {
            events: row.events.split_whitespace().map(str::to_string).collect(),
            secret: with_secret.then_some(row.secret),
            id: row.id,
            url: row.url,
            created_at: row.created_at.and_utc(),
            disabled_at: row.disabled_at.map(|t| t.and_utc()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookResponse>,
}

fn find(conn: &mut DbConnection, employer_id: &str, id: &str) -> Result<WebhookRow, ApiError> {
    Ok(webhooks::table
        .filter(webhooks::id.eq(id))
        .filter(webhooks::employer_id.eq(employer_id))
        .filter(webhooks::deleted_at.is_null())
        .first(conn)?)
}

/// The employer's webhook endpoints, oldest first (without their secrets).
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = "webhooks",
    security(("employer_oauth" = ["webhooks:manage"])),
    responses(
        (status = 200, body = WebhookList),
        Unauthorized,
        (status = 403, description = "Token lacks webhooks:manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list(
    client: EmployerClient<WebhooksManage>,
    state: web::Data<AppState>,
) -> Result<web::Json<WebhookList>, ApiError> {
    let rows: Vec<WebhookRow> = state
        .db
        .run(move |conn| {
            Ok(webhooks::table
                .filter(webhooks::employer_id.eq(&client.employer_id))
                .filter(webhooks::deleted_at.is_null())
                .order((webhooks::created_at.asc(), webhooks::id.asc()))
                .load(conn)?)
        })
        .await?;
    Ok(web::Json(WebhookList {
        items: rows
            .into_iter()
            .map(|r| WebhookResponse::new(r, false))
            .collect(),
    }))
}

/// Subscribe an endpoint to event types. The answer carries the signing secret, once.
#[utoipa::path(
    operation_id = "create_webhook",
    tag = "webhooks",
    security(("employer_oauth" = ["webhooks:manage"])),
    request_body = WebhookInput,
    responses(
        (status = 201, body = WebhookResponse),
        (status = 400, description = "Not an http(s) URL, a private address, no or unknown event types", body = Problem, content_type = "application/problem+json"),
        Unauthorized,
        (status = 403, description = "Token lacks webhooks:manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create(
    client: EmployerClient<WebhooksManage>,
    body: crate::web::input::Json<WebhookInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let mut errors = Vec::new();
    let url = parse_url(&input.url, state.settings.webhooks.allow_private)
        .map_err(|e| errors.push(e))
        .ok();
    if input.events.is_empty() {
        errors.push(FieldError::new("events", "name at least one event type"));
    }
    let mut kinds: Vec<&'static str> = Vec::new();
    for (index, name) in input.events.iter().enumerate() {
        match EventKind::parse(name) {
            Some(kind) if !kinds.contains(&kind.as_str()) => kinds.push(kind.as_str()),
            Some(_) => {}
            None => errors.push(FieldError::new(
                format!("events.{index}"),
                format!("`{name}` is not a known event type"),
            )),
        }
    }
    let url = match url {
        Some(url) if errors.is_empty() => url,
        _ => return Err(ApiError::Validation(errors)),
    };
    let row = WebhookRow {
        id: uuid::Uuid::new_v4().to_string(),
        employer_id: client.employer_id,
        url: url.to_string(),
        events: kinds.join(" "),
        secret: new_secret(),
        created_at: now(),
        disabled_at: None,
        deleted_at: None,
    };
    let stored = row.clone();
    state
        .db
        .run(move |conn| {
            diesel::insert_into(webhooks::table)
                .values((
                    webhooks::id.eq(&stored.id),
                    webhooks::employer_id.eq(&stored.employer_id),
                    webhooks::url.eq(&stored.url),
                    webhooks::events.eq(&stored.events),
                    webhooks::secret.eq(&stored.secret),
                    webhooks::created_at.eq(stored.created_at),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/webhooks/{}", row.id),
        ))
        .json(WebhookResponse::new(row, true)))
}

/// Remove an endpoint: nothing more is delivered to it, deliveries still queued are dropped.
#[utoipa::path(
    tag = "webhooks",
    security(("employer_oauth" = ["webhooks:manage"])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 204, description = "Removed"),
        Unauthorized,
        (status = 403, description = "Token lacks webhooks:manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook for this employer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn remove(
    client: EmployerClient<WebhooksManage>,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db
        .run(move |conn| {
            let updated = diesel::update(
                webhooks::table
                    .filter(webhooks::id.eq(&id))
                    .filter(webhooks::employer_id.eq(&client.employer_id))
                    .filter(webhooks::deleted_at.is_null()),
            )
            .set(webhooks::deleted_at.eq(Some(now())))
            .execute(conn)?;
            if updated == 0 {
                return Err(ApiError::NotFound);
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Page size, 1–200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct DeliveryAttempt {
    #[serde(skip)]
    pub row_id: i64,
    /// The `webhook-id` header: the same on every attempt of one event.
    pub webhook_message_id: String,
    #[schema(format = Uuid)]
    pub event_id: String,
    pub event_type: String,
    /// 1 for the first attempt of this event, 2 for the first retry, …
    pub attempt: i32,
    #[serde(skip)]
    pub attempted: NaiveDateTime,
    /// The endpoint's HTTP status; null when no answer came (connection error, timeout).
    pub status_code: Option<i32>,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
    pub duration_ms: i64,
    pub succeeded: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttemptView {
    #[serde(flatten)]
    pub attempt: DeliveryAttempt,
    pub attempted_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest attempt first.
    pub items: Vec<DeliveryAttemptView>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The delivery attempts to one endpoint, newest first.
#[utoipa::path(
    tag = "webhooks",
    security(("employer_oauth" = ["webhooks:manage"])),
    params(("id" = String, Path, format = Uuid), DeliveriesQuery),
    responses(
        (status = 200, body = DeliveryPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        Unauthorized,
        (status = 403, description = "Token lacks webhooks:manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook for this employer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    client: EmployerClient<WebhooksManage>,
    id: web::Path<String>,
    query: web::Query<DeliveriesQuery>,
    state: web::Data<AppState>,
) -> Result<web::Json<DeliveryPage>, ApiError> {
    let limit = page_limit(query.limit)?;
    let before = match query.cursor.as_deref() {
        None => i64::MAX,
        Some(text) => text
            .parse::<i64>()
            .map_err(|_| ApiError::invalid("cursor", "is not a cursor this API returned"))?,
    };
    let id = id.into_inner();
    let rows: Vec<DeliveryAttempt> = state
        .db
        .run(move |conn| {
            find(conn, &client.employer_id, &id)?;
            Ok(webhook_attempts::table
                .select((
                    webhook_attempts::id,
                    webhook_attempts::delivery_id,
                    webhook_attempts::event_id,
                    webhook_attempts::event_type,
                    webhook_attempts::attempt,
                    webhook_attempts::attempted_at,
                    webhook_attempts::status_code,
                    webhook_attempts::error,
                    webhook_attempts::duration_ms,
                    webhook_attempts::succeeded,
                ))
                .filter(webhook_attempts::webhook_id.eq(&id))
                .filter(webhook_attempts::id.lt(before))
                .order(webhook_attempts::id.desc())
                .limit(limit + 1)
                .load(conn)?)
        })
        .await?;
    let (items, next_cursor) = split_page(rows, limit, |r| r.row_id);
    Ok(web::Json(DeliveryPage {
        items: items
            .into_iter()
            .map(|attempt| DeliveryAttemptView {
                attempted_at: attempt.attempted.and_utc(),
                attempt,
            })
            .collect(),
        next_cursor: next_cursor.map(|c| c.to_string()),
    }))
}

/// Checks a `limit` query parameter: 1–200, 50 when left out.
pub fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 200"));
    }
    Ok(limit)
}

/// Rows loaded with `limit + 1`: the page, and the cursor of its last row when more follow.
pub fn split_page<T>(
    mut rows: Vec<T>,
    limit: i64,
    cursor: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<i64>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(cursor);
        (rows, next)
    } else {
        (rows, None)
    }
}

/// What one delivery attempt came to.
#[derive(Debug)]
pub enum Outcome {
    Delivered,
    /// 410 Gone: the endpoint is disabled, the delivery given up.
    Gone,
    /// Retry no earlier than after `retry_after` when the endpoint said so (429/503).
    Failed {
        error: String,
        retry_after: Option<Duration>,
    },
    /// Cannot ever succeed (endpoint removed or disabled, unreadable payload).
    Dropped(String),
}

/// Sends one attempt of `delivery` (outbox row `delivery_id`, attempt number `attempt`) and
/// records it in `webhook_attempts`.
pub async fn deliver(
    db: &crate::db::Db,
    http: &reqwest::Client,
    delivery_id: &str,
    attempt: i32,
    payload: &str,
) -> Outcome {
    let delivery: WebhookDelivery = match serde_json::from_str(payload) {
        Ok(d) => d,
        Err(e) => return Outcome::Dropped(format!("payload is not a webhook delivery: {e}")),
    };
    let webhook_id = delivery.webhook_id.clone();
    let endpoint = match db
        .run(move |conn| {
            Ok(webhooks::table
                .filter(webhooks::id.eq(&webhook_id))
                .first::<WebhookRow>(conn)
                .optional()?)
        })
        .await
    {
        Ok(Some(row)) => row,
        Ok(None) => return Outcome::Dropped("the webhook no longer exists".into()),
        Err(e) => {
            return Outcome::Failed {
                error: format!("cannot read the webhook: {e}"),
                retry_after: None,
            }
        }
    };
    if endpoint.deleted_at.is_some() {
        return Outcome::Dropped("the webhook was removed".into());
    }
    if endpoint.disabled_at.is_some() {
        return Outcome::Dropped("the webhook is disabled (it answered 410 Gone)".into());
    }
    let body = serde_json::json!({
        "type": delivery.kind,
        "timestamp": delivery.timestamp,
        "data": delivery.data,
    })
    .to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let signature = match sign(&endpoint.secret, delivery_id, timestamp, body.as_bytes()) {
        Ok(s) => s,
        Err(e) => return Outcome::Dropped(format!("{e:#}")),
    };
    let started = std::time::Instant::now();
    let sent = http
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", delivery_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status, outcome) = match sent {
        Ok(response) => {
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let outcome = if status.is_success() {
                Outcome::Delivered
            } else if status == reqwest::StatusCode::GONE {
                Outcome::Gone
            } else {
                Outcome::Failed {
                    error: format!("the endpoint answered {status}"),
                    retry_after: matches!(status.as_u16(), 429 | 503)
                        .then_some(retry_after)
                        .flatten(),
                }
            };
            (Some(i32::from(status.as_u16())), outcome)
        }
        Err(e) => (
            None,
            Outcome::Failed {
                error: describe(&e),
                retry_after: None,
            },
        ),
    };
    let (succeeded, error) = match &outcome {
        Outcome::Delivered => (true, None),
        Outcome::Gone => (false, Some("410 Gone: endpoint disabled".to_string())),
        Outcome::Failed { error, .. } | Outcome::Dropped(error) => (false, Some(error.clone())),
    };
    let gone = matches!(outcome, Outcome::Gone);
    let delivery_id = delivery_id.to_string();
    let recorded = db
        .run(move |conn| {
            let at = now();
            crate::db::write_transaction(conn, |conn| {
                diesel::insert_into(webhook_attempts::table)
                    .values((
                        webhook_attempts::webhook_id.eq(&endpoint.id),
                        webhook_attempts::delivery_id.eq(&delivery_id),
                        webhook_attempts::event_id.eq(&delivery.event_id),
                        webhook_attempts::event_type.eq(&delivery.kind),
                        webhook_attempts::attempt.eq(attempt),
                        webhook_attempts::attempted_at.eq(at),
                        webhook_attempts::status_code.eq(status),
                        webhook_attempts::error.eq(error),
                        webhook_attempts::duration_ms.eq(duration_ms),
                        webhook_attempts::succeeded.eq(succeeded),
                    ))
                    .execute(conn)?;
                if gone {
                    diesel::update(webhooks::table.find(&endpoint.id))
                        .set(webhooks::disabled_at.eq(Some(at)))
                        .execute(conn)?;
                }
                Ok(())
            })
        })
        .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "webhook: cannot record the attempt");
    }
    outcome
}

/// `Retry-After` as seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
}

/// An error without the URL's query (which may carry a token of the receiver).
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // From the Standard Webhooks reference test vectors.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        let later = (chrono::Utc::now() + chrono::TimeDelta::seconds(90)).to_rfc2822();
        let parsed = parse_retry_after(&later).unwrap();
        assert!(parsed > Duration::from_secs(80) && parsed <= Duration::from_secs(90));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "0.0.0.0",
            "100.64.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2a00:1450::1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked() {
        assert!(parse_url("ftp://example.nl/x", true).is_err());
        assert!(parse_url("not a url", true).is_err());
        assert!(parse_url("http://127.0.0.1:9/x", false).is_err());
        assert!(parse_url("http://localhost/x", false).is_err());
        assert!(parse_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(parse_url("https://hr.example.nl/hook", false).is_ok());
    }
}
