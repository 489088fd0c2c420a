//! Webhooks cannot make the server reach anything but the public internet (issue 12): every
//! spelling of a loopback, private, link-local or reserved address is refused when the webhook
//! is created; an endpoint whose address is refused when it is delivered to is never
//! contacted; and a failed delivery tells the client (the deliveries API), the database and the
//! logs only a category, never the error's text, which would make the server a port scanner.

use std::time::Duration;

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use serde_json::{json, Value};
use verzuim::db::schema::webhooks;
use verzuim::events::feed::{self, EventKind};
use verzuim::events::outbox::{self, OutboxRow};
use verzuim_tests::process::ServerProcess;
use verzuim_tests::webhook_receiver::WebhookReceiver;
use verzuim_tests::{
    assert_problem, on_both_databases, quick_outbox, Credentials, TestApp, TEST_JWT_SECRET,
};

use crate::webhooks::quick_webhooks;

const WAIT: Duration = Duration::from_secs(20);

/// The categories a failed attempt may show; anything else is a leak.
const CATEGORIES: [&str; 6] = [
    "dns",
    "blocked_address",
    "connect",
    "timeout",
    "tls",
    "http_status",
];

/// Words of the error texts an attacker would read to tell an open port from a closed one.
const RAW_ERROR_WORDS: [&str; 6] = [
    "refused",
    "os error",
    "reset",
    "unreachable",
    "error trying to connect",
    "tcp connect",
];

/// Hosts that must never be accepted as a webhook destination, each spelled as an attacker
/// would to slip past a naive check.
const FORBIDDEN_HOSTS: &[&str] = &[
    "localhost",
    "LocalHost.",
    "hooks.localhost",
    "127.0.0.1",
    "2130706433",
    "0x7f.1",
    "127.1",
    "0177.0.0.1",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "198.18.0.1",
    "198.19.255.255",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.0.1",
    "192.0.0.170",
    "192.0.2.1",
    "198.51.100.1",
    "203.0.113.1",
    "224.0.0.1",
    "[::1]",
    "[::]",
    "[::127.0.0.1]",
    "[::7f00:1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:0:7f00:1]",
    "[::ffff:0:127.0.0.1]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b::a9fe:a9fe]",
    "[64:ff9b:1::7f00:1]",
    "[64:ff9b:1:7f00:1::]",
    "[2002:7f00:1::]",
    "[2002:a9fe:a9fe::1]",
    "[2001:0:7f00:1::fefe:fefe]",
    "[2001:0:808:808::80ff:fffe]",
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
    "[fec0::1]",
    "[fc00::1]",
    "[fd00::1]",
    "[fe80::1]",
    "[ff02::1]",
    "[2001:db8::1]",
];

async fn post_webhook(app: &TestApp, token: &str, url: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(token)
        .json(&json!({ "url": url, "events": ["employee.invited"] }))
        .send()
        .await
        .expect("request")
}

