//! Deliveries survive failures (issue 5): a server killed with `kill -9` in the middle of a
//! webhook delivery delivers it after a restart with the same `webhook-id`, and e-mails reported
//! while SMTP is down arrive once each when it comes back.

use std::time::Duration;

use serde_json::{json, Value};
use verzuim::events::outbox::{self, OutboxRow};
use verzuim_tests::process::{HangFirstReceiver, ServerProcess};
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::{on_both_databases, quick_outbox, Credentials, TestApp, TEST_JWT_SECRET};

const WAIT: Duration = Duration::from_secs(30);
const ABSENCE_EMAIL: &str = "verzuim@employer.test";
const ARBO_EMAIL: &str = "arbo@arbodienst.test";

fn today() -> String {
    verzuim_tests::dutch_today().to_string()
}

async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Value,
) -> reqwest::Response {
    http.request(method, url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

/// Creates an employee of the token's employer through `base`; returns its id.
async fn create_employee(http: &reqwest::Client, base: &str, token: &str) -> String {
    let response = send(
        http,
        reqwest::Method::POST,
        format!("{base}/api/v1/employees"),
        token,
        json!({
            "email": "jan.jansen@bakkerij.nl", "date_of_birth": "1985-04-12",
            "first_name": "Jan", "last_name": "Jansen", "language": "nl",
        }),
    )
    .await;
    assert_eq!(response.status(), 201, "employee created");
    let body: Value = response.json().await.expect("json");
    body["id"].as_str().expect("id").to_string()
}

/// The employer reports `employee_id` sick as of today through `base`.
async fn report_absence(http: &reqwest::Client, base: &str, token: &str, employee_id: &str) {
    let response = send(
        http,
        reqwest::Method::POST,
        format!("{base}/api/v1/employees/{employee_id}/absences"),
        token,
        json!({"first_sick_day": today()}),
    )
    .await;
    assert_eq!(response.status(), 201, "sick report accepted");
}

/// A token for `credentials`, from the server at `base`.
async fn token_from(http: &reqwest::Client, base: &str, credentials: &Credentials) -> String {
    let response = http
        .post(format!("{base}/api/v1/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", credentials.client_id.as_str()),
            ("client_secret", credentials.client_secret.as_str()),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 200, "token issued");
    let body: Value = response.json().await.expect("json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// Polls the outbox rows of `channel` until `done` holds; panics after [`WAIT`].
async fn wait_for_outbox(
    app: &TestApp,
    channel: &str,
    what: &str,
    done: impl Fn(&[OutboxRow]) -> bool,
) -> Vec<OutboxRow> {
    let mut conn = app.db();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows: Vec<OutboxRow> = outbox::all(&mut conn)
            .expect("outbox rows")
            .into_iter()
            .filter(|r| r.channel == channel)
            .collect();
        if done(&rows) {
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The environment of a `verzuim serve` child on `app`'s database: quick polling, a 4 s lease
/// (the least a 1 s SMTP timeout allows) and a webhook timeout far beyond the test.
fn server_env(app: &TestApp) -> Vec<(String, String)> {
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
            ("VERZUIM_RATE_LIMIT_PER_MINUTE", "0"),
            ("VERZUIM_DB_POOL_SIZE", "4"),
            ("VERZUIM_OUTBOX_POLL_MS", "25"),
            ("VERZUIM_SMTP_TIMEOUT_SECONDS", "1"),
            ("VERZUIM_OUTBOX_LEASE_SECONDS", "4"),
            ("VERZUIM_WEBHOOK_TIMEOUT_SECONDS", "60"),
            ("VERZUIM_LOG", "info"),
        ]
        .map(|(name, value)| (name.to_string(), value.to_string())),
    );
    env
}

on_both_databases! {
    async fn killed_server_mid_delivery_delivers_after_restart_with_the_same_webhook_id(backend) {
        // The in-process app only sets the database up: its worker polls once at start (an
        // empty outbox) and then not for a day, so only the child processes deliver.
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("VERZUIM_OUTBOX_POLL_MS".into(), "86400000".into());
            env.insert("VERZUIM_WEBHOOK_ALLOW_PRIVATE".into(), "true".into());
        })
        .await;
        let session = app.employer_session().await;
        let receiver = HangFirstReceiver::start().await;

        let mut first = ServerProcess::start(&server_env(&app)).await;
        let http = reqwest::Client::new();
        let token = token_from(&http, &first.address, &session.credentials).await;
        let response = send(
            &http,
            reqwest::Method::POST,
            first.url("/api/v1/webhooks"),
            &token,
            json!({"url": receiver.url("/hooks"), "events": ["absence.reported"]}),
        )
        .await;
        assert_eq!(response.status(), 201, "webhook created");
        let employee_id = create_employee(&http, &first.address, &token).await;
        report_absence(&http, &first.address, &token, &employee_id).await;

        // The first attempt reaches the receiver, which never answers it.
        let held = receiver
            .wait_until(WAIT, "the first delivery attempt", |r| !r.is_empty())
            .await;
        assert_eq!(held.len(), 1, "{held:?}");
        assert_eq!(held[0].answered, None);
        let webhook_id = held[0].webhook_id.clone();
        assert!(!webhook_id.is_empty(), "a webhook-id header");
        let rows = wait_for_outbox(&app, outbox::WEBHOOK, "the delivery is leased", |rows| {
            rows.len() == 1 && rows[0].attempts == 1 && rows[0].locked_until.is_some()
        })
        .await;
        assert_eq!(rows[0].delivery_id, webhook_id);
        assert!(rows[0].sent_at.is_none());

        first.kill();
        let second = ServerProcess::start(&server_env(&app)).await;

        // When the dead instance's lease runs out, the new one delivers it, with the same id.
        let rows = wait_for_outbox(&app, outbox::WEBHOOK, "the delivery is marked sent", |rows| {
            rows.iter().all(|r| r.sent_at.is_some())
        })
        .await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].attempts, 2, "the killed attempt counted: {rows:?}");
        let received = receiver.received();
        assert_eq!(received.len(), 2, "the held attempt and one redelivery: {received:?}\n{}", second.log());
        let delivered: Vec<_> = received.iter().filter(|r| r.answered == Some(200)).collect();
        assert_eq!(delivered.len(), 1, "exactly one 2xx-answered delivery: {received:?}");
        assert_eq!(delivered[0].webhook_id, webhook_id, "the same webhook-id after the restart");
        assert_eq!(delivered[0].body, received[0].body, "the same event");
        let event: Value = serde_json::from_slice(&delivered[0].body).expect("JSON body");
        assert_eq!(event["type"], "absence.reported");
        assert_eq!(event["data"]["employee_id"], employee_id.as_str(), "{event}");
    }

    async fn smtp_down_report_made_smtp_up_both_emails_arrive_once(backend) {
        let smtp = SmtpCapture::start_down();
        let url = smtp.url();
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("SMTP_URL".into(), url);
            quick_outbox(env);
        })
        .await;
        let session = app.employer_session().await;
        let response = send(
            &app.http,
            reqwest::Method::PATCH,
            app.url("/api/v1/employer"),
            &session.token,
            json!({"arbodienst_email": ARBO_EMAIL}),
        )
        .await;
        assert_eq!(response.status(), 200, "arbodienst address set");
        let employee_id = create_employee(&app.http, &app.address, &session.token).await;
        report_absence(&app.http, &app.address, &session.token, &employee_id).await;

        // Both e-mails were tried while SMTP refused connections.
        let rows = wait_for_outbox(&app, outbox::EMAIL, "both e-mails were tried", |rows| {
            rows.len() == 2 && rows.iter().all(|r| r.attempts >= 1 && r.last_error.is_some())
        })
        .await;
        assert!(rows.iter().all(|r| r.sent_at.is_none() && r.failed_at.is_none()), "{rows:?}");
        assert!(smtp.received().is_empty());

        smtp.come_up();
        wait_for_outbox(&app, outbox::EMAIL, "both e-mails are sent", |rows| {
            rows.len() == 2 && rows.iter().all(|r| r.sent_at.is_some())
        })
        .await;
        let received = smtp.wait_for(2, WAIT).await;
        // Nothing is left to send; a short grace period shows no duplicate follows.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let received_later = smtp.received();
        assert_eq!(received_later.len(), received.len(), "no more e-mails: {received_later:?}");
        assert_eq!(received.len(), 2, "two e-mails: {received:?}");
        for to in [ABSENCE_EMAIL, ARBO_EMAIL] {
            let to_this: Vec<_> = received
                .iter()
                .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(to)))
                .collect();
            assert_eq!(to_this.len(), 1, "one e-mail to {to}: {received:?}");
            assert_eq!(to_this[0].rcpt_to.len(), 1, "addressed to {to} alone");
        }
        let ids: std::collections::HashSet<_> = received
            .iter()
            .map(|m| m.parsed().message_id().map(str::to_string))
            .collect();
        assert_eq!(ids.len(), 2, "two distinct messages");
    }

    async fn a_server_killed_while_raising_overdue_steps_raises_each_exactly_once_after_restart(backend) {
        use diesel::prelude::*;
        use verzuim::db::schema::{events, overdue_steps};
        // The in-process app only makes the data; its overdue job ran once at start (nothing
        // late then) and waits a day, so only the child processes raise.
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("VERZUIM_OVERDUE_CHECK_MS".into(), "86400000".into());
        })
        .await;
        let session = app.employer_session().await;
        let http = reqwest::Client::new();
        const ABSENCES: usize = 40;
        for n in 0..ABSENCES {
            let created = send(&http, reqwest::Method::POST, app.url("/api/v1/employees"), &session.token,
                json!({"email": format!("medewerker{n}@bakkerij.nl"), "date_of_birth": "1985-04-12",
                       "first_name": "Jan", "last_name": format!("Jansen {n}"), "language": "nl"})).await;
            assert_eq!(created.status(), 201);
            let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
            report_absence(&http, &app.address, &session.token, &id).await;
        }
        // 300 days ago: the steps up to week 42 are late, about ten per absence.
        let began = (verzuim_tests::dutch_today() - chrono::TimeDelta::days(300)).to_string();
        diesel::sql_query(format!("UPDATE absences SET first_sick_day = '{began}', counting_from = '{began}'"))
            .execute(&mut app.db()).unwrap();
        let any: Value = http.get(app.url("/api/v1/absences?limit=1")).bearer_auth(&session.token)
            .send().await.unwrap().json().await.unwrap();
        let one = any["items"][0]["id"].as_str().unwrap().to_string();
        let timeline: Value = http.get(app.url(&format!("/api/v1/absences/{one}/timeline")))
            .bearer_auth(&session.token).send().await.unwrap().json().await.unwrap();
        let late_per_absence = timeline["milestones"].as_array().unwrap().iter()
            .filter(|m| m["status"] == "late").count();
        assert!(late_per_absence >= 8, "{timeline}");
        let expected = (ABSENCES * late_per_absence) as i64;
        let raised = |app: &TestApp| -> (i64, i64) {
            let mut conn = app.db();
            let rows = overdue_steps::table.count().get_result::<i64>(&mut conn).unwrap();
            let events = events::table.filter(events::kind.eq("poortwachter.step_overdue"))
                .count().get_result::<i64>(&mut conn).unwrap();
            (rows, events)
        };

        let mut env = server_env(&app);
        env.push(("VERZUIM_OVERDUE_CHECK_MS".into(), "1".into()));
        let mut first = ServerProcess::start(&env).await;
        let deadline = tokio::time::Instant::now() + WAIT;
        while raised(&app).0 == 0 {
            assert!(tokio::time::Instant::now() < deadline, "nothing raised:\n{}", first.log());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        first.kill();
        let (rows_at_kill, events_at_kill) = raised(&app);
        eprintln!("killed after {rows_at_kill} of {expected}");
        assert_eq!(rows_at_kill, events_at_kill, "a step and its event commit together");

        let second = ServerProcess::start(&env).await;
        let deadline = tokio::time::Instant::now() + WAIT;
        while raised(&app).0 < expected {
            assert!(tokio::time::Instant::now() < deadline, "not all raised ({:?} of {expected}):\n{}", raised(&app), second.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // More runs raise nothing new: exactly one event per late step.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(raised(&app), (expected, expected), "killed after {rows_at_kill} of {expected}");
    }
}
