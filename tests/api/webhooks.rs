//! Webhooks: endpoint management (`/webhooks`, scope `webhooks:manage`) and signed delivery per
//! Standard Webhooks through the outbox, to a real HTTP receiver on loopback.

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use verzuim::events::feed::{self, EventKind};
use verzuim_tests::webhook_receiver::WebhookReceiver;
use verzuim_tests::{assert_problem, on_both_databases, quick_outbox, Backend, TestApp};

const WAIT: Duration = Duration::from_secs(20);

/// Loopback endpoints allowed, and the retry schedule in milliseconds.
pub async fn spawn_for_webhooks(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, quick_webhooks).await
}

pub fn quick_webhooks(env: &mut std::collections::HashMap<String, String>) {
    quick_outbox(env);
    env.insert("VERZUIM_WEBHOOK_ALLOW_PRIVATE".into(), "true".into());
    env.insert(
        "VERZUIM_WEBHOOK_RETRY_SCHEDULE_MS".into(),
        "50,50,50,50,50".into(),
    );
}

async fn create_webhook(app: &TestApp, token: &str, url: &str, events: &[&str]) -> Value {
    let response = app
        .http
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(token)
        .json(&json!({ "url": url, "events": events }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201, "webhook created");
    response.json().await.expect("json")
}

fn record(app: &TestApp, employer_id: &str, data: Value) -> String {
    feed::record(&mut app.db(), employer_id, EventKind::EmployeeInvited, data).expect("recorded")
}

/// The signature the Standard Webhooks spec defines, computed here independently of the app.
fn expected_signature(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("key");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
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

/// The endpoint's attempts once `count` are recorded: the receiver sees a request before the
/// deliverer has written down its answer.
async fn recorded_deliveries(app: &TestApp, token: &str, webhook_id: &str, count: usize) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let attempts = deliveries(app, token, webhook_id).await;
        if attempts["items"].as_array().expect("items").len() >= count {
            return attempts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{count} attempts not recorded: {attempts}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

on_both_databases! {
    async fn delivery_is_signed_and_the_signature_verifies(backend) {
        let app = spawn_for_webhooks(backend).await;
        let session = app.employer_session().await;
        let receiver = WebhookReceiver::start().await;
        let hook = create_webhook(&app, &session.token, &receiver.url("/hook"), &["employee.invited"]).await;
        let secret = hook["secret"].as_str().expect("secret");
        assert!(secret.starts_with("whsec_"));
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&secret[6..])
                .expect("base64")
                .len(),
            32
        );

        let event_id = record(&app, &session.employer_id, json!({"employee_id": "e-1"}));
        let received = receiver.wait_for_delivered(1, WAIT).await;
        let hook_request = &received[0];
        assert_eq!(hook_request.path, "/hook");
        let id = hook_request.header("webhook-id");
        let timestamp = hook_request.header("webhook-timestamp");
        assert!(!id.is_empty());
        let now = chrono::Utc::now().timestamp();
        let sent_at: i64 = timestamp.parse().expect("unix seconds");
        assert!((now - sent_at).abs() < 60);
        assert_eq!(
            hook_request.header("webhook-signature"),
            expected_signature(secret, id, timestamp, &hook_request.body)
        );
        let body = hook_request.json();
        assert_eq!(body["type"], "employee.invited");
        assert_eq!(body["data"]["employee_id"], "e-1");
        assert!(body["timestamp"].is_string());

        let attempts = recorded_deliveries(&app, &session.token, hook["id"].as_str().expect("id"), 1).await;
        let items = attempts["items"].as_array().expect("items");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["status_code"], 200);
        assert_eq!(items[0]["succeeded"], true);
        assert_eq!(items[0]["event_id"], event_id.as_str());
        assert_eq!(items[0]["webhook_message_id"], id);
        assert!(items[0]["attempted_at"].is_string());

        // The secret is shown only on creation.
        let listed: Value = app.http.get(app.url("/api/v1/webhooks")).bearer_auth(&session.token)
            .send().await.expect("request").json().await.expect("json");
        assert_eq!(listed["items"].as_array().expect("items").len(), 1);
        assert!(listed["items"][0].get("secret").is_none());
    }

    async fn failing_receiver_gets_the_event_later_with_the_same_webhook_id(backend) {
        let app = spawn_for_webhooks(backend).await;
        let session = app.employer_session().await;
        let receiver = WebhookReceiver::start().await;
        receiver.answer_with(&[500, 500, 500]);
        let hook = create_webhook(&app, &session.token, &receiver.url("/hook"), &["employee.invited"]).await;
        record(&app, &session.employer_id, json!({"employee_id": "e-1"}));

        receiver.wait_for_delivered(1, WAIT).await;
        let all = receiver.received();
        assert_eq!(all.len(), 4, "three failures, then the delivery");
        let ids: HashSet<&str> = all.iter().map(|r| r.header("webhook-id")).collect();
        assert_eq!(ids.len(), 1, "every retry carries the same webhook-id");
        assert_eq!(all.iter().map(|r| r.answered).collect::<Vec<_>>(), [500, 500, 500, 200]);

        let attempts = recorded_deliveries(&app, &session.token, hook["id"].as_str().expect("id"), 4).await;
        let items = attempts["items"].as_array().expect("items");
        assert_eq!(items.len(), 4);
        // Newest first.
        assert_eq!(items[0]["attempt"], 4);
        assert_eq!(items[0]["succeeded"], true);
        assert_eq!(items[3]["status_code"], 500);
        assert_eq!(items[3]["succeeded"], false);
        // A category only; the status is in `status_code`.
        assert_eq!(items[3]["error"], "http_status");
    }

    async fn receiver_that_is_down_gets_the_event_when_it_comes_up(backend) {
        let app = TestApp::spawn_with(backend, |env| {
            quick_webhooks(env);
            env.insert("VERZUIM_WEBHOOK_RETRY_SCHEDULE_MS".into(), "100,100,100,100,100,100,100,100,100".into());
        }).await;
        let session = app.employer_session().await;
        // A port that refuses connections: bind, note it, close.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            listener.local_addr().expect("address").port()
        };
        create_webhook(&app, &session.token, &format!("http://127.0.0.1:{port}/hook"), &["employee.invited"]).await;
        record(&app, &session.employer_id, json!({"employee_id": "e-1"}));
        tokio::time::sleep(Duration::from_millis(400)).await;
        let receiver = WebhookReceiver::start_on(port).await;
        let received = receiver.wait_for_delivered(1, WAIT).await;
        assert_eq!(received.len(), 1);
        assert_eq!(receiver.received().len(), 1);
    }

    async fn gone_disables_the_endpoint(backend) {
        let app = spawn_for_webhooks(backend).await;
        let session = app.employer_session().await;
        let receiver = WebhookReceiver::start().await;
        receiver.answer_with(&[410]);
        let hook = create_webhook(&app, &session.token, &receiver.url("/hook"), &["employee.invited"]).await;
        record(&app, &session.employer_id, json!({"employee_id": "e-1"}));

        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let listed: Value = app.http.get(app.url("/api/v1/webhooks")).bearer_auth(&session.token)
                .send().await.expect("request").json().await.expect("json");
            if listed["items"][0]["disabled_at"].is_string() {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "not disabled: {listed}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        record(&app, &session.employer_id, json!({"employee_id": "e-2"}));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.received().len(), 1, "nothing more after 410");
        let attempts = deliveries(&app, &session.token, hook["id"].as_str().expect("id")).await;
        assert_eq!(attempts["items"][0]["status_code"], 410);
    }

    async fn bad_url_or_unknown_event_type_is_400(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        for (body, field) in [
            (json!({"url": "ftp://hr.example.nl/hook", "events": ["absence.reported"]}), "url"),
            (json!({"url": "not a url", "events": ["absence.reported"]}), "url"),
            // Loopback is refused by default (VERZUIM_WEBHOOK_ALLOW_PRIVATE=false).
            (json!({"url": "http://127.0.0.1:9/hook", "events": ["absence.reported"]}), "url"),
            (json!({"url": "https://hr.example.nl/hook", "events": ["absence.diagnosed"]}), "events.0"),
            (json!({"url": "https://hr.example.nl/hook", "events": []}), "events"),
        ] {
            let response = app.http.post(app.url("/api/v1/webhooks")).bearer_auth(&session.token)
                .json(&body).send().await.expect("request");
            let problem = assert_problem(response, 400).await;
            assert_eq!(problem["errors"][0]["field"], field, "{body}");
        }
        let response = app.http.post(app.url("/api/v1/webhooks")).bearer_auth(&session.token)
            .json(&json!({"url": "https://hr.example.nl/hook", "events": ["absence.reported"], "secret": "mine"}))
            .send().await.expect("request");
        assert_problem(response, 400).await;
    }

    async fn another_employers_webhook_is_404(backend) {
        let app = spawn_for_webhooks(backend).await;
        let owner = app.employer_session().await;
        let other = app.employer_session().await;
        let hook = create_webhook(&app, &owner.token, "https://hr.example.nl/hook", &["absence.reported"]).await;
        let id = hook["id"].as_str().expect("id");
        let response = app.http.get(app.url(&format!("/api/v1/webhooks/{id}/deliveries")))
            .bearer_auth(&other.token).send().await.expect("request");
        assert_problem(response, 404).await;
        let response = app.http.delete(app.url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(&other.token).send().await.expect("request");
        assert_problem(response, 404).await;
        let listed: Value = app.http.get(app.url("/api/v1/webhooks")).bearer_auth(&other.token)
            .send().await.expect("request").json().await.expect("json");
        assert_eq!(listed["items"], json!([]));

        let response = app.http.delete(app.url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(&owner.token).send().await.expect("request");
        assert_eq!(response.status(), 204);
        let response = app.http.delete(app.url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(&owner.token).send().await.expect("request");
        assert_problem(response, 404).await;
    }

    async fn webhooks_and_the_feed_need_webhooks_manage(backend) {
        let app = TestApp::spawn(backend).await;
        let employer_id = app.create_employer("Bakkerij de Vries");
        let credentials = app.create_client(&employer_id, Some("employees:read absences:read"));
        let token = app.token(&credentials).await;
        for path in ["/api/v1/webhooks", "/api/v1/events"] {
            let response = app.http.get(app.url(path)).bearer_auth(&token).send().await.expect("request");
            assert_problem(response, 403).await;
        }
        let response = app.http.post(app.url("/api/v1/webhooks")).bearer_auth(&token)
            .json(&json!({"url": "https://hr.example.nl/hook", "events": ["absence.reported"]}))
            .send().await.expect("request");
        assert_problem(response, 403).await;
    }

    async fn two_instances_deliver_each_event_exactly_once(backend) {
        let first = spawn_for_webhooks(backend).await;
        let second = TestApp::spawn_sharing_database(&first, quick_webhooks).await;
        let session = first.employer_session().await;
        let receiver = WebhookReceiver::start().await;
        create_webhook(&first, &session.token, &receiver.url("/hook"), &["employee.invited"]).await;
        for i in 0..20 {
            record(&first, &session.employer_id, json!({"employee_id": format!("e-{i}")}));
        }
        receiver.wait_for_delivered(20, WAIT).await;
        // Give a duplicate time to show up.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let all = receiver.received();
        assert_eq!(all.len(), 20, "each event delivered once");
        let ids: HashSet<&str> = all.iter().map(|r| r.header("webhook-id")).collect();
        assert_eq!(ids.len(), 20);
        drop(second);
    }

    async fn retry_after_on_429_is_respected(backend) {
        let app = spawn_for_webhooks(backend).await;
        let session = app.employer_session().await;
        let receiver = WebhookReceiver::start().await;
        receiver.answer_once_with_headers(429, &[("retry-after", "2")]);
        create_webhook(&app, &session.token, &receiver.url("/hook"), &["employee.invited"]).await;
        record(&app, &session.employer_id, json!({"employee_id": "e-1"}));
        receiver.wait_for_delivered(1, WAIT).await;
        let all = receiver.received();
        assert_eq!(all.len(), 2);
        let gap = all[1].at.duration_since(all[0].at);
        assert!(gap >= Duration::from_millis(1900), "retried after {gap:?}, not after Retry-After");
        assert_eq!(all[0].header("webhook-id"), all[1].header("webhook-id"));
    }
}
