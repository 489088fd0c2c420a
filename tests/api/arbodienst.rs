//! The arbodienst as a party of its own (SPEC §9), first part: the operator registers it, an
//! employer links it (CLI or `PATCH /employer`) and unlinks it, and the linked arbodienst's own
//! address is the one that hears of the employer's absences.

use std::time::Duration;

use serde_json::{json, Value};
use verzuim::cli::CliError;
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::{assert_problem, on_both_databases, TestApp};

const ARBO: &str = "verzuim@arbo-west.test";

fn register(app: &TestApp, name: &str, email: &str) -> String {
    let created = app
        .cli(&["arbodienst", "create", "--name", name, "--email", email])
        .expect("arbodienst created");
    created["id"].as_str().expect("id").to_string()
}

async fn employer(app: &TestApp, token: &str) -> Value {
    let response = app
        .http
        .get(app.url("/api/v1/employer"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn patch(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.http
        .patch(app.url("/api/v1/employer"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

on_both_databases! {
    async fn an_employer_links_a_registered_arbodienst_and_unlinks_it(backend) {
        let app = TestApp::spawn(backend).await;
        let arbo = register(&app, "Arbo West", ARBO);
        let session = app.employer_session().await;
        assert!(employer(&app, &session.token).await["arbodienst"].is_null());

        let linked = patch(&app, &session.token, json!({"arbodienst_id": arbo})).await;
        assert_eq!(linked.status(), 200);
        let linked: Value = linked.json().await.unwrap();
        assert_eq!(linked["arbodienst"], json!({"id": arbo, "name": "Arbo West"}));

        let unlinked: Value = patch(&app, &session.token, json!({"arbodienst_id": null})).await.json().await.unwrap();
        assert!(unlinked["arbodienst"].is_null());

        // At creation, from the command line.
        let created = app.cli(&["employer", "create", "--name", "Slagerij Bos", "--absence-email",
            "hr@slagerij.test", "--arbodienst", &arbo]).unwrap();
        let credentials = app.create_client(created["id"].as_str().unwrap(), None);
        let token = app.token(&credentials).await;
        assert_eq!(employer(&app, &token).await["arbodienst"]["id"], arbo.as_str());
    }

    async fn an_unknown_arbodienst_is_refused_and_changes_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        for bogus in [uuid::Uuid::new_v4().to_string(), "arbo-west".to_string()] {
            let refused = assert_problem(patch(&app, &session.token, json!({"arbodienst_id": bogus})).await, 400).await;
            assert_eq!(refused["errors"][0]["field"], "arbodienst_id");
        }
        assert!(employer(&app, &session.token).await["arbodienst"].is_null());
        let unknown = app.cli(&["employer", "create", "--name", "X", "--absence-email", "hr@x.test",
            "--arbodienst", &uuid::Uuid::new_v4().to_string()]);
        assert!(matches!(&unknown, Err(CliError::Invalid(m)) if m.contains("--arbodienst")), "{unknown:?}");
        let bad_email = app.cli(&["arbodienst", "create", "--name", "Arbo", "--email", "geen-adres"]);
        assert!(matches!(&bad_email, Err(CliError::Invalid(m)) if m.contains("--email")), "{bad_email:?}");
    }

    async fn the_linked_arbodienst_hears_of_a_sick_report_at_its_own_address(backend) {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let arbo = register(&app, "Arbo West", ARBO);
        let session = app.employer_session().await;
        // The address typed before the arbodienst was registered gives way to the party's own.
        let body = json!({"arbodienst_email": "oud@arbo.test", "arbodienst_id": arbo});
        assert_eq!(patch(&app, &session.token, body).await.status(), 200);
        let created = app.http.post(app.url("/api/v1/employees")).bearer_auth(&session.token)
            .json(&json!({"email": "piet@bakkerij.test", "date_of_birth": "1980-01-01",
                "first_name": "Piet", "last_name": "Smit", "language": "nl"}))
            .send().await.unwrap();
        let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let reported = app.http.post(app.url(&format!("/api/v1/employees/{id}/absences"))).bearer_auth(&session.token)
            .json(&json!({"first_sick_day": verzuim_tests::dutch_today().to_string()}))
            .send().await.unwrap();
        assert_eq!(reported.status(), 201);
        let mails = smtp.wait_for(2, Duration::from_secs(20)).await;
        let recipients: Vec<&str> = mails.iter().flat_map(|m| m.rcpt_to.iter().map(String::as_str)).collect();
        assert!(recipients.contains(&ARBO), "{recipients:?}");
        assert!(!recipients.contains(&"oud@arbo.test"), "{recipients:?}");
    }
}
