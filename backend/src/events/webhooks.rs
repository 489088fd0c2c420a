//! Webhook endpoints (`GET|POST /webhooks`, `DELETE /webhooks/{id}`,
//! `GET /webhooks/{id}/deliveries`, scope `webhooks:manage`) and their signed delivery
//! (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`).
//!
//! **Forbidden destinations.** A webhook URL names a host an API client chooses, and the server
//! connects to it from inside the operator's network; unless `VERZUIM_WEBHOOK_ALLOW_PRIVATE=true`
//! (local development and the tests) it must not reach anything that is not the public
//! internet. One classifier, [`is_forbidden`], decides for every address; it unwraps the IPv4
//! address inside IPv4-mapped, -compatible and -translated IPv6, NAT64 and 6to4 addresses and
//! both addresses inside Teredo ones, because the kernel or a translator on the path turns those
//! back into the IPv4 address they carry. It is applied three times:
//!
//! - when the webhook is created: an IP literal it refuses, or a `localhost` name → 400 on `url`;
//! - at every connection, in the deliverer's DNS resolver: forbidden answers are dropped, and
//!   when none remain the attempt fails with `blocked_address` without connecting (the resolver
//!   hands the connector exactly the addresses it checked, so a rebinding DNS answer cannot
//!   slip in between check and connect);
//! - before every send to an IP-literal URL, which reqwest connects to without asking the
//!   resolver (the row may predate a stricter classifier or a changed setting).
//!
//! Deliveries ignore `HTTP(S)_PROXY`/`ALL_PROXY` (a proxy would resolve and connect for us,
//! unchecked) and follow no redirects (a 3xx to an internal address is a failed attempt).
//!
//! **What a failed attempt records.** Only a [`DeliveryError`] category, never the error text:
//! "connection refused" against "timed out" for a chosen host and port is a port scanner of the
//! operator's network. The category is all that reaches `webhook_attempts.error`, the outbox's
//! `last_error`, the deliveries API and the logs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
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
use crate::config::WebhookSettings;
use crate::db::schema::{webhook_attempts, webhooks};
use crate::db::{now, DbConnection};
use crate::error::{ApiError, FieldError, Problem, Unauthorized};
use crate::events::feed::{EventKind, WebhookDelivery};
use crate::state::AppState;

/// IPv4 networks no webhook may reach: not the public internet, or not reachable at all.
const FORBIDDEN_V4: [(Ipv4Addr, u8); 15] = [
    // "This network"; Linux connects 0.0.0.0 to the local host.
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    // Carrier-grade NAT, shared address space.
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    // Link-local, where cloud metadata services answer (169.254.169.254).
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    // IETF protocol assignments (DS-Lite, NAT64 discovery, …).
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    // Documentation (TEST-NET-1, -2, -3): nothing public answers there.
    (Ipv4Addr::new(192, 0, 2, 0), 24),
    (Ipv4Addr::new(198, 51, 100, 0), 24),
    (Ipv4Addr::new(203, 0, 113, 0), 24),
    // The deprecated 6to4 relay anycast.
    (Ipv4Addr::new(192, 88, 99, 0), 24),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    // Benchmarking, used inside data centres.
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    // Reserved, with the limited broadcast 255.255.255.255.
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// IPv6 networks no webhook may reach; the ones that carry an IPv4 address are in
/// [`embedded_ipv4`] instead.
const FORBIDDEN_V6: [(Ipv6Addr, u8); 10] = [
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::LOCALHOST, 128),
    // Local-use NAT64 (RFC 8215): where the IPv4 address sits depends on a prefix length only
    // the local operator knows, and it is never globally routed, so all of it.
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48),
    // Discard-only.
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),
    // Benchmarking.
    (Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0), 48),
    // Documentation (RFC 3849, RFC 9637).
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),
    // Unique local, deprecated site-local, link-local, multicast.
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
];

