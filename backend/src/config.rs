//! Typed settings, read once from the environment (and an optional `.env`) in `main` and passed
//! down. Every default serves the embedded mode: SQLite in the data dir, mail to a folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::TimeDelta;
use secrecy::SecretString;
use url::Url;

/// Which database the URL names; decided once so every later choice (migrations, pragmas) agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// Kept secret because a PostgreSQL URL can carry a password.
    pub url: SecretString,
    pub kind: DatabaseKind,
    pub pool_size: u32,
    /// Memory for employees' cached hot reads (`VERZUIM_READ_CACHE_MIB`, 0 turns it off).
    pub read_cache_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub bind: String,
    /// `VERZUIM_METRICS_BIND` (default `127.0.0.1:9464`): where Prometheus scrapes `/metrics`,
    /// a listener of its own so the API's port does not publish the numbers; `None` (the
    /// variable set to an empty string) serves no metrics.
    pub metrics_bind: Option<String>,
    pub public_url: Url,
    pub data_dir: PathBuf,
    /// `None` writes e-mails as `.eml` files to `<data dir>/mail/`.
    pub smtp_url: Option<SecretString>,
    pub mail_from: String,
    /// `None` means: generate once and keep it in the data dir.
    pub jwt_secret: Option<SecretString>,
    /// Seals data at rest; `None` means: generate once and keep it in the data dir.
    pub data_key: Option<SecretString>,
    pub cors_origins: Vec<String>,
    pub rate_limit_per_minute: u32,
    pub log_filter: String,
    pub frontend_dir: PathBuf,
    pub max_json_body_bytes: usize,
    pub client_token_ttl: Duration,
    /// How often the server looks for Poortwachter steps that became late.
    pub overdue_check_interval: Duration,
    pub outbox: OutboxSettings,
    pub webhooks: WebhookSettings,
    pub accounts: AccountSettings,
    pub documents: DocumentSettings,
}

/// Dossier documents (SPEC §4): upload limit and where the files are kept.
#[derive(Debug, Clone)]
pub struct DocumentSettings {
    /// Largest accepted file, counted while the upload streams in (`VERZUIM_MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    pub storage: StorageSettings,
}

/// `VERZUIM_STORAGE`: `local` (default, `<data dir>/documents/`) or `s3`.
#[derive(Debug, Clone)]
pub enum StorageSettings {
    Local,
    S3(S3Settings),
}

/// An S3-compatible object store (AWS S3, MinIO, Ceph, Garage, …).
#[derive(Debug, Clone)]
pub struct S3Settings {
    /// `VERZUIM_S3_ENDPOINT`; unset means AWS itself.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: Option<SecretString>,
    pub secret_access_key: Option<SecretString>,
    /// Object key prefix, e.g. `verzuim/`; empty by default.
    pub prefix: String,
    /// Plain http to the endpoint (local MinIO); off by default.
    pub allow_http: bool,
}

/// Limits and lifetimes of SPEC §2–3; every default is the value the spec names.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    pub invitation_ttl: TimeDelta,
    pub activation_max_failures: i32,
    pub password_min_chars: usize,
    pub password_max_chars: usize,
    pub lockout_threshold: i32,
    pub lockout_duration: TimeDelta,
    pub reset_ttl: TimeDelta,
    /// How long an `mfa_token` (a right password waiting for its second factor) works.
    pub mfa_challenge_ttl: TimeDelta,
    /// How long the link that confirms a changed e-mail address works.
    pub email_change_ttl: TimeDelta,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: TimeDelta,
    /// Argon2 runs on this many (low-priority) threads, so a login storm cannot starve other work.
    pub password_hash_concurrency: usize,
    /// `Secure` on the refresh cookie; only turned off for plain-http development setups
    /// whose browsers refuse Secure cookies.
    pub secure_cookies: bool,
}

/// How the outbox worker polls, leases and retries (see `events::worker`).
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    /// How often the worker looks for due deliveries.
    pub poll_interval: Duration,
    /// How long a claimed delivery stays with the instance that claimed it; a crash mid-send
    /// makes it claimable again after this. Longer than any send can take.
    pub lease: Duration,
    /// First retry delay; later ones grow from it (×6, ×24, ×120, ×360, ×720), with jitter.
    pub retry_first: Duration,
    /// The longest delay between two attempts.
    pub retry_max: Duration,
    /// A delivery still failing this long after it was written is given up.
    pub give_up_after: Duration,
    /// Timeout of each SMTP command.
    pub smtp_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct SettingsError {
    pub variable: &'static str,
    pub message: String,
}

