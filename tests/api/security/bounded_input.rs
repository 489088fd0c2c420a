//! Input parsed and bounded at the door (SPEC §3, §7): before any database work, malformed or
//! oversized credentials are refused, unauthenticated bodies are small, and no text carries a
//! control character — so nothing is written and PostgreSQL never sees a NUL.

use diesel::prelude::*;
use serde_json::{json, Value};
use verzuim::db::schema::{employees, login_attempts};
use verzuim_tests::{assert_problem, on_both_databases, TestApp};

fn lockout_rows(app: &TestApp) -> i64 {
    login_attempts::table
        .count()
        .get_result(&mut app.db())
        .expect("count lockout rows")
}

async fn login_body(app: &TestApp, body: &Value) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/auth/login"))
        .json(body)
        .send()
        .await
        .expect("login request")
}

fn field(problem: &Value) -> &str {
    problem["errors"][0]["field"].as_str().unwrap_or_default()
}

on_both_databases! {
    async fn an_address_longer_than_an_address_can_be_is_refused_and_writes_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let long = format!("{}@bakkerij.nl", "a".repeat(10_000));
        let problem = assert_problem(
            login_body(&app, &json!({"email": long, "password": "wat dan ook"})).await,
            400,
        )
        .await;
        assert_eq!(field(&problem), "email");
        assert_eq!(lockout_rows(&app), 0, "no lockout row for a malformed address");
    }

    async fn a_five_mebibyte_login_body_is_refused_unread_and_writes_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let huge = format!("{}@bakkerij.nl", "a".repeat(5 * 1024 * 1024));
        let problem = assert_problem(
            login_body(&app, &json!({"email": huge, "password": "wat dan ook"})).await,
            413,
        )
        .await;
        assert!(problem["detail"].as_str().unwrap_or_default().contains("16384"), "{problem}");
        assert_eq!(lockout_rows(&app), 0);
    }

    async fn unauthenticated_bodies_are_capped_at_sixteen_kibibytes(backend) {
        let app = TestApp::spawn(backend).await;
        let padding = "x".repeat(17 * 1024);
        for path in ["/api/v1/auth/password-reset", "/api/v1/activation/whatever/verify"] {
            let response = app.http.post(app.url(path))
                .json(&json!({"email": "jan@bakkerij.nl", "date_of_birth": padding}))
                .send().await.expect("request");
            assert_problem(response, 413).await;
        }
    }

    async fn a_password_longer_than_any_password_is_refused_before_hashing(backend) {
        let app = TestApp::spawn(backend).await;
        let problem = assert_problem(
            login_body(&app, &json!({"email": "jan@bakkerij.nl", "password": "p".repeat(2000)}))
                .await,
            400,
        )
        .await;
        assert_eq!(field(&problem), "password");
        assert_eq!(lockout_rows(&app), 0);
    }

    async fn a_nul_in_the_login_address_is_refused_naming_the_field(backend) {
        let app = TestApp::spawn(backend).await;
        let problem = assert_problem(
            login_body(&app, &json!({"email": "jan\u{0}@bakkerij.nl", "password": "x"})).await,
            400,
        )
        .await;
        assert_eq!(field(&problem), "email");
        assert_eq!(lockout_rows(&app), 0);
    }

    async fn a_nul_in_a_query_parameter_is_refused_naming_the_parameter(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = app.http.get(app.url("/api/v1/audit?resource_type=absence%00"))
            .bearer_auth(&session.token).send().await.expect("request");
        let problem = assert_problem(response, 400).await;
        assert_eq!(field(&problem), "resource_type");
    }

    async fn a_control_character_in_any_json_text_is_refused_and_nothing_is_created(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = app.http.post(app.url("/api/v1/employees")).bearer_auth(&session.token)
            .json(&json!({
                "email": "jan@bakkerij.nl", "date_of_birth": "1985-04-12",
                "first_name": "Jan\u{1b}[2J", "last_name": "Jansen", "language": "nl",
            }))
            .send().await.expect("request");
        let problem = assert_problem(response, 400).await;
        assert_eq!(field(&problem), "first_name");
        let created: i64 = employees::table.count().get_result(&mut app.db()).expect("count");
        assert_eq!(created, 0);
    }

    async fn a_nul_in_a_path_segment_is_refused(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = app.http.put(app.url("/api/v1/employees/by-external-id/P1%00"))
            .bearer_auth(&session.token)
            .json(&json!({
                "email": "jan@bakkerij.nl", "date_of_birth": "1985-04-12",
                "first_name": "Jan", "last_name": "Jansen", "language": "nl",
            }))
            .send().await.expect("request");
        let problem = assert_problem(response, 400).await;
        assert_eq!(field(&problem), "path");
    }

    async fn new_lines_stay_allowed_in_multi_line_text(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = app.http.post(app.url("/api/v1/employees")).bearer_auth(&session.token)
            .json(&json!({
                "email": "jan@bakkerij.nl", "date_of_birth": "1985-04-12",
                "first_name": "Jan", "last_name": "Jansen", "language": "nl",
            }))
            .send().await.expect("request");
        assert_eq!(response.status(), 201);
        let id = response.json::<Value>().await.expect("json")["id"].as_str().expect("id")
            .to_string();
        let today = verzuim_tests::dutch_today().to_string();
        let reported = app.http.post(app.url(&format!("/api/v1/employees/{id}/absences")))
            .bearer_auth(&session.token)
            .json(&json!({"first_sick_day": today, "care_address": "Dijkweg 1\n1234 AB Hoorn"}))
            .send().await.expect("request");
        assert_eq!(reported.status(), 201, "{:?}", reported.text().await);
    }

    async fn lockout_rows_are_purged_once_their_window_has_passed(backend) {
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("VERZUIM_LOCKOUT_SECONDS".into(), "1".into());
        })
        .await;
        assert_problem(
            login_body(&app, &json!({"email": "niemand@bakkerij.nl", "password": "fout"})).await,
            401,
        )
        .await;
        assert_eq!(lockout_rows(&app), 1);
        let mut conn = app.db();
        assert_eq!(
            verzuim::accounts::lockout::delete_expired(&mut conn, &app.settings.accounts)
                .expect("purge"),
            0,
            "still inside its window"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        assert_eq!(
            verzuim::accounts::lockout::delete_expired(&mut conn, &app.settings.accounts)
                .expect("purge"),
            1
        );
        assert_eq!(lockout_rows(&app), 0);
    }
}
