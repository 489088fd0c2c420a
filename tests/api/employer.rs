use serde_json::{json, Value};
use verzuim_tests::{assert_problem, on_both_databases, TestApp};

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
    async fn employer_sees_its_own_record_only(backend) {
        let app = TestApp::spawn(backend).await;
        let first = app.employer_session().await;
        let other_id = app.create_employer("Concurrent BV");
        let other_token = app.token(&app.create_client(&other_id, None)).await;
        let mine: Value = app.http.get(app.url("/api/v1/employer")).bearer_auth(&first.token).send().await.unwrap().json().await.unwrap();
        let theirs: Value = app.http.get(app.url("/api/v1/employer")).bearer_auth(&other_token).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["id"], first.employer_id.as_str());
        assert_eq!(theirs["id"], other_id.as_str());
        assert_eq!(mine["absence_email"], "verzuim@employer.test");
    }

    async fn patch_employer_changes_only_the_fields_sent(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = patch(&app, &session.token, json!({"arbodienst_email": "casemanager@arbo.nl"})).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["arbodienst_email"], "casemanager@arbo.nl");
        assert_eq!(body["name"], "Bakkerij de Vries");

        let body: Value = patch(&app, &session.token, json!({"name": "  Bakkerij De Vries & Zn. ", "absence_email": "Verzuim@Bakkerij.nl"})).await.json().await.unwrap();
        assert_eq!(body["name"], "Bakkerij De Vries & Zn.");
        assert_eq!(body["absence_email"], "Verzuim@Bakkerij.nl");
        assert_eq!(body["arbodienst_email"], "casemanager@arbo.nl");
    }

    async fn patch_employer_null_removes_the_arbodienst_address(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        patch(&app, &session.token, json!({"arbodienst_email": "arbo@dienst.nl"})).await;
        let body: Value = patch(&app, &session.token, json!({"arbodienst_email": null})).await.json().await.unwrap();
        assert!(body["arbodienst_email"].is_null());
    }

    async fn patch_employer_rejects_bad_values_listing_each_field_and_stores_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = patch(&app, &session.token, json!({"name": "  ", "absence_email": "geen-adres", "arbodienst_email": "arbo@"})).await;
        let problem = assert_problem(response, 400).await;
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["name", "absence_email", "arbodienst_email"]);
        let current: Value = app.http.get(app.url("/api/v1/employer")).bearer_auth(&session.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(current["name"], "Bakkerij de Vries");
        assert_eq!(current["absence_email"], "verzuim@employer.test");
    }

    async fn patch_employer_rejects_a_name_over_200_characters(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let problem = assert_problem(patch(&app, &session.token, json!({"name": "a".repeat(201)})).await, 400).await;
        assert_eq!(problem["errors"][0]["field"], "name");
    }

    async fn patch_employer_keeps_the_dossier_contacts_employees_see(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let hr = json!({"name": "Anna de Vries", "email": "hr@bakkerij.nl", "phone": "+31 20 123 4567"});
        let case_manager = json!({"name": "Pieter Bos", "email": "p.bos@arbodienst.nl", "phone": null});
        let body: Value = patch(&app, &session.token, json!({"hr_contact": hr, "case_manager": case_manager})).await.json().await.unwrap();
        assert_eq!(body["hr_contact"], hr);
        assert_eq!(body["case_manager"], case_manager);
        let current: Value = app.http.get(app.url("/api/v1/employer")).bearer_auth(&session.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(current["hr_contact"], hr);
        assert_eq!(current["case_manager"], case_manager);

        // Another field alone leaves them; null removes one.
        let body: Value = patch(&app, &session.token, json!({"name": "Bakkerij Bos"})).await.json().await.unwrap();
        assert_eq!(body["hr_contact"], hr);
        let body: Value = patch(&app, &session.token, json!({"case_manager": null})).await.json().await.unwrap();
        assert_eq!(body["hr_contact"], hr);
        assert!(body["case_manager"].is_null());
    }

    async fn patch_employer_rejects_a_bad_dossier_contact_and_stores_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let response = patch(&app, &session.token, json!({
            "name": "Nieuwe naam",
            "hr_contact": {"name": " ", "email": "geen-adres", "phone": "bel me"},
        })).await;
        let problem = assert_problem(response, 400).await;
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["hr_contact.name", "hr_contact.email", "hr_contact.phone"]);
        let current: Value = app.http.get(app.url("/api/v1/employer")).bearer_auth(&session.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(current["name"], "Bakkerij de Vries");
        assert!(current["hr_contact"].is_null());

        // A medical field has no place on a contact either.
        let response = patch(&app, &session.token, json!({"hr_contact": {"name": "Anna", "diagnosis": "griep"}})).await;
        assert_problem(response, 400).await;
    }
}