/// Whether API clients must not make the server connect to `ip`: loopback, private, link-local,
/// site-local, unique-local, CGNAT, benchmarking, documentation, reserved, multicast,
/// broadcast, unspecified — also when written as an IPv6 address that carries such an IPv4
/// address. The one rule for registration, DNS answers and IP literals alike.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            v6.is_multicast()
                || FORBIDDEN_V6
                    .iter()
                    .any(|&(net, len)| prefix_matches(v6.to_bits(), net.to_bits(), len))
                || embedded_ipv4(v6).into_iter().flatten().any(forbidden_v4)
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    FORBIDDEN_V4.iter().any(|&(net, len)| {
        prefix_matches(
            u128::from(ip.to_bits()) << 96,
            u128::from(net.to_bits()) << 96,
            len,
        )
    })
}

/// Whether the first `len` bits of `address` and `network` agree (both left-aligned).
fn prefix_matches(address: u128, network: u128, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    address & mask == network & mask
}

/// The IPv4 addresses an IPv6 address stands for, when it is one of the forms a host, a
/// translator or a tunnel turns back into IPv4.
fn embedded_ipv4(ip: Ipv6Addr) -> [Option<Ipv4Addr>; 2] {
    let bits = ip.to_bits();
    let s = ip.segments();
    let v4 =
        |high: u16, low: u16| Some(Ipv4Addr::from_bits(u32::from(high) << 16 | u32::from(low)));
    let last = v4(s[6], s[7]);
    // IPv4-compatible ::/96 (`::127.0.0.1`, also :: and ::1), IPv4-mapped ::ffff:0:0/96,
    // IPv4-translated ::ffff:0:0:0/96 and the well-known NAT64 prefix 64:ff9b::/96.
    let last_32_bits = [
        Ipv6Addr::UNSPECIFIED,
        Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0),
        Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0),
        Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0),
    ];
    if last_32_bits
        .iter()
        .any(|net| prefix_matches(bits, net.to_bits(), 96))
    {
        return [last, None];
    }
    match s[0] {
        // 6to4 2002::/16: the IPv4 address follows the prefix.
        0x2002 => [v4(s[1], s[2]), None],
        // Teredo 2001:0::/32: the server's address, and the client's inverted in the last 32 bits.
        0x2001 if s[1] == 0 => [v4(s[2], s[3]), v4(!s[6], !s[7])],
        _ => [None, None],
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
    let forbidden = match url.host() {
        None => return Err(FieldError::new("url", "must name a host")),
        // The url crate has already read every IPv4 spelling (`2130706433`, `0x7f.1`, `127.1`)
        // into an address, so the literal checked here is the one that would be connected to.
        Some(url::Host::Ipv4(ip)) => is_forbidden(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_forbidden(IpAddr::V6(ip)),
        // Other names are checked when they are resolved, at every delivery: their DNS answers
        // can change after registration.
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if forbidden && !allow_private {
        return Err(FieldError::new(
            "url",
            "must be a public address, not a loopback, private, link-local or reserved one",
        ));
    }
    Ok(url)
}

/// Why the deliverer's resolver refused a host name; found again in the reqwest error's causes.
#[derive(Debug, thiserror::Error)]
enum ResolveRefusal {
    #[error("the name did not resolve")]
    NotFound,
    #[error("the name resolves only to forbidden addresses")]
    OnlyForbidden,
}

/// The deliverer's DNS resolver: drops forbidden answers unless private destinations are
/// allowed, so a public-looking host name cannot lead the server into the internal network.
struct CheckingResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for CheckingResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let allow_private = self.allow_private;
        Box::pin(async move {
            // The lookup's own error says nothing the category `dns` does not.
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| ResolveRefusal::NotFound)?
                .collect();
            if found.is_empty() {
                return Err(ResolveRefusal::NotFound.into());
            }
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || !is_forbidden(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(ResolveRefusal::OnlyForbidden.into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The deliverer's HTTP client and the destination rule it enforces.
#[derive(Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    allow_private: bool,
}

impl WebhookClient {
    /// No proxy, no redirects (a 3xx is a failed attempt), the timeout of the settings, and the
    /// destination rule above.
    pub fn new(settings: &WebhookSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            // Also with private destinations allowed, so DNS failures keep their category.
            .dns_resolver(Arc::new(CheckingResolver {
                allow_private: settings.allow_private,
            }))
            .user_agent(concat!("Verzuim-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(WebhookClient {
            http,
            allow_private: settings.allow_private,
        })
    }

    /// Whether `url` is an IP literal the rule forbids: reqwest connects to those without
    /// asking the resolver.
    fn forbids_literal(&self, url: &url::Url) -> bool {
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Domain(_)) | None => return false,
        };
        !self.allow_private && is_forbidden(ip)
    }
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

/// Why a delivery attempt failed. Only this category is kept, never the error's text: which
/// of "refused", "reset" or "timed out" a chosen host and port gave would map the network the
/// server sits in.
///
/// - `dns`: the host name did not resolve;
/// - `blocked_address`: the URL, or every address its name resolves to, is loopback, private,
///   link-local, reserved or otherwise not the public internet, so nothing was sent
///   (see `VERZUIM_WEBHOOK_ALLOW_PRIVATE`);
/// - `connect`: no connection could be made, or it broke before an answer came;
/// - `timeout`: no answer within `VERZUIM_WEBHOOK_TIMEOUT_SECONDS` (connecting included);
/// - `tls`: the TLS handshake failed (certificate not valid for the host, not TLS, …);
/// - `http_status`: the endpoint answered, with a status other than 2xx (see `status_code`;
///   redirects are not followed, and 410 disables the endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryError {
    Dns,
    BlockedAddress,
    Connect,
    Timeout,
    Tls,
    HttpStatus,
}

impl DeliveryError {
    pub const ALL: [DeliveryError; 6] = [
        DeliveryError::Dns,
        DeliveryError::BlockedAddress,
        DeliveryError::Connect,
        DeliveryError::Timeout,
        DeliveryError::Tls,
        DeliveryError::HttpStatus,
    ];

    /// The stored and logged form, the same as the JSON one.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryError::Dns => "dns",
            DeliveryError::BlockedAddress => "blocked_address",
            DeliveryError::Connect => "connect",
            DeliveryError::Timeout => "timeout",
            DeliveryError::Tls => "tls",
            DeliveryError::HttpStatus => "http_status",
        }
    }

    /// The category of a stored `webhook_attempts.error`. Rows written before categories
    /// existed hold the error's text, which must not reach the API either: their category is
    /// read from the fixed prefix the old code wrote, and anything else counts as `connect`.
    fn from_stored(text: &str) -> DeliveryError {
        if let Some(category) = Self::ALL.into_iter().find(|c| c.as_str() == text) {
            return category;
        }
        if text.starts_with("timed out") {
            DeliveryError::Timeout
        } else if text.starts_with("the endpoint answered") || text.starts_with("410 Gone") {
            DeliveryError::HttpStatus
        } else if text.contains("resolves to no public address") {
            DeliveryError::BlockedAddress
        } else if text.contains("failed to lookup address") {
            DeliveryError::Dns
        } else {
            DeliveryError::Connect
        }
    }

    /// The category of a request that got no answer.
    fn of(error: &reqwest::Error) -> DeliveryError {
        let mut tls = false;
        for cause in causes(error) {
            if let Some(refusal) = cause.downcast_ref::<ResolveRefusal>() {
                return match refusal {
                    ResolveRefusal::NotFound => DeliveryError::Dns,
                    ResolveRefusal::OnlyForbidden => DeliveryError::BlockedAddress,
                };
            }
            tls |= cause.is::<rustls::Error>();
        }
        if error.is_timeout() {
            DeliveryError::Timeout
        } else if tls {
            DeliveryError::Tls
        } else {
            DeliveryError::Connect
        }
    }
}

