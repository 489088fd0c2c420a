//! The append-only audit log, read by the employer at `GET /audit`.

use serde_json::Value;
use verzuim::audit::{self, Actor};
use verzuim_tests::{assert_problem, on_both_databases, TestApp};

async fn audit_log(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .http
        .get(app.url(&format!("/api/v1/audit{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

on_both_databases! {
    async fn recorded_actions_appear_for_the_employer_only(backend) {
        let app = TestApp::spawn(backend).await;
        let mine = app.employer_session().await;
        let other = app.employer_session().await;
        let mut conn = app.db();
        audit::record(&mut conn, &mine.employer_id, &Actor::Employee("emp-1".into()), "absence.reported", ("absence", "abs-1")).expect("recorded");
        audit::record(&mut conn, &mine.employer_id, &Actor::Client(mine.credentials.client_id.clone()), "absence.read", ("absence", "abs-1")).expect("recorded");
        audit::record(&mut conn, &mine.employer_id, &Actor::Client("c-2".into()), "document.downloaded", ("document", "doc-1")).expect("recorded");
        audit::record(&mut conn, &other.employer_id, &Actor::Employee("emp-9".into()), "absence.read", ("absence", "abs-9")).expect("recorded");

        let all = audit_log(&app, &mine.token, "").await;
        let items = all["items"].as_array().expect("items");
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["actor_type"], "employee");
        assert_eq!(items[0]["actor_id"], "emp-1");
        assert_eq!(items[0]["action"], "absence.reported");
        assert_eq!(items[0]["resource_type"], "absence");
        assert_eq!(items[0]["resource_id"], "abs-1");
        assert!(items[0]["at"].is_string());
        assert_eq!(items[1]["actor_type"], "client");
        assert_eq!(items[1]["actor_id"], mine.credentials.client_id.as_str());

        let one = audit_log(&app, &mine.token, "?resource_type=absence&resource_id=abs-1").await;
        assert_eq!(one["items"].as_array().expect("items").len(), 2);

        // Paging by cursor.
        let first = audit_log(&app, &mine.token, "?limit=2").await;
        assert_eq!(first["items"].as_array().expect("items").len(), 2);
        let cursor = first["next_cursor"].as_i64().expect("cursor");
        let second = audit_log(&app, &mine.token, &format!("?limit=2&after={cursor}")).await;
        assert_eq!(second["items"].as_array().expect("items").len(), 1);
        assert!(second["next_cursor"].is_null());

        let theirs = audit_log(&app, &other.token, "").await;
        assert_eq!(theirs["items"].as_array().expect("items").len(), 1);
        assert_eq!(theirs["items"][0]["resource_id"], "abs-9");
    }

    async fn audit_log_needs_a_read_scope_and_shows_only_what_it_covers(backend) {
        let app = TestApp::spawn(backend).await;
        let employer_id = app.create_employer("Bakkerij de Vries");
        let mut conn = app.db();
        audit::record(&mut conn, &employer_id, &Actor::Employee("emp-1".into()), "absence.read", ("absence", "abs-1")).expect("recorded");
        audit::record(&mut conn, &employer_id, &Actor::Client("c-1".into()), "document.read", ("document", "doc-1")).expect("recorded");

        let none = app.token(&app.create_client(&employer_id, Some("employees:write webhooks:manage"))).await;
        let response = app.http.get(app.url("/api/v1/audit")).bearer_auth(&none).send().await.expect("request");
        assert_problem(response, 403).await;

        let documents = app.token(&app.create_client(&employer_id, Some("documents:read"))).await;
        let seen = audit_log(&app, &documents, "").await;
        let items = seen["items"].as_array().expect("items");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["resource_type"], "document");
    }
}
