//! `Idempotency-Key` on the employer API's POSTs: a retry with the same key and body gets the
//! stored response byte for byte; the same key with another body is refused with 422.

use serde_json::{json, Value};
use verzuim_tests::{assert_problem, on_both_databases, TestApp};

fn employee(email: &str) -> Value {
    json!({
        "email": email, "date_of_birth": "1990-05-17", "first_name": "Jan",
        "last_name": "Jansen", "language": "nl",
    })
}

async fn post(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/employees"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("request")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

on_both_databases! {
    async fn same_key_and_body_replays_the_stored_response(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let body = employee("jan@example.nl");

        let first = post(&app, &session.token, "key-1", &body).await;
        assert_eq!(first.status(), 201);
        let (content_type, location) = (header(&first, "content-type"), header(&first, "location"));
        let first_bytes = first.bytes().await.expect("body");

        let again = post(&app, &session.token, "key-1", &body).await;
        assert_eq!(again.status(), 201, "replayed, not a 409 for the taken e-mail");
        assert_eq!(header(&again, "content-type"), content_type);
        assert_eq!(header(&again, "location"), location);
        assert_eq!(header(&again, "idempotent-replayed"), "true");
        assert_eq!(again.bytes().await.expect("body"), first_bytes, "byte for byte");

        let listed: Value = app.http.get(app.url("/api/v1/employees")).bearer_auth(&session.token)
            .send().await.expect("request").json().await.expect("json");
        assert_eq!(listed["items"].as_array().expect("items").len(), 1, "created once");

        // Without the header nothing is replayed: the second create conflicts.
        let plain = app.http.post(app.url("/api/v1/employees")).bearer_auth(&session.token)
            .json(&body).send().await.expect("request");
        assert_problem(plain, 409).await;
    }

    async fn same_key_with_another_body_is_422(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let first = post(&app, &session.token, "key-1", &employee("jan@example.nl")).await;
        assert_eq!(first.status(), 201);
        let other = post(&app, &session.token, "key-1", &employee("piet@example.nl")).await;
        let problem = assert_problem(other, 422).await;
        assert_eq!(problem["type"], "/problems/idempotency-key-reused");
    }

    async fn keys_belong_to_one_client(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let other_client = app.create_client(&session.employer_id, None);
        let other_token = app.token(&other_client).await;
        let first = post(&app, &session.token, "key-1", &employee("jan@example.nl")).await;
        assert_eq!(first.status(), 201);
        // The other client's key-1 is its own: handled afresh (and 409: the e-mail is taken).
        let other = post(&app, &other_token, "key-1", &employee("jan@example.nl")).await;
        assert_problem(other, 409).await;
    }

    async fn failed_validation_is_replayed_too(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let body = json!({"email": "not an address"});
        let first = post(&app, &session.token, "key-2", &body).await;
        assert_eq!(first.status(), 400);
        let first_bytes = first.bytes().await.expect("body");
        let again = post(&app, &session.token, "key-2", &body).await;
        assert_eq!(again.status(), 400);
        assert_eq!(header(&again, "content-type"), "application/problem+json");
        assert_eq!(again.bytes().await.expect("body"), first_bytes);
    }
}