/// `error` and its causes. `io::Error::source` skips the error it wraps (it returns that
/// error's source), which is where tokio-rustls puts the `rustls::Error`, so that one is looked
/// into as well.
fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |&cause| {
        let wrapped = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
        wrapped.or_else(|| cause.source())
    })
}

/// One delivery attempt, as stored.
#[derive(Debug, Queryable)]
struct DeliveryAttemptRow {
    row_id: i64,
    webhook_message_id: String,
    event_id: String,
    event_type: String,
    attempt: i32,
    attempted: NaiveDateTime,
    status_code: Option<i32>,
    error: Option<String>,
    duration_ms: i64,
    succeeded: bool,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    /// The `webhook-id` header: the same on every attempt of one event.
    pub webhook_message_id: String,
    #[schema(format = Uuid)]
    pub event_id: String,
    pub event_type: String,
    /// 1 for the first attempt of this event, 2 for the first retry, …
    pub attempt: i32,
    /// The endpoint's HTTP status; null when no answer came.
    pub status_code: Option<i32>,
    /// Why the attempt failed, as a category only; null when it succeeded.
    pub error: Option<DeliveryError>,
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
    let rows: Vec<DeliveryAttemptRow> = state
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
            .map(|row| DeliveryAttemptView {
                attempted_at: row.attempted.and_utc(),
                attempt: DeliveryAttempt {
                    webhook_message_id: row.webhook_message_id,
                    event_id: row.event_id,
                    event_type: row.event_type,
                    attempt: row.attempt,
                    status_code: row.status_code,
                    error: row.error.as_deref().map(DeliveryError::from_stored),
                    duration_ms: row.duration_ms,
                    succeeded: row.succeeded,
                },
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
        error: DeliveryError,
        retry_after: Option<Duration>,
    },
    /// The endpoint could not be read from the database: nothing was sent or recorded; retried.
    NotAttempted,
    /// Cannot ever succeed; the reason is one of a few fixed words (endpoint removed or
    /// disabled, unreadable payload or secret), for the outbox row.
    Dropped(&'static str),
}

/// Sends one attempt of `delivery` (outbox row `delivery_id`, attempt number `attempt`) and
/// records it in `webhook_attempts`.
pub async fn deliver(
    db: &crate::db::Db,
    client: &WebhookClient,
    delivery_id: &str,
    attempt: i32,
    payload: &str,
) -> Outcome {
    let Ok(delivery) = serde_json::from_str::<WebhookDelivery>(payload) else {
        return Outcome::Dropped("invalid_payload");
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
        Ok(None) => return Outcome::Dropped("webhook_removed"),
        Err(e) => {
            // A database error, not the endpoint's: safe and useful to log as it is.
            tracing::warn!(webhook_id = %delivery.webhook_id, error = %e, "webhook: cannot read the endpoint");
            return Outcome::NotAttempted;
        }
    };
    if endpoint.deleted_at.is_some() {
        return Outcome::Dropped("webhook_removed");
    }
    if endpoint.disabled_at.is_some() {
        return Outcome::Dropped("webhook_disabled");
    }
    let Ok(url) = url::Url::parse(&endpoint.url) else {
        return Outcome::Dropped("invalid_url");
    };
    let body = serde_json::json!({
        "type": delivery.kind,
        "timestamp": delivery.timestamp,
        "data": delivery.data,
    })
    .to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let Ok(signature) = sign(&endpoint.secret, delivery_id, timestamp, body.as_bytes()) else {
        return Outcome::Dropped("invalid_secret");
    };
    let started = std::time::Instant::now();
    let (status, outcome) = if client.forbids_literal(&url) {
        (
            None,
            Outcome::Failed {
                error: DeliveryError::BlockedAddress,
                retry_after: None,
            },
        )
    } else {
        let sent = client
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", delivery_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status();
                let outcome = if status.is_success() {
                    Outcome::Delivered
                } else if status == reqwest::StatusCode::GONE {
                    Outcome::Gone
                } else {
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    Outcome::Failed {
                        error: DeliveryError::HttpStatus,
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
                    error: DeliveryError::of(&e),
                    retry_after: None,
                },
            ),
        }
    };
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (succeeded, error) = match &outcome {
        Outcome::Delivered => (true, None),
        Outcome::Gone => (false, Some(DeliveryError::HttpStatus.as_str())),
        Outcome::Failed { error, .. } => (false, Some(error.as_str())),
        Outcome::NotAttempted | Outcome::Dropped(_) => (false, None),
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

    /// Every spelling of a destination that is not the public internet, as a URL host.
    const FORBIDDEN_HOSTS: &[&str] = &[
        // Loopback, and the IPv4 spellings the url crate reads as 127.0.0.1.
        "127.0.0.1",
        "127.255.255.254",
        "2130706433",
        "0x7f.1",
        "127.1",
        "0177.0.0.1",
        "0.0.0.0",
        "0.1.2.3",
        // Private, link-local (cloud metadata), CGNAT.
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.255",
        // Benchmarking, reserved and broadcast, IETF protocol assignments, 6to4 relay.
        "198.18.0.1",
        "198.19.255.255",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.0.1",
        "192.0.0.170",
        "192.88.99.1",
        // Documentation.
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.1",
        // Multicast.
        "224.0.0.1",
        "239.255.255.250",
        // IPv6 loopback and unspecified.
        "[::1]",
        "[::]",
        // IPv4-compatible ::/96.
        "[::127.0.0.1]",
        "[::7f00:1]",
        "[::a9fe:a9fe]",
        // IPv4-mapped ::ffff:0:0/96.
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::ffff:10.0.0.1]",
        // IPv4-translated ::ffff:0:0:0/96.
        "[::ffff:0:7f00:1]",
        "[::ffff:0:127.0.0.1]",
        "[::ffff:0:a9fe:a9fe]",
        // NAT64, well-known prefix and local-use prefix (all of it).
        "[64:ff9b::7f00:1]",
        "[64:ff9b::127.0.0.1]",
        "[64:ff9b::a9fe:a9fe]",
        "[64:ff9b:1::7f00:1]",
        "[64:ff9b:1:7f00:1::]",
        "[64:ff9b:1::808:808]",
        // 6to4 2002::/16.
        "[2002:7f00:1::]",
        "[2002:7f00:1::1]",
        "[2002:a9fe:a9fe::]",
        "[2002:c0a8:101::1]",
        // Teredo: server 127.0.0.1; client 127.0.0.1 (inverted: 80ff:fffe); server 10.0.0.1;
        // and RFC 4380's example, whose client is 192.0.2.45 (documentation).
        "[2001:0:7f00:1::fefe:fefe]",
        "[2001:0:808:808::80ff:fffe]",
        "[2001:0:a00:1::fefe:fefe]",
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
        // Site-local, unique local, link-local, multicast.
        "[fec0::1]",
        "[feff::1]",
        "[fc00::1]",
        "[fd12:3456::1]",
        "[fe80::1]",
        "[ff02::1]",
        "[ff0e::1]",
        // Documentation, discard-only, benchmarking.
        "[2001:db8::1]",
        "[3fff::1]",
        "[100::1]",
        "[2001:2::1]",
    ];

    /// Public addresses, some in the IPv6 forms that carry one, and the neighbours of
    /// forbidden ranges.
    const PUBLIC_HOSTS: &[&str] = &[
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "100.63.255.255",
        "100.128.0.1",
        "172.15.255.255",
        "172.32.0.1",
        "198.17.255.255",
        "198.20.0.1",
        "223.255.255.255",
        "192.0.1.1",
        "11.0.0.1",
        "[2a00:1450:4001:830::200e]",
        "[2606:4700:4700::1111]",
        "[2001:4860:4860::8888]",
        "[::ffff:8.8.8.8]",
        "[::ffff:0:808:808]",
        "[64:ff9b::808:808]",
        "[2002:808:808::1]",
        "[2001:0:808:808::fefe:fefe]",
    ];

    fn host_ip(host: &str) -> IpAddr {
        let url = url::Url::parse(&format!("http://{host}/")).unwrap();
        match url.host().unwrap() {
            url::Host::Ipv4(ip) => IpAddr::V4(ip),
            url::Host::Ipv6(ip) => IpAddr::V6(ip),
            url::Host::Domain(d) => panic!("{host} is read as the name {d}"),
        }
    }

    #[test]
    fn every_spelling_of_a_non_public_address_is_forbidden() {
        for host in FORBIDDEN_HOSTS {
            assert!(is_forbidden(host_ip(host)), "{host} passed");
        }
    }

    #[test]
    fn public_addresses_pass_also_inside_ipv6() {
        for host in PUBLIC_HOSTS {
            assert!(!is_forbidden(host_ip(host)), "{host} refused");
        }
    }

    #[test]
    fn teredo_client_address_is_the_inverted_last_32_bits() {
        let teredo: Ipv6Addr = "2001:0:4136:e378:8000:63bf:3fff:fdd2".parse().unwrap();
        assert_eq!(
            embedded_ipv4(teredo),
            [
                Some(Ipv4Addr::new(65, 54, 227, 120)),
                Some(Ipv4Addr::new(192, 0, 2, 45))
            ]
        );
    }

    #[test]
    fn registration_refuses_forbidden_literals_and_localhost_names() {
        let names = ["localhost", "LOCALHOST.", "hooks.localhost"];
        for host in FORBIDDEN_HOSTS.iter().chain(&names) {
            let error = parse_url(&format!("https://{host}:8443/hook"), false).unwrap_err();
            assert_eq!(error.field, "url", "{host}");
            assert!(parse_url(&format!("https://{host}:8443/hook"), true).is_ok());
        }
        for host in PUBLIC_HOSTS.iter().chain(&["hr.example.nl"]) {
            assert!(
                parse_url(&format!("https://{host}/hook"), false).is_ok(),
                "{host}"
            );
        }
    }

    #[test]
    fn stored_errors_reach_the_api_only_as_categories() {
        for category in DeliveryError::ALL {
            assert_eq!(DeliveryError::from_stored(category.as_str()), category);
        }
        // Rows written before there were categories.
        for (text, category) in [
            (
                "could not connect: Connection refused (os error 111)",
                DeliveryError::Connect,
            ),
            ("timed out: operation timed out", DeliveryError::Timeout),
            (
                "the endpoint answered 500 Internal Server Error",
                DeliveryError::HttpStatus,
            ),
            (
                "could not connect: x resolves to no public address",
                DeliveryError::BlockedAddress,
            ),
            (
                "could not connect: failed to lookup address information",
                DeliveryError::Dns,
            ),
        ] {
            assert_eq!(DeliveryError::from_stored(text), category, "{text}");
        }
    }

    fn client(allow_private: bool, timeout: Duration) -> WebhookClient {
        WebhookClient::new(&WebhookSettings {
            allow_private,
            timeout,
            retry_schedule: Vec::new(),
        })
        .unwrap()
    }

    async fn category(client: &WebhookClient, url: &str) -> DeliveryError {
        let error = client.http.post(url).send().await.unwrap_err();
        DeliveryError::of(&error)
    }

    #[tokio::test]
    async fn a_name_resolving_only_to_loopback_is_blocked_without_connecting() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = client(false, Duration::from_secs(5));
        let url = format!("http://localhost:{port}/hook");
        assert_eq!(category(&client, &url).await, DeliveryError::BlockedAddress);
        let accepted = listener.accept();
        assert!(
            matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "{accepted:?}"
        );
        // And IP literals, which reqwest connects to without the resolver, by the literal check.
        let literal = url::Url::parse(&format!("http://[::ffff:127.0.0.1]:{port}/")).unwrap();
        assert!(client.forbids_literal(&literal));
        assert!(!self::client(true, Duration::from_secs(5)).forbids_literal(&literal));
    }

    #[tokio::test]
    async fn failures_are_told_apart_by_category() {
        let client = client(true, Duration::from_secs(1));
        // RFC 6761: `.invalid` never resolves.
        assert_eq!(
            category(&client, "http://verzuim-test.invalid/").await,
            DeliveryError::Dns
        );

        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let url = format!("http://127.0.0.1:{port}/");
        assert_eq!(category(&client, &url).await, DeliveryError::Connect);

        // Accepted by the kernel, never answered.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/", silent.local_addr().unwrap().port());
        assert_eq!(category(&client, &url).await, DeliveryError::Timeout);

        // Plain HTTP where TLS was expected.
        let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://127.0.0.1:{}/", plain.local_addr().unwrap().port());
        std::thread::spawn(move || {
            use std::io::Write;
            if let Ok((mut stream, _)) = plain.accept() {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        assert_eq!(category(&client, &url).await, DeliveryError::Tls);
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
