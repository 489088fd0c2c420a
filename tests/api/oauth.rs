use base64::Engine;
use serde_json::{json, Value};
use verzuim_tests::{assert_problem, on_both_databases, TestApp, TEST_JWT_SECRET};

fn forge(claims: Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims_for(client_id: &str, employer_id: &str, aud: &str, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": "http://verzuim.test", "aud": aud, "sub": client_id, "emp": employer_id,
        "scope": "employees:read employees:write", "gen": 0, "jti": uuid::Uuid::new_v4().to_string(),
        "iat": now, "exp": now + exp_offset,
    })
}

async fn get_employer(app: &TestApp, token: &str) -> reqwest::Response {
    app.http
        .get(app.url("/api/v1/employer"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn assert_unauthorized(response: reqwest::Response) {
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    assert!(
        challenge.is_some_and(|c| c.starts_with("Bearer")),
        "401 needs a Bearer challenge"
    );
    assert_problem(response, 401).await;
}

on_both_databases! {
    async fn cli_created_client_gets_a_token_that_reads_its_employer(backend) {
        let app = TestApp::spawn(backend).await;
        let employer_id = app.create_employer("Bakkerij de Vries");
        let credentials = app.create_client(&employer_id, None);
        assert!(credentials.client_secret.starts_with("vzs_"));
        let response = app.request_token(&credentials, None).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        assert_eq!(body["scope"], "employees:read employees:write absences:read absences:write documents:read documents:write webhooks:manage poortwachter:write");
        let employer: Value = get_employer(&app, body["access_token"].as_str().unwrap()).await.json().await.unwrap();
        assert_eq!(employer["id"], employer_id.as_str());
        assert_eq!(employer["name"], "Bakkerij de Vries");
    }

    async fn client_secret_is_stored_only_as_a_hash(backend) {
        use diesel::prelude::*;
        let app = TestApp::spawn(backend).await;
        let employer_id = app.create_employer("Hash BV");
        let credentials = app.create_client(&employer_id, None);
        let mut conn = app.db();
        let stored: String = diesel::sql_query("SELECT secret_hash FROM api_clients")
            .load::<SecretRow>(&mut conn).unwrap().remove(0).secret_hash;
        assert!(!stored.contains(&credentials.client_secret));
        assert_eq!(stored.len(), 64, "a SHA-256 hex digest");
    }

    async fn http_basic_credentials_are_accepted(backend) {
        let app = TestApp::spawn(backend).await;
        let employer_id = app.create_employer("Basic BV");
        let credentials = app.create_client(&employer_id, None);
        let response = app.http.post(app.url("/api/v1/oauth/token"))
            .basic_auth(&credentials.client_id, Some(&credentials.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send().await.unwrap();
        assert_eq!(response.status(), 200);
    }

    async fn bad_secret_answers_invalid_client(backend) {
        let app = TestApp::spawn(backend).await;
        let employer_id = app.create_employer("Fout BV");
        let mut credentials = app.create_client(&employer_id, None);
        credentials.client_secret.push('x');
        let response = app.request_token(&credentials, None).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");

        // With HTTP Basic the answer also carries a Basic challenge (RFC 6749 §5.2).
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{}:wrong", credentials.client_id));
        let response = app.http.post(app.url("/api/v1/oauth/token"))
            .header("Authorization", format!("Basic {encoded}"))
            .form(&[("grant_type", "client_credentials")])
            .send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    }

    async fn unknown_client_answers_invalid_client(backend) {
        let app = TestApp::spawn(backend).await;
        let credentials = verzuim_tests::Credentials { client_id: uuid::Uuid::new_v4().to_string(), client_secret: "vzs_nothing".into() };
        let response = app.request_token(&credentials, None).await;
        assert_eq!(response.status(), 401);
        assert_eq!(response.json::<Value>().await.unwrap()["error"], "invalid_client");
    }

    async fn other_grant_types_answer_unsupported_grant_type(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.http.post(app.url("/api/v1/oauth/token"))
            .form(&[("grant_type", "password"), ("username", "a"), ("password", "b")])
            .send().await.unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(response.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");
        let response = app.http.post(app.url("/api/v1/oauth/token"))
            .json(&json!({"grant_type": "client_credentials"}))
            .send().await.unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(response.json::<Value>().await.unwrap()["error"], "invalid_request");
    }

    async fn requested_scopes_must_be_a_subset_of_the_clients(backend) {
        let app = TestApp::spawn(backend).await;
        let employer_id = app.create_employer("Arbo BV");
        let credentials = app.create_client(&employer_id, Some("absences:read documents:write"));
        let narrower = app.request_token(&credentials, Some("documents:write")).await;
        assert_eq!(narrower.status(), 200);
        assert_eq!(narrower.json::<Value>().await.unwrap()["scope"], "documents:write");
        for wider in ["employees:write", "documents:write admin"] {
            let response = app.request_token(&credentials, Some(wider)).await;
            assert_eq!(response.status(), 400, "{wider}");
            assert_eq!(response.json::<Value>().await.unwrap()["error"], "invalid_scope");
        }
    }

    async fn revoked_client_tokens_stop_working_at_once(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        assert_eq!(get_employer(&app, &session.token).await.status(), 200);
        let revoked = app.cli(&["client", "revoke", &session.credentials.client_id]).unwrap();
        assert_eq!(revoked["client_id"], session.credentials.client_id.as_str());
        assert_unauthorized(get_employer(&app, &session.token).await).await;
        let again = app.request_token(&session.credentials, None).await;
        assert_eq!(again.status(), 401);
    }

    async fn rotated_secret_ends_the_old_secret_and_its_tokens(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let rotated = app.cli(&["client", "rotate-secret", &session.credentials.client_id]).unwrap();
        let new_secret = rotated["client_secret"].as_str().unwrap().to_string();
        assert_ne!(new_secret, session.credentials.client_secret);
        assert_unauthorized(get_employer(&app, &session.token).await).await;
        assert_eq!(app.request_token(&session.credentials, None).await.status(), 401);
        let fresh = verzuim_tests::Credentials { client_id: session.credentials.client_id.clone(), client_secret: new_secret };
        let token = app.token(&fresh).await;
        assert_eq!(get_employer(&app, &token).await.status(), 200);
    }

    async fn no_token_answers_401_with_a_challenge(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.http.get(app.url("/api/v1/employer")).send().await.unwrap();
        assert_unauthorized(response).await;
    }

    async fn forged_token_answers_401(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let forged = forge(claims_for(&session.credentials.client_id, &session.employer_id, "verzuim:employer-api", 600), "another-secret-another-secret-another-secret");
        assert_unauthorized(get_employer(&app, &forged).await).await;
        assert_unauthorized(get_employer(&app, "not.a.jwt").await).await;
    }

    async fn unsigned_token_answers_401(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let payload = engine.encode(claims_for(&session.credentials.client_id, &session.employer_id, "verzuim:employer-api", 600).to_string());
        assert_unauthorized(get_employer(&app, &format!("{header}.{payload}.")).await).await;
    }

    async fn expired_token_answers_401(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let expired = forge(claims_for(&session.credentials.client_id, &session.employer_id, "verzuim:employer-api", -120), TEST_JWT_SECRET);
        assert_unauthorized(get_employer(&app, &expired).await).await;
    }

    async fn employee_audience_token_is_never_accepted_by_the_employer_api(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let employee_token = forge(claims_for(&session.credentials.client_id, &session.employer_id, "verzuim:employee", 600), TEST_JWT_SECRET);
        assert_unauthorized(get_employer(&app, &employee_token).await).await;
        // The same claims with the right audience pass, so the audience alone made the difference.
        let employer_token = forge(claims_for(&session.credentials.client_id, &session.employer_id, "verzuim:employer-api", 600), TEST_JWT_SECRET);
        assert_eq!(get_employer(&app, &employer_token).await.status(), 200);
    }

    async fn token_for_another_employer_claim_answers_401(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let other_employer = app.create_employer("Ander BV");
        let tampered = forge(claims_for(&session.credentials.client_id, &other_employer, "verzuim:employer-api", 600), TEST_JWT_SECRET);
        assert_unauthorized(get_employer(&app, &tampered).await).await;
    }

    async fn missing_scope_answers_403(backend) {
        let app = TestApp::spawn(backend).await;
        let employer_id = app.create_employer("Lezer BV");
        let credentials = app.create_client(&employer_id, Some("employees:read"));
        let token = app.token(&credentials).await;
        let response = app.http.patch(app.url("/api/v1/employer")).bearer_auth(&token)
            .json(&json!({"name": "Nieuwe naam"})).send().await.unwrap();
        let problem = assert_problem(response, 403).await;
        assert!(problem["detail"].as_str().unwrap().contains("employees:write"));
        let employer: Value = get_employer(&app, &token).await.json().await.unwrap();
        assert_eq!(employer["name"], "Lezer BV", "nothing changed");
    }

    async fn cli_rejects_bad_input_with_a_clear_message(backend) {
        let app = TestApp::spawn(backend).await;
        let unknown = app.cli(&["client", "create", "--employer", "00000000-0000-0000-0000-000000000000", "--name", "x"]).unwrap_err();
        assert!(unknown.to_string().contains("no employer"), "{unknown}");
        let bad_email = app.cli(&["employer", "create", "--name", "X", "--absence-email", "geen-adres"]).unwrap_err();
        assert!(bad_email.to_string().contains("--absence-email"), "{bad_email}");
        let employer_id = app.create_employer("Scope BV");
        let bad_scope = app.cli(&["client", "create", "--employer", &employer_id, "--name", "x", "--scopes", "employees:read admin"]).unwrap_err();
        assert!(bad_scope.to_string().contains("admin"), "{bad_scope}");
        let revoke_unknown = app.cli(&["client", "revoke", "nope"]).unwrap_err();
        assert!(revoke_unknown.to_string().contains("nope"), "{revoke_unknown}");
    }

    async fn cli_binary_prints_json_and_exits_non_zero_on_bad_input(backend) {
        let app = TestApp::spawn(backend).await;
        let binary = verzuim_binary();
        let run = |args: &[&str]| std::process::Command::new(&binary).args(args).envs(app.process_env()).output().unwrap();
        let created = run(&["employer", "create", "--name", "Proces BV", "--absence-email", "hr@proces.nl", "--arbodienst-email", "arbo@dienst.nl"]);
        assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
        let id: Value = serde_json::from_slice(&created.stdout).unwrap();
        let id = id["id"].as_str().unwrap();
        let client = run(&["client", "create", "--employer", id, "--name", "HR", "--scopes", "employees:read"]);
        assert!(client.status.success());
        let client: Value = serde_json::from_slice(&client.stdout).unwrap();
        assert!(client["client_secret"].as_str().unwrap().starts_with("vzs_"));

        let bad = run(&["client", "create", "--employer", "unknown", "--name", "x"]);
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("no employer"));
        let bad_setting = std::process::Command::new(&binary).args(["migrate"]).envs(app.process_env())
            .env("VERZUIM_DB_POOL_SIZE", "lots").output().unwrap();
        assert!(!bad_setting.status.success());
        assert!(String::from_utf8_lossy(&bad_setting.stderr).contains("VERZUIM_DB_POOL_SIZE"));
    }
}

#[derive(diesel::QueryableByName)]
struct SecretRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    secret_hash: String,
}

/// The `verzuim` binary beside this test executable (the test command builds it first).
fn verzuim_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let binary = dir.join("verzuim");
    assert!(
        binary.exists(),
        "build the binary first: cargo build -p verzuim ({})",
        binary.display()
    );
    binary
}
