//! Starts the real application on port 0 with a database of its own — a fresh SQLite file, or
//! a PostgreSQL database created for the test and dropped after — and talks HTTP to it.

use std::collections::HashMap;
use std::path::PathBuf;

use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::{json, Value};
use verzuim::cli::{run_admin, Cli, CliError};
use verzuim::config::{DatabaseKind, Settings};
use verzuim::startup::Application;

pub mod authenticator;
pub mod process;
pub mod smtp;
pub mod totp;
pub mod webhook_receiver;

/// Today on the Dutch calendar the portal keeps (worked out here, not asked of the app): after
/// 23:00 UTC in winter it is already tomorrow in Amsterdam.
pub fn dutch_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive()
}

/// The JWT secret every test app signs with, so tests can forge tokens on purpose.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one rule against both databases: `rule_name::sqlite` and `rule_name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($(async fn $name:ident($backend:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn rule($backend: $crate::Backend) $body
            #[tokio::test]
            async fn sqlite() {
                rule($crate::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                rule($crate::Backend::Postgres).await
            }
        }
    )*};
}

pub fn postgres_admin_url() -> String {
    std::env::var("VERZUIM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub struct TestApp {
    pub address: String,
    /// `http://127.0.0.1:<port>` of the metrics listener; `None` when a test turned it off.
    pub metrics_address: Option<String>,
    pub http: reqwest::Client,
    pub settings: Settings,
    pub data_dir: tempfile::TempDir,
    postgres_database: Option<String>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// `adjust` may add or change environment variables before the settings are read.
    pub async fn spawn_with(
        backend: Backend,
        adjust: impl FnOnce(&mut HashMap<String, String>),
    ) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut env: HashMap<String, String> = HashMap::from([
            ("VERZUIM_BIND".into(), "127.0.0.1:0".into()),
            // A free port for each app's metrics listener too, so parallel tests never collide.
            ("VERZUIM_METRICS_BIND".into(), "127.0.0.1:0".into()),
            (
                "VERZUIM_DATA_DIR".into(),
                data_dir.path().display().to_string(),
            ),
            ("VERZUIM_JWT_SECRET".into(), TEST_JWT_SECRET.into()),
            ("VERZUIM_PUBLIC_URL".into(), "http://verzuim.test".into()),
            (
                "VERZUIM_FRONTEND_DIR".into(),
                data_dir.path().join("no-frontend").display().to_string(),
            ),
            ("VERZUIM_DB_POOL_SIZE".into(), "4".into()),
            // Every test shares 127.0.0.1; the rate-limit test turns it back on.
            ("VERZUIM_RATE_LIMIT_PER_MINUTE".into(), "0".into()),
        ]);
        let postgres_database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let name = format!("verzuim_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin =
                    PgConnection::establish(&format!("{}/postgres", postgres_admin_url()))
                        .expect("PostgreSQL must run on 127.0.0.1:5432 (see README)");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                env.insert(
                    "DATABASE_URL".into(),
                    format!("{}/{name}", postgres_admin_url()),
                );
                Some(name)
            }
        };
        adjust(&mut env);
        let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("test settings");
        let app = Application::build(settings.clone())
            .await
            .expect("app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            metrics_address,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            settings,
            data_dir,
            postgres_database,
        }
    }

    pub fn backend(&self) -> Backend {
        match self.settings.database.kind {
            DatabaseKind::Sqlite => Backend::Sqlite,
            DatabaseKind::Postgres => Backend::Postgres,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The Prometheus text the metrics listener serves at `/metrics`.
    pub async fn metrics(&self) -> String {
        let address = self
            .metrics_address
            .as_deref()
            .expect("this app serves no metrics (VERZUIM_METRICS_BIND is empty)");
        let response = self
            .http
            .get(format!("{address}/metrics"))
            .send()
            .await
            .expect("metrics request");
        assert_eq!(response.status(), 200, "metrics listener");
        response.text().await.expect("metrics text")
    }

    pub fn sqlite_file(&self) -> PathBuf {
        self.data_dir.path().join("verzuim.db")
    }

    /// A direct connection to the test's database, for checking what was (not) stored.
    pub fn db(&self) -> verzuim::db::DbConnection {
        use secrecy::ExposeSecret;
        verzuim::db::connect(
            self.settings.database.url.expose_secret(),
            self.settings.database.kind,
        )
        .expect("direct database connection")
    }

    /// Runs an operator command exactly as `verzuim <args>` would, against this app's database.
    pub fn cli(&self, args: &[&str]) -> Result<Value, CliError> {
        use clap::Parser;
        let cli = Cli::try_parse_from(std::iter::once("verzuim").chain(args.iter().copied()))
            .map_err(|e| CliError::Invalid(e.to_string()))?;
        run_admin(cli.command.expect("a command"), &self.settings)
    }

    /// The environment a separate `verzuim` process needs to share this app's database.
    pub fn process_env(&self) -> Vec<(String, String)> {
        use secrecy::ExposeSecret;
        vec![
            (
                "DATABASE_URL".into(),
                self.settings.database.url.expose_secret().to_string(),
            ),
            (
                "VERZUIM_DATA_DIR".into(),
                self.data_dir.path().display().to_string(),
            ),
        ]
    }

    pub fn create_employer(&self, name: &str) -> String {
        let created = self
            .cli(&[
                "employer",
                "create",
                "--name",
                name,
                "--absence-email",
                "verzuim@employer.test",
            ])
            .expect("employer created");
        created["id"].as_str().expect("id").to_string()
    }

    /// A client of `employer_id`; `scopes: None` grants all.
    pub fn create_client(&self, employer_id: &str, scopes: Option<&str>) -> Credentials {
        let mut args = vec![
            "client",
            "create",
            "--employer",
            employer_id,
            "--name",
            "test client",
        ];
        if let Some(scopes) = scopes {
            args.extend(["--scopes", scopes]);
        }
        let created = self.cli(&args).expect("client created");
        Credentials {
            client_id: created["client_id"].as_str().expect("client_id").into(),
            client_secret: created["client_secret"]
                .as_str()
                .expect("client_secret")
                .into(),
        }
    }

    pub async fn request_token(
        &self,
        credentials: &Credentials,
        scope: Option<&str>,
    ) -> reqwest::Response {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", credentials.client_id.as_str()),
            ("client_secret", credentials.client_secret.as_str()),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.http
            .post(self.url("/api/v1/oauth/token"))
            .form(&form)
            .send()
            .await
            .expect("token request")
    }

    pub async fn token(&self, credentials: &Credentials) -> String {
        let response = self.request_token(credentials, None).await;
        assert_eq!(response.status(), 200, "token request failed");
        let body: Value = response.json().await.expect("token json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// A new employer with an all-scopes client and a token for it, with two-step login
    /// turned off: the rules tested with it are about other things, and their employees log
    /// in with a password alone. The two-step rules use [`Self::employer_session_requiring_mfa`].
    pub async fn employer_session(&self) -> EmployerSession {
        let session = self.employer_session_requiring_mfa().await;
        let response = self
            .http
            .patch(self.url("/api/v1/employer"))
            .bearer_auth(&session.token)
            .json(&json!({"mfa_required": false}))
            .send()
            .await
            .expect("employer patch");
        assert_eq!(response.status(), 200, "two-step login turned off");
        session
    }

    /// A new employer as the operator creates it: two-step login required (the default).
    pub async fn employer_session_requiring_mfa(&self) -> EmployerSession {
        let employer_id = self.create_employer("Bakkerij de Vries");
        let credentials = self.create_client(&employer_id, None);
        let token = self.token(&credentials).await;
        EmployerSession {
            employer_id,
            credentials,
            token,
        }
    }
}

/// Outbox settings that make the mail worker poll and retry within milliseconds.
pub fn quick_outbox(env: &mut HashMap<String, String>) {
    for (name, value) in [
        ("VERZUIM_OUTBOX_POLL_MS", "25"),
        ("VERZUIM_OUTBOX_RETRY_FIRST_MS", "50"),
        ("VERZUIM_OUTBOX_RETRY_MAX_MS", "200"),
        ("VERZUIM_SMTP_TIMEOUT_SECONDS", "5"),
    ] {
        env.insert(name.into(), value.into());
    }
}

impl TestApp {
    /// An app that sends its e-mail to `smtp` and polls and retries its outbox quickly.
    pub async fn spawn_with_smtp(backend: Backend, smtp: &smtp::SmtpCapture) -> TestApp {
        let url = smtp.url();
        Self::spawn_with(backend, |env| {
            env.insert("SMTP_URL".into(), url);
            quick_outbox(env);
        })
        .await
    }

    /// A second instance on `other`'s database — its own data dir, port and outbox worker, as
    /// several instances behind a load balancer. The database stays `other`'s to drop.
    pub async fn spawn_sharing_database(
        other: &TestApp,
        adjust: impl FnOnce(&mut HashMap<String, String>),
    ) -> TestApp {
        use secrecy::ExposeSecret;
        let url = other.settings.database.url.expose_secret().to_string();
        // `Backend::Sqlite` only means "create no PostgreSQL database"; DATABASE_URL decides.
        Self::spawn_with(Backend::Sqlite, |env| {
            env.insert("DATABASE_URL".into(), url);
            adjust(env);
        })
        .await
    }
}

/// An employee as their employer registers them (always named Jan Jansen: no rule depends on
/// the name), and the password they choose when they activate their account.
#[derive(Debug, Clone, Copy)]
pub struct NewEmployee<'a> {
    pub email: &'a str,
    pub date_of_birth: &'a str,
    pub language: &'a str,
    pub password: &'a str,
}

impl TestApp {
    /// Registers `new` with the employer whose token is `employer_token`; returns the id.
    pub async fn create_employee(&self, employer_token: &str, new: &NewEmployee<'_>) -> String {
        let response = self
            .http
            .post(self.url("/api/v1/employees"))
            .bearer_auth(employer_token)
            .json(&json!({
                "email": new.email, "date_of_birth": new.date_of_birth, "first_name": "Jan",
                "last_name": "Jansen", "language": new.language,
            }))
            .send()
            .await
            .expect("create employee request");
        assert_eq!(response.status(), 201, "employee created");
        let created: Value = response.json().await.expect("employee json");
        created["id"].as_str().expect("id").to_string()
    }

    pub async fn invite(&self, employer_token: &str, employee_id: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/api/v1/employees/{employee_id}/invitation")))
            .bearer_auth(employer_token)
            .send()
            .await
            .expect("invitation request")
    }

    /// Sends the employee an invitation and returns the token from the `/activate/` link in
    /// the e-mail that arrives at `email`.
    pub async fn invitation_token(
        &self,
        smtp: &smtp::SmtpCapture,
        employer_token: &str,
        employee_id: &str,
        email: &str,
    ) -> String {
        let received_before = smtp.received().len();
        let response = self.invite(employer_token, employee_id).await;
        assert_eq!(response.status(), 202, "invitation sent");
        smtp.newest_link_token(email, "/activate/", received_before)
            .await
    }

    /// Answers the invitation with `new`'s e-mail address, date of birth and password.
    pub async fn activate(&self, invitation: &str, new: &NewEmployee<'_>) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/api/v1/activation/{invitation}")))
            .json(&json!({
                "email": new.email, "date_of_birth": new.date_of_birth, "password": new.password,
            }))
            .send()
            .await
            .expect("activation request")
    }

    /// Registers, invites and activates `new`, who can then log in with `new.password`;
    /// returns the employee's id.
    pub async fn activated_employee(
        &self,
        smtp: &smtp::SmtpCapture,
        employer_token: &str,
        new: &NewEmployee<'_>,
    ) -> String {
        let employee_id = self.create_employee(employer_token, new).await;
        let invitation = self
            .invitation_token(smtp, employer_token, &employee_id, new.email)
            .await;
        let response = self.activate(&invitation, new).await;
        assert_eq!(response.status(), 201, "activated");
        employee_id
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login request")
    }

    /// Presents `cookie` as the refresh cookie the browser would send.
    pub async fn refresh(&self, cookie: &str) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/auth/refresh"))
            .header("Cookie", format!("verzuim_refresh={cookie}"))
            .send()
            .await
            .expect("refresh request")
    }
}

/// The value of the refresh cookie a login or refresh response sets.
pub fn refresh_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("verzuim_refresh="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(name) = self.postgres_database.take() {
            // FORCE ends the app's pooled connections, which outlive the test body.
            if let Ok(mut admin) =
                PgConnection::establish(&format!("{}/postgres", postgres_admin_url()))
            {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

pub struct EmployerSession {
    pub employer_id: String,
    pub credentials: Credentials,
    pub token: String,
}

/// Asserts the status (showing the body when it differs) and returns the JSON body.
pub async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body = response.text().await.expect("response body");
    assert_eq!(got, status, "{body}");
    serde_json::from_str(&body).expect("JSON body")
}

/// Asserts the RFC 9457 shape and returns the body.
pub async fn assert_problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "type: {body}"
    );
    assert!(body["title"].is_string(), "title: {body}");
    assert!(body["detail"].is_string(), "detail: {body}");
    body
}