async fn deliveries(app: &TestApp, token: &str, webhook_id: &str) -> Value {
    let response = app
        .http
        .get(app.url(&format!("/api/v1/webhooks/{webhook_id}/deliveries")))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// The deliveries of `webhook_id` once `count` attempts have been recorded.
async fn wait_for_attempts(app: &TestApp, token: &str, webhook_id: &str, count: usize) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let page = deliveries(app, token, webhook_id).await;
        if page["items"].as_array().is_some_and(|i| i.len() >= count) {
            return page;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {count} attempts: {page}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn webhook_rows(app: &TestApp) -> Vec<OutboxRow> {
    outbox::all(&mut app.db())
        .expect("outbox rows")
        .into_iter()
        .filter(|r| r.channel == outbox::WEBHOOK)
        .collect()
}

/// Asserts `text` holds none of the words of a raw connection error.
fn assert_no_raw_error(text: &str) {
    let lower = text.to_lowercase();
    for word in RAW_ERROR_WORDS {
        assert!(!lower.contains(word), "`{word}` leaked: {text}");
    }
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A webhook row written straight into the database, as one registered before the address rule
/// was this strict (or while private destinations were allowed).
fn store_webhook(app: &TestApp, employer_id: &str, url: &str) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(&id),
            webhooks::employer_id.eq(employer_id),
            webhooks::url.eq(url),
            webhooks::events.eq("employee.invited"),
            webhooks::secret.eq("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            webhooks::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut app.db())
        .expect("webhook stored");
    id
}

on_both_databases! {
    async fn every_spelling_of_a_non_public_address_is_refused_at_registration(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        for host in FORBIDDEN_HOSTS {
            for url in [format!("http://{host}/hook"), format!("https://{host}:8443/hook")] {
                let response = post_webhook(&app, &session.token, &url).await;
                let problem = assert_problem(response, 400).await;
                assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
            }
        }
        let listed: Value = app.http.get(app.url("/api/v1/webhooks")).bearer_auth(&session.token)
            .send().await.expect("request").json().await.expect("json");
        assert_eq!(listed["items"], json!([]), "nothing was stored");
        // A public destination is still fine.
        let response = post_webhook(&app, &session.token, "https://hr.example.nl/hook").await;
        assert_eq!(response.status(), 201);
    }

    async fn an_unreachable_endpoint_records_only_a_category(backend) {
        let app = TestApp::spawn_with(backend, quick_webhooks).await;
        let session = app.employer_session().await;
        let url = format!("http://127.0.0.1:{}/hook", closed_port());
        let response = post_webhook(&app, &session.token, &url).await;
        assert_eq!(response.status(), 201, "loopback is allowed in this app");
        let hook: Value = response.json().await.expect("json");
        let hook_id = hook["id"].as_str().expect("id");
        feed::record(&mut app.db(), &session.employer_id, EventKind::EmployeeInvited, json!({"employee_id": "e-1"}))
            .expect("recorded");

        let page = wait_for_attempts(&app, &session.token, hook_id, 2).await;
        for item in page["items"].as_array().expect("items") {
            assert_eq!(item["error"], "connect", "{item}");
            assert_eq!(item["status_code"], Value::Null, "{item}");
            assert_eq!(item["succeeded"], false, "{item}");
        }
        assert_no_raw_error(&page.to_string());

        // In the database too: the attempts and the outbox row hold the category only.
        let rows = webhook_rows(&app);
        assert_eq!(rows.len(), 1, "{rows:?}");
        let last_error = rows[0].last_error.clone().expect("a failure is recorded");
        assert!(CATEGORIES.contains(&last_error.as_str()), "{last_error}");
        let stored: Vec<Option<String>> = verzuim::db::schema::webhook_attempts::table
            .select(verzuim::db::schema::webhook_attempts::error)
            .load(&mut app.db())
            .expect("attempts");
        assert!(stored.len() >= 2);
        assert!(stored.iter().all(|e| e.as_deref() == Some("connect")), "{stored:?}");
    }

    async fn a_stored_private_destination_is_blocked_at_delivery_without_a_connection(backend) {
        // Private destinations are refused in this app; the endpoints got into the database
        // anyway (registered earlier, or while the setting allowed them).
        let app = TestApp::spawn_with(backend, |env| {
            quick_outbox(env);
            env.insert("VERZUIM_WEBHOOK_RETRY_SCHEDULE_MS".into(), "50,50,50,50,50".into());
        })
        .await;
        let session = app.employer_session().await;
        let receiver = WebhookReceiver::start().await;
        let port = url::Url::parse(&receiver.url("/")).expect("url").port().expect("port");
        // An IP literal (reqwest connects to those without asking the resolver), the same in
        // IPv4-mapped form, and a name that resolves to loopback.
        let hooks: Vec<String> = [
            format!("http://127.0.0.1:{port}/literal"),
            format!("http://[::ffff:127.0.0.1]:{port}/mapped"),
            format!("http://localhost:{port}/name"),
        ]
        .iter()
        .map(|url| store_webhook(&app, &session.employer_id, url))
        .collect();
        feed::record(&mut app.db(), &session.employer_id, EventKind::EmployeeInvited, json!({"employee_id": "e-1"}))
            .expect("recorded");

        for hook in &hooks {
            let page = wait_for_attempts(&app, &session.token, hook, 2).await;
            for item in page["items"].as_array().expect("items") {
                assert_eq!(item["error"], "blocked_address", "{hook}: {item}");
                assert_eq!(item["status_code"], Value::Null, "{item}");
            }
        }
        assert!(receiver.received().is_empty(), "a refused destination was contacted: {:?}", receiver.received());
    }

    async fn the_logs_of_a_failed_delivery_name_only_its_category(backend) {
        // The in-process app only sets the database up; its worker does not poll again for a
        // day, so the child process delivers, and its log is what an operator would read.
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("VERZUIM_OUTBOX_POLL_MS".into(), "86400000".into());
        })
        .await;
        let session = app.employer_session().await;
        let mut env: Vec<(String, String)> = app
            .process_env()
            .into_iter()
            .filter(|(name, _)| name != "VERZUIM_DATA_DIR")
            .collect();
        env.extend(
            [
                ("VERZUIM_JWT_SECRET", TEST_JWT_SECRET),
                ("VERZUIM_PUBLIC_URL", "http://verzuim.test"),
                ("VERZUIM_WEBHOOK_ALLOW_PRIVATE", "true"),
                ("VERZUIM_WEBHOOK_RETRY_SCHEDULE_MS", "50,50"),
                ("VERZUIM_RATE_LIMIT_PER_MINUTE", "0"),
                ("VERZUIM_OUTBOX_POLL_MS", "25"),
                ("VERZUIM_LOG", "info"),
            ]
            .map(|(name, value)| (name.to_string(), value.to_string())),
        );
        let server = ServerProcess::start(&env).await;
        let token = token_from(&server, &session.credentials).await;
        let url = format!("http://127.0.0.1:{}/hook", closed_port());
        let response = reqwest::Client::new()
            .post(server.url("/api/v1/webhooks"))
            .bearer_auth(&token)
            .json(&json!({ "url": url, "events": ["employee.invited"] }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201);
        feed::record(&mut app.db(), &session.employer_id, EventKind::EmployeeInvited, json!({"employee_id": "e-1"}))
            .expect("recorded");

        // Three attempts on a two-retry schedule, then given up.
        let deadline = tokio::time::Instant::now() + WAIT;
        while webhook_rows(&app).first().is_none_or(|r| r.failed_at.is_none()) {
            assert!(tokio::time::Instant::now() < deadline, "not given up: {:?}", webhook_rows(&app));
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let log = server.log();
        assert!(log.contains("webhook: delivery failed, will retry"), "{log}");
        assert!(log.contains("webhook: delivery given up"), "{log}");
        let failures: Vec<&str> = log.lines().filter(|l| l.contains("webhook: delivery")).collect();
        assert!(failures.iter().all(|l| l.contains("\"error\":\"connect\"")), "{failures:?}");
        assert_no_raw_error(&log);
        assert_eq!(webhook_rows(&app)[0].last_error.as_deref(), Some("connect"));
    }
}

async fn token_from(server: &ServerProcess, credentials: &Credentials) -> String {
    let response = reqwest::Client::new()
        .post(server.url("/api/v1/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", credentials.client_id.as_str()),
            ("client_secret", credentials.client_secret.as_str()),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}
