//! Bad input gets a clear problem+json answer and changes nothing.

use serde_json::{json, Value};
use verzuim_tests::{assert_problem, on_both_databases, TestApp};

async fn employer_name(app: &TestApp, token: &str) -> String {
    let employer: Value = app
        .http
        .get(app.url("/api/v1/employer"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    employer["name"].as_str().unwrap().to_string()
}

on_both_databases! {
    async fn malformed_json_answers_400_and_changes_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = app.http.patch(app.url("/api/v1/employer")).bearer_auth(&session.token)
            .header("content-type", "application/json").body(r#"{"name": "Half"#).send().await.unwrap();
        let problem = assert_problem(response, 400).await;
        assert_eq!(problem["type"], "/problems/bad-request");
        assert_eq!(employer_name(&app, &session.token).await, "Bakkerij de Vries");
    }

    async fn unknown_json_field_answers_400_naming_it_and_changes_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = app.http.patch(app.url("/api/v1/employer")).bearer_auth(&session.token)
            .json(&json!({"name": "Nieuw", "diagnosis": "griep"})).send().await.unwrap();
        let problem = assert_problem(response, 400).await;
        assert_eq!(problem["type"], "/problems/validation");
        assert_eq!(problem["errors"][0]["field"], "diagnosis");
        assert_eq!(employer_name(&app, &session.token).await, "Bakkerij de Vries");
    }

    async fn wrong_field_type_answers_400(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = app.http.patch(app.url("/api/v1/employer")).bearer_auth(&session.token)
            .json(&json!({"name": 42})).send().await.unwrap();
        assert_problem(response, 400).await;
    }

    async fn oversized_body_answers_413_and_changes_nothing(backend) {
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("VERZUIM_MAX_JSON_BODY_BYTES".into(), "1024".into());
        }).await;
        let session = app.employer_session().await;
        let response = app.http.patch(app.url("/api/v1/employer")).bearer_auth(&session.token)
            .json(&json!({"name": "x".repeat(2000)})).send().await.unwrap();
        assert_problem(response, 413).await;
        assert_eq!(employer_name(&app, &session.token).await, "Bakkerij de Vries");
    }

    async fn wrong_content_type_answers_415_and_changes_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = app.http.patch(app.url("/api/v1/employer")).bearer_auth(&session.token)
            .header("content-type", "text/plain").body(r#"{"name": "Tekst"}"#).send().await.unwrap();
        assert_problem(response, 415).await;
        assert_eq!(employer_name(&app, &session.token).await, "Bakkerij de Vries");
    }

    async fn unknown_api_route_answers_problem_json_404(backend) {
        let app = TestApp::spawn(backend).await;
        for path in ["/api/v1/nothing-here", "/api", "/api/v2/employer"] {
            let response = app.http.get(app.url(path)).send().await.unwrap();
            assert_problem(response, 404).await;
        }
    }
}