fn invalid(variable: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        variable,
        message: message.into(),
    }
}

impl Settings {
    /// Reads the process environment, after loading `.env` when one exists.
    pub fn from_env() -> Result<Self, SettingsError> {
        // A missing .env is the normal case; a malformed one is an operator error worth stopping for.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(invalid(".env", e.to_string())),
        }
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_lookup(|name| vars.get(name).cloned())
    }

    /// Builds settings from any lookup, so tests can describe an environment without touching
    /// the process's own.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let data_dir = PathBuf::from(get("VERZUIM_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let bind = get("VERZUIM_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid(
                "VERZUIM_BIND",
                format!("`{bind}` is not an address such as 127.0.0.1:8080"),
            ));
        }

        let metrics_bind = metrics_bind(&lookup, &bind)?;

        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("verzuim.db").display()));
        let kind = database_kind(&database_url)?;
        let pool_size = parse_number(&get, "VERZUIM_DB_POOL_SIZE", 10u32)?;
        if pool_size == 0 {
            return Err(invalid("VERZUIM_DB_POOL_SIZE", "must be at least 1"));
        }
        let read_cache_mib = parse_number(&get, "VERZUIM_READ_CACHE_MIB", 64u64)?;
        if read_cache_mib > 1 << 20 {
            return Err(invalid(
                "VERZUIM_READ_CACHE_MIB",
                "must be at most 1048576 (1 TiB)",
            ));
        }

        let public_url_text =
            get("VERZUIM_PUBLIC_URL").unwrap_or_else(|| default_public_url(&bind));
        let public_url = Url::parse(&public_url_text)
            .map_err(|e| invalid("VERZUIM_PUBLIC_URL", format!("`{public_url_text}`: {e}")))?;
        if !matches!(public_url.scheme(), "http" | "https") {
            return Err(invalid("VERZUIM_PUBLIC_URL", "must be an http(s) URL"));
        }

        let smtp_url = match get("SMTP_URL") {
            None => None,
            Some(text) => {
                let url = Url::parse(&text)
                    .map_err(|e| invalid("SMTP_URL", format!("not a URL: {e}")))?;
                if !matches!(url.scheme(), "smtp" | "smtps") {
                    return Err(invalid(
                        "SMTP_URL",
                        format!("unknown scheme `{}`; use smtp:// or smtps://", url.scheme()),
                    ));
                }
                Some(SecretString::from(text))
            }
        };

        let mail_from = get("VERZUIM_MAIL_FROM")
            .unwrap_or_else(|| "Verzuim <no-reply@verzuim.localhost>".into());

        let documents = document_settings(&get)?;

        let jwt_secret = match get("VERZUIM_JWT_SECRET") {
            Some(secret) if secret.len() < 32 => {
                return Err(invalid(
                    "VERZUIM_JWT_SECRET",
                    "must be at least 32 characters",
                ))
            }
            other => other.map(SecretString::from),
        };

        let data_key = match get("VERZUIM_DATA_KEY") {
            Some(secret) if secret.len() < 32 => {
                return Err(invalid(
                    "VERZUIM_DATA_KEY",
                    "must be at least 32 characters",
                ))
            }
            other => other.map(SecretString::from),
        };

        let cors_origins = get("VERZUIM_CORS_ORIGINS")
            .map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(|origin| {
                        Url::parse(origin)
                            .map(|_| origin.trim_end_matches('/').to_string())
                            .map_err(|e| {
                                invalid("VERZUIM_CORS_ORIGINS", format!("`{origin}`: {e}"))
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();

        Ok(Settings {
            database: DatabaseSettings {
                url: SecretString::from(database_url),
                kind,
                pool_size,
                read_cache_bytes: read_cache_mib * 1024 * 1024,
            },
            bind,
            metrics_bind,
            public_url,
            smtp_url,
            mail_from,
            jwt_secret,
            data_key,
            cors_origins,
            rate_limit_per_minute: parse_number(&get, "VERZUIM_RATE_LIMIT_PER_MINUTE", 20u32)?,
            log_filter: get("VERZUIM_LOG").unwrap_or_else(|| "info".into()),
            frontend_dir: PathBuf::from(
                get("VERZUIM_FRONTEND_DIR").unwrap_or_else(|| "frontend/dist".into()),
            ),
            max_json_body_bytes: parse_number(
                &get,
                "VERZUIM_MAX_JSON_BODY_BYTES",
                5 * 1024 * 1024,
            )?,
            client_token_ttl: seconds(&get, "VERZUIM_CLIENT_TOKEN_TTL_SECONDS", 900)?,
            overdue_check_interval: Duration::from_millis(
                parse_number(&get, "VERZUIM_OVERDUE_CHECK_MS", 600_000u64)?.max(1),
            ),
            outbox: outbox_settings(&get)?,
            webhooks: WebhookSettings::from_lookup(&get)?,
            accounts: AccountSettings {
                invitation_ttl: time_span(&get, "VERZUIM_INVITATION_TTL_SECONDS", 14 * 24 * 3600)?,
                activation_max_failures: parse_number(&get, "VERZUIM_ACTIVATION_MAX_FAILURES", 5)?,
                password_min_chars: parse_number(&get, "VERZUIM_PASSWORD_MIN_CHARS", 10)?,
                password_max_chars: parse_number(&get, "VERZUIM_PASSWORD_MAX_CHARS", 128)?,
                lockout_threshold: parse_number(&get, "VERZUIM_LOCKOUT_THRESHOLD", 3)?,
                lockout_duration: time_span(&get, "VERZUIM_LOCKOUT_SECONDS", 3600)?,
                reset_ttl: time_span(&get, "VERZUIM_RESET_TTL_SECONDS", 3600)?,
                mfa_challenge_ttl: time_span(&get, "VERZUIM_MFA_CHALLENGE_TTL_SECONDS", 300)?,
                email_change_ttl: time_span(&get, "VERZUIM_EMAIL_CHANGE_TTL_SECONDS", 86_400)?,
                access_token_ttl: seconds(&get, "VERZUIM_ACCESS_TOKEN_TTL_SECONDS", 900)?,
                refresh_token_ttl: time_span(
                    &get,
                    "VERZUIM_REFRESH_TOKEN_TTL_SECONDS",
                    30 * 24 * 3600,
                )?,
                password_hash_concurrency: parse_number(
                    &get,
                    "VERZUIM_PASSWORD_HASH_CONCURRENCY",
                    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
                )?
                .max(1),
                secure_cookies: parse_number(&get, "VERZUIM_SECURE_COOKIES", true)?,
            },
            data_dir,
            documents,
        })
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }
}

/// `VERZUIM_METRICS_BIND`, read from the raw lookup: unlike every other setting, set but empty
/// means something (no metrics listener) rather than "use the default".
fn metrics_bind(
    lookup: &impl Fn(&str) -> Option<String>,
    bind: &str,
) -> Result<Option<String>, SettingsError> {
    const VARIABLE: &str = "VERZUIM_METRICS_BIND";
    let text = match lookup(VARIABLE) {
        None => return Ok(Some("127.0.0.1:9464".into())),
        Some(text) if text.trim().is_empty() => return Ok(None),
        Some(text) => text.trim().to_string(),
    };
    let address: std::net::SocketAddr = text.parse().map_err(|_| {
        invalid(
            VARIABLE,
            format!("`{text}` is not an address such as 127.0.0.1:9464 (empty turns it off)"),
        )
    })?;
    if address.port() != 0 && bind.parse().ok() == Some(address) {
        return Err(invalid(
            VARIABLE,
            "must differ from VERZUIM_BIND: metrics are not served on the API listener",
        ));
    }
    Ok(Some(text))
}

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

fn outbox_settings(get: &impl Fn(&str) -> Option<String>) -> Result<OutboxSettings, SettingsError> {
    let millis =
        |variable, default| parse_number(get, variable, default).map(Duration::from_millis);
    let seconds = |variable, default| parse_number(get, variable, default).map(Duration::from_secs);
    let settings = OutboxSettings {
        poll_interval: millis("VERZUIM_OUTBOX_POLL_MS", 500)?,
        lease: seconds("VERZUIM_OUTBOX_LEASE_SECONDS", 300)?,
        retry_first: millis("VERZUIM_OUTBOX_RETRY_FIRST_MS", 5_000)?,
        retry_max: millis("VERZUIM_OUTBOX_RETRY_MAX_MS", 3_600_000)?,
        give_up_after: seconds("VERZUIM_OUTBOX_GIVE_UP_HOURS", 72)?.saturating_mul(3600),
        smtp_timeout: seconds("VERZUIM_SMTP_TIMEOUT_SECONDS", 15)?,
    };
    if settings.poll_interval.is_zero() {
        return Err(invalid("VERZUIM_OUTBOX_POLL_MS", "must be at least 1"));
    }
    if settings.give_up_after < Duration::from_secs(24 * 3600) {
        return Err(invalid(
            "VERZUIM_OUTBOX_GIVE_UP_HOURS",
            "must be at least 24",
        ));
    }
    // A lease that ran out during a send would let a second instance send the same message.
    if settings.lease < settings.smtp_timeout.saturating_mul(4) {
        return Err(invalid(
            "VERZUIM_OUTBOX_LEASE_SECONDS",
            "must be at least 4 × VERZUIM_SMTP_TIMEOUT_SECONDS",
        ));
    }
    Ok(settings)
}

fn document_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<DocumentSettings, SettingsError> {
    let max_upload_bytes = parse_number(get, "VERZUIM_MAX_UPLOAD_BYTES", 25 * 1024 * 1024u64)?;
    if max_upload_bytes == 0 {
        return Err(invalid("VERZUIM_MAX_UPLOAD_BYTES", "must be at least 1"));
    }
    let storage = match get("VERZUIM_STORAGE").as_deref().map(str::trim) {
        None | Some("local") => StorageSettings::Local,
        Some("s3") => StorageSettings::S3(S3Settings {
            endpoint: get("VERZUIM_S3_ENDPOINT"),
            bucket: get("VERZUIM_S3_BUCKET").ok_or_else(|| {
                invalid("VERZUIM_S3_BUCKET", "is required when VERZUIM_STORAGE=s3")
            })?,
            region: get("VERZUIM_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
            access_key_id: get("VERZUIM_S3_ACCESS_KEY_ID").map(SecretString::from),
            secret_access_key: get("VERZUIM_S3_SECRET_ACCESS_KEY").map(SecretString::from),
            prefix: get("VERZUIM_S3_PREFIX").unwrap_or_default(),
            allow_http: parse_number(get, "VERZUIM_S3_ALLOW_HTTP", false)?,
        }),
        Some(other) => {
            return Err(invalid(
                "VERZUIM_STORAGE",
                format!("unknown storage `{other}`; use local or s3"),
            ))
        }
    };
    Ok(DocumentSettings {
        max_upload_bytes,
        storage,
    })
}

fn database_kind(url: &str) -> Result<DatabaseKind, SettingsError> {
    match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("sqlite") => Ok(DatabaseKind::Sqlite),
        Some("postgres" | "postgresql") => Ok(DatabaseKind::Postgres),
        Some(other) => Err(invalid(
            "DATABASE_URL",
            format!("unknown scheme `{other}`; use sqlite:// or postgres://"),
        )),
        None => Err(invalid(
            "DATABASE_URL",
            "not a URL; use sqlite://<path> or postgres://user@host/db",
        )),
    }
}

/// The file an `sqlite://` URL names.
pub fn sqlite_path(url: &str) -> &Path {
    Path::new(url.strip_prefix("sqlite://").unwrap_or(url))
}

fn seconds(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: u64,
) -> Result<Duration, SettingsError> {
    parse_number(get, variable, default).map(Duration::from_secs)
}

/// A span the database arithmetic uses (expiry and block times), as chrono's type.
fn time_span(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: i64,
) -> Result<TimeDelta, SettingsError> {
    let seconds: i64 = parse_number(get, variable, default)?;
    match TimeDelta::try_seconds(seconds) {
        Some(span) if seconds >= 0 => Ok(span),
        _ => Err(invalid(
            variable,
            format!("`{seconds}` seconds is out of range"),
        )),
    }
}

fn parse_number<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: T,
) -> Result<T, SettingsError> {
    match get(variable) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| invalid(variable, format!("`{text}` is not a valid value"))),
    }
}

