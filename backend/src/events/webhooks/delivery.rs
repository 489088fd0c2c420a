//! Delivering one webhook attempt: the Standard Webhooks signature, the HTTP client that
//! enforces the destination rule, the categories a failed attempt is recorded as, and
//! [`deliver`], which the outbox worker calls for each due webhook row.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;
use utoipa::ToSchema;

use super::destination::{is_forbidden_literal, CheckingResolver, ResolveRefusal};
use super::models::NewAttempt;
use super::{changes, queries};
use crate::config::WebhookSettings;
use crate::events::feed::WebhookDelivery;

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
        !self.allow_private && is_forbidden_literal(url)
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

/// A new signing secret: `whsec_` and 32 random bytes in base64, the form [`sign`] decodes.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
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
    pub fn from_stored(text: &str) -> DeliveryError {
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
        .run(move |conn| queries::endpoint(conn, &webhook_id))
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
        "employer_id": delivery.employer_id,
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
    let attempt = NewAttempt {
        webhook_id: endpoint.id,
        delivery_id: delivery_id.to_string(),
        event_id: delivery.event_id,
        event_type: delivery.kind,
        attempt,
        status_code: status,
        error,
        duration_ms,
        succeeded,
    };
    let recorded = db
        .run(move |conn| changes::record_attempt(conn, &attempt, gone))
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
}
