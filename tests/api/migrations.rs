use diesel::RunQueryDsl;
use serde_json::Value;
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::{on_both_databases, NewEmployee, TestApp};

on_both_databases! {
    async fn migrations_run_up_down_and_up_again(backend) {
        // Building the app has run every migration up once.
        let app = TestApp::spawn(backend).await;
        let mut conn = app.db();
        verzuim::db::revert_all_migrations(&mut conn).expect("every migration reverts");
        verzuim::db::run_migrations(&mut conn).expect("every migration applies again");
        // The schema works after the round trip.
        let employer = app.create_employer("Na de migratie");
        assert!(uuid::Uuid::parse_str(&employer).is_ok());
    }

    async fn two_accounts_on_one_address_become_one_login_and_the_other_owner_gets_a_reset_link(backend) {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let (a, b) = (app.employer_session().await, app.employer_session().await);
        let at_a = NewEmployee { email: "sanne@example.nl", date_of_birth: "1990-02-03", language: "nl", password: "paarse fiets op de dijk" };
        let at_b = NewEmployee { email: "tijdelijk@example.nl", password: "groene boot in de haven", ..at_a };
        let id_a = app.activated_employee(&smtp, &a.token, &at_a).await;
        let id_b = app.activated_employee(&smtp, &b.token, &at_b).await;
        // B's account is the one used most recently.
        assert_eq!(app.login(at_b.email, at_b.password).await.status(), 200);

        // Back to one password per account, then both accounts on one address, as before.
        let mut conn = app.db();
        // Down to migration 9, whatever came after 10.
        loop {
            let reverted = verzuim::db::revert_last_migration(&mut conn).expect("migration reverts");
            if reverted.ends_with("000010") {
                break;
            }
        }
        diesel::sql_query(format!(
            "UPDATE employees SET email = 'Sanne@Example.nl', email_normalised = 'sanne@example.nl' WHERE id = '{id_b}'"
        ))
        .execute(&mut conn)
        .unwrap();
        verzuim::db::run_migrations(&mut conn).expect("migrations 10 and 11 apply");

        // The next start finishes the move: the other account's owner is told.
        let before = smtp.received().len();
        let url = smtp.url();
        let restarted = TestApp::spawn_sharing_database(&app, |env| {
            env.insert("SMTP_URL".into(), url);
            verzuim_tests::quick_outbox(env);
        })
        .await;
        let token = smtp.newest_link_token("sanne@example.nl", "/reset-password/", before).await;
        assert!(!token.is_empty());
        let mail = smtp.received().into_iter().last().unwrap();
        assert!(mail.parsed().body_text(0).unwrap().contains("samengevoegd"), "the e-mail says why");

        assert_eq!(restarted.login("sanne@example.nl", at_a.password).await.status(), 401);
        let body: Value = restarted.login("SANNE@example.nl", at_b.password).await.json().await.unwrap();
        let me: Value = restarted.http.get(restarted.url("/api/v1/me"))
            .bearer_auth(body["access_token"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
        let employments: Vec<&str> = me["employments"].as_array().unwrap().iter().map(|e| e["employee_id"].as_str().unwrap()).collect();
        assert_eq!(employments.len(), 2);
        assert!(employments.contains(&id_a.as_str()) && employments.contains(&id_b.as_str()));
    }

    async fn clients_webhooks_and_delivery_attempts_survive_the_move_to_parties(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let hook: Value = app.http.post(app.url("/api/v1/webhooks")).bearer_auth(&session.token)
            .json(&serde_json::json!({"url": "https://hooks.example.com/verzuim", "events": ["absence.reported"]}))
            .send().await.unwrap().json().await.unwrap();
        let hook_id = hook["id"].as_str().unwrap().to_string();
        let mut conn = app.db();
        diesel::sql_query(format!(
            "INSERT INTO webhook_attempts (webhook_id, delivery_id, event_id, event_type, attempt, attempted_at, \
             status_code, error, duration_ms, succeeded) VALUES ('{hook_id}', 'msg_1', 'evt-1', 'absence.reported', 1, \
             '2026-12-01 10:00:00', 200, NULL, 12, TRUE)"
        ))
        .execute(&mut conn)
        .unwrap();

        // Back to before migration 16 (clients and webhooks of employers only), and up again.
        loop {
            let reverted = verzuim::db::revert_last_migration(&mut conn).expect("migration reverts");
            if reverted.ends_with("000016") {
                break;
            }
        }
        verzuim::db::run_migrations(&mut conn).expect("migrations 16 and 17 apply");

        // The client's secret still fetches a token, and its endpoint and attempt are kept.
        let token = app.token(&session.credentials).await;
        let listed: Value = app.http.get(app.url("/api/v1/webhooks")).bearer_auth(&token)
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["items"][0]["id"], hook_id.as_str());
        let attempts: Value = app.http.get(app.url(&format!("/api/v1/webhooks/{hook_id}/deliveries"))).bearer_auth(&token)
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(attempts["items"][0]["event_id"], "evt-1", "{attempts}");
        assert_eq!(attempts["items"][0]["status_code"], 200);
    }
}
