//! `Idempotency-Key` after authorisation (SPEC §3, §7): a stored response is replayed only to
//! a caller who may make the request now, and what is stored cannot be read from the database.

use diesel::prelude::*;
use serde_json::{json, Value};
use verzuim::db::schema::idempotency_keys;
use verzuim_tests::{assert_problem, on_both_databases, TestApp};

async fn create_webhook(app: &TestApp, token: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(token)
        .header("Idempotency-Key", "webhook-1")
        .json(&json!({"url": "https://hooks.bakkerij.nl/verzuim", "events": ["absence.reported"]}))
        .send()
        .await
        .expect("request")
}

on_both_databases! {
    async fn a_replay_after_the_client_is_revoked_answers_401(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        assert_eq!(create_webhook(&app, &session.token).await.status(), 201);
        app.cli(&["client", "revoke", &session.credentials.client_id]).expect("revoked");
        let replay = create_webhook(&app, &session.token).await;
        assert!(!replay.headers().contains_key("idempotent-replayed"));
        let problem = assert_problem(replay, 401).await;
        assert!(!problem.to_string().contains("whsec_"));
    }

    async fn a_replay_to_a_token_without_the_scope_answers_403(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        assert_eq!(create_webhook(&app, &session.token).await.status(), 201);
        let narrow = app.request_token(&session.credentials, Some("employees:read")).await;
        assert_eq!(narrow.status(), 200);
        let narrow: Value = narrow.json().await.expect("json");
        let replay = create_webhook(&app, narrow["access_token"].as_str().expect("token")).await;
        assert!(!replay.headers().contains_key("idempotent-replayed"));
        let problem = assert_problem(replay, 403).await;
        assert!(problem["detail"].as_str().unwrap_or_default().contains("webhooks:manage"));
    }

    async fn a_stored_response_holds_no_secret_in_plain_text(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let first = create_webhook(&app, &session.token).await;
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.expect("json");
        let secret = first["secret"].as_str().expect("secret").to_string();
        assert!(secret.starts_with("whsec_"));

        let stored: Vec<Option<Vec<u8>>> = idempotency_keys::table
            .select(idempotency_keys::body)
            .load(&mut app.db())
            .expect("stored responses");
        assert_eq!(stored.len(), 1);
        let body = stored[0].clone().expect("a stored body");
        assert!(!body.is_empty());
        let needle = b"whsec_";
        assert!(!body.windows(needle.len()).any(|w| w == needle), "the secret is sealed");
        // Sealed bytes are random: a two-byte needle would turn up by chance in one run of a
        // few hundred; a field name of the response would not.
        let field = b"\"secret\"";
        assert!(!body.windows(field.len()).any(|w| w == field), "the body is not stored as JSON");
        assert!(serde_json::from_slice::<Value>(&body).is_err(), "the body is not stored as JSON");

        // The client that made it gets it back, secret and all.
        let replay = create_webhook(&app, &session.token).await;
        assert_eq!(replay.status(), 201);
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        let replay: Value = replay.json().await.expect("json");
        assert_eq!(replay["secret"], secret);
    }

    async fn a_request_the_handler_refused_is_not_kept_for_replay(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let narrow = app.request_token(&session.credentials, Some("employees:read")).await;
        let narrow: Value = narrow.json().await.expect("json");
        let refused = create_webhook(&app, narrow["access_token"].as_str().expect("token")).await;
        assert_problem(refused, 403).await;
        // The same key with a token that may: handled afresh, not a replayed 403.
        let allowed = create_webhook(&app, &session.token).await;
        assert_eq!(allowed.status(), 201);
        assert!(!allowed.headers().contains_key("idempotent-replayed"));
    }
}