/// Where a browser on this machine reaches a server listening on `bind`. A loopback or
/// wildcard address is named `localhost`: a passkey's relying party must be a host name (an IP
/// address is not one), and browsers treat `http://localhost` as a secure context.
fn default_public_url(bind: &str) -> String {
    match bind.parse::<std::net::SocketAddr>() {
        Ok(addr) if addr.ip().is_loopback() || addr.ip().is_unspecified() => {
            format!("http://localhost:{}", addr.port())
        }
        _ => format!("http://{bind}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_serve_the_embedded_mode() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database.kind, DatabaseKind::Sqlite);
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.public_url.as_str(), "http://localhost:8080/");
        assert!(s.smtp_url.is_none());
        assert!(s.mail_dir().ends_with("mail"));
    }

    #[test]
    fn metrics_listen_on_loopback_by_default_and_empty_turns_them_off() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.metrics_bind.as_deref(), Some("127.0.0.1:9464"));
        let s = settings(&[("VERZUIM_METRICS_BIND", "0.0.0.0:9100")]).unwrap();
        assert_eq!(s.metrics_bind.as_deref(), Some("0.0.0.0:9100"));
        let s = settings(&[("VERZUIM_METRICS_BIND", "")]).unwrap();
        assert_eq!(s.metrics_bind, None);
        let s = settings(&[("VERZUIM_METRICS_BIND", "  ")]).unwrap();
        assert_eq!(s.metrics_bind, None);
    }

    #[test]
    fn metrics_bind_must_be_an_address_other_than_the_api_one() {
        let err = settings(&[("VERZUIM_METRICS_BIND", "9464")]).unwrap_err();
        assert_eq!(err.variable, "VERZUIM_METRICS_BIND");
        let err = settings(&[
            ("VERZUIM_BIND", "127.0.0.1:8080"),
            ("VERZUIM_METRICS_BIND", "127.0.0.1:8080"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "VERZUIM_METRICS_BIND");
        // Port 0 picks a free port for each, as the tests do.
        let s = settings(&[
            ("VERZUIM_BIND", "127.0.0.1:0"),
            ("VERZUIM_METRICS_BIND", "127.0.0.1:0"),
        ])
        .unwrap();
        assert_eq!(s.metrics_bind.as_deref(), Some("127.0.0.1:0"));
    }

    #[test]
    fn unknown_database_scheme_names_the_variable() {
        let err = settings(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.variable, "DATABASE_URL");
    }

    #[test]
    fn bad_number_names_the_variable() {
        let err = settings(&[("VERZUIM_RATE_LIMIT_PER_MINUTE", "many")]).unwrap_err();
        assert_eq!(err.variable, "VERZUIM_RATE_LIMIT_PER_MINUTE");
    }

    #[test]
    fn unparseable_url_names_the_variable() {
        let err = settings(&[("VERZUIM_PUBLIC_URL", "not a url")]).unwrap_err();
        assert_eq!(err.variable, "VERZUIM_PUBLIC_URL");
        let err = settings(&[("SMTP_URL", "http://mail")]).unwrap_err();
        assert_eq!(err.variable, "SMTP_URL");
    }

    #[test]
    fn outbox_defaults_and_lease_check() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.outbox.poll_interval, Duration::from_millis(500));
        assert_eq!(s.outbox.give_up_after, Duration::from_secs(72 * 3600));
        let err = settings(&[("VERZUIM_OUTBOX_LEASE_SECONDS", "10")]).unwrap_err();
        assert_eq!(err.variable, "VERZUIM_OUTBOX_LEASE_SECONDS");
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://u:hunter2hunter2@db/verzuim"),
            ("SMTP_URL", "smtp://u:mailpassword@mail:25"),
            (
                "VERZUIM_JWT_SECRET",
                "0123456789abcdef0123456789abcdef-secret",
            ),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains("mailpassword"));
        assert!(!printed.contains("0123456789abcdef"));
    }
}
