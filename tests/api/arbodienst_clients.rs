//! The arbodienst's own API clients (SPEC §9): one client acts for every employer linked to its
//! arbodienst, with at most `employees:read absences:read documents:read documents:write
//! poortwachter:write`; its lists take `?employer_id=`; what it publishes says so; its feed
//! covers its employers; and an employer that unlinks it ends its access at once.

use std::time::Duration;

use serde_json::{json, Value};
use verzuim::cli::CliError;
use verzuim_tests::webhook_receiver::WebhookReceiver;
use verzuim_tests::{
    assert_problem, json_of, on_both_databases, quick_outbox, Backend, Credentials, TestApp,
};

const BOUNDARY: &str = "verzuim-arbo-boundary";
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
const ARBODIENST_SCOPES: &str =
    "employees:read absences:read documents:read documents:write poortwachter:write";

/// One employer with its own client, an employee and that employee's open absence.
struct Employer {
    id: String,
    token: String,
    employee_id: String,
    absence_id: String,
}

/// An arbodienst serving employers `a` and `b`; employer `c` works with nobody.
struct World {
    app: TestApp,
    arbodienst_id: String,
    arbo: Credentials,
    arbo_token: String,
    a: Employer,
    b: Employer,
    c: Employer,
}

async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.expect("request sent")
}

impl World {
    async fn new(backend: Backend) -> World {
        // Loopback webhook endpoints allowed, deliveries picked up at once.
        let app = TestApp::spawn_with(backend, |env| {
            quick_outbox(env);
            env.insert("VERZUIM_WEBHOOK_ALLOW_PRIVATE".into(), "true".into());
        })
        .await;
        let created = app
            .cli(&[
                "arbodienst",
                "create",
                "--name",
                "Arbo West",
                "--email",
                "verzuim@arbo-west.test",
            ])
            .expect("arbodienst created");
        let arbodienst_id = created["id"].as_str().unwrap().to_string();
        let a = employer(&app, "Bakkerij de Vries", Some(&arbodienst_id)).await;
        let b = employer(&app, "Slagerij Bos", Some(&arbodienst_id)).await;
        let c = employer(&app, "Garage Smit", None).await;
        let arbo =
            arbodienst_client(&app, &arbodienst_id, None).expect("arbodienst client created");
        let arbo_token = app.token(&arbo).await;
        World {
            app,
            arbodienst_id,
            arbo,
            arbo_token,
            a,
            b,
            c,
        }
    }

    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        send(self.app.http.get(self.app.url(path)).bearer_auth(token)).await
    }

    async fn upload(&self, token: &str, employee_id: &str, category: &str) -> reqwest::Response {
        let today = verzuim_tests::dutch_today().to_string();
        let mut body = Vec::new();
        for (name, value) in [
            ("title", "Probleemanalyse"),
            ("category", category),
            ("document_date", today.as_str()),
            ("visible_to_employee", "true"),
        ] {
            body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"pa.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
        body.extend_from_slice(PDF);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        send(
            self.app
                .http
                .post(
                    self.app
                        .url(&format!("/api/v1/employees/{employee_id}/documents")),
                )
                .bearer_auth(token)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(body),
        )
        .await
    }

    async fn unlink(&self, employer: &Employer) {
        let response = send(
            self.app
                .http
                .patch(self.app.url("/api/v1/employer"))
                .bearer_auth(&employer.token)
                .json(&json!({"arbodienst_id": null})),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
}

async fn employer(app: &TestApp, name: &str, arbodienst_id: Option<&str>) -> Employer {
    let id = app.create_employer(name);
    let token = app.token(&app.create_client(&id, None)).await;
    if let Some(arbodienst_id) = arbodienst_id {
        let linked = send(
            app.http
                .patch(app.url("/api/v1/employer"))
                .bearer_auth(&token)
                .json(&json!({"arbodienst_id": arbodienst_id})),
        )
        .await;
        assert_eq!(linked.status(), 200);
    }
    let employee = json_of(
        send(
            app.http
                .post(app.url("/api/v1/employees"))
                .bearer_auth(&token)
                .json(
                    &json!({"email": format!("piet@{}.test", id), "date_of_birth": "1980-01-01",
            "first_name": "Piet", "last_name": "Smit", "language": "nl"}),
                ),
        )
        .await,
        201,
    )
    .await;
    let employee_id = employee["id"].as_str().unwrap().to_string();
    let absence = json_of(
        send(
            app.http
                .post(app.url(&format!("/api/v1/employees/{employee_id}/absences")))
                .bearer_auth(&token)
                .json(&json!({"first_sick_day": verzuim_tests::dutch_today().to_string()})),
        )
        .await,
        201,
    )
    .await;
    Employer {
        id,
        token,
        employee_id,
        absence_id: absence["id"].as_str().unwrap().to_string(),
    }
}

fn arbodienst_client(
    app: &TestApp,
    arbodienst_id: &str,
    scopes: Option<&str>,
) -> Result<Credentials, CliError> {
    let mut args = vec![
        "client",
        "create",
        "--arbodienst",
        arbodienst_id,
        "--name",
        "Arbo West koppeling",
    ];
    if let Some(scopes) = scopes {
        args.extend(["--scopes", scopes]);
    }
    let created = app.cli(&args)?;
    Ok(Credentials {
        client_id: created["client_id"].as_str().unwrap().into(),
        client_secret: created["client_secret"].as_str().unwrap().into(),
    })
}

fn ids_of(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[field].as_str().unwrap().to_string())
        .collect()
}

on_both_databases! {
    async fn an_arbodienst_client_lists_every_linked_employer_and_filters_by_employer_id(backend) {
        let w = World::new(backend).await;
        let all = json_of(w.get(&w.arbo_token, "/api/v1/absences").await, 200).await;
        let mut ids = ids_of(&all, "id");
        ids.sort();
        let mut expected = vec![w.a.absence_id.clone(), w.b.absence_id.clone()];
        expected.sort();
        assert_eq!(ids, expected);
        let employers: Vec<String> = ids_of(&all, "employer_id");
        assert!(employers.contains(&w.a.id) && employers.contains(&w.b.id), "{employers:?}");

        let only_a = json_of(w.get(&w.arbo_token, &format!("/api/v1/absences?employer_id={}", w.a.id)).await, 200).await;
        assert_eq!(ids_of(&only_a, "id"), vec![w.a.absence_id.clone()]);
        let staff = json_of(w.get(&w.arbo_token, &format!("/api/v1/employees?employer_id={}", w.b.id)).await, 200).await;
        assert_eq!(ids_of(&staff, "id"), vec![w.b.employee_id.clone()]);
        let everyone = json_of(w.get(&w.arbo_token, "/api/v1/employees").await, 200).await;
        assert_eq!(everyone["items"].as_array().unwrap().len(), 2);

        let me = json_of(w.get(&w.arbo_token, "/api/v1/arbodienst").await, 200).await;
        assert_eq!(me["id"], w.arbodienst_id.as_str());
        let served: Vec<&str> = me["employers"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
        assert_eq!(served, vec!["Bakkerij de Vries", "Slagerij Bos"]);

        let bad = assert_problem(w.get(&w.arbo_token, "/api/v1/absences?employer_id=bakkerij").await, 400).await;
        assert_eq!(bad["errors"][0]["field"], "employer_id");
    }

    async fn an_arbodienst_never_sees_an_employer_it_is_not_linked_to(backend) {
        let w = World::new(backend).await;
        let c_document = json_of(w.upload(&w.c.token, &w.c.employee_id, "plan_of_action").await, 201).await;
        let doc = c_document["id"].as_str().unwrap();
        let (absence, employee) = (&w.c.absence_id, &w.c.employee_id);
        for path in [
            format!("/api/v1/absences?employer_id={}", w.c.id),
            format!("/api/v1/employees?employer_id={}", w.c.id),
            format!("/api/v1/absences/{absence}"),
            format!("/api/v1/absences/{absence}/timeline"),
            format!("/api/v1/employees/{employee}"),
            format!("/api/v1/employees/{employee}/documents"),
            format!("/api/v1/documents/{doc}"),
            format!("/api/v1/documents/{doc}/content"),
            format!("/api/v1/documents/{doc}/responses"),
        ] {
            assert_problem(w.get(&w.arbo_token, &path).await, 404).await;
        }
        assert_problem(w.upload(&w.arbo_token, employee, "problem_analysis").await, 404).await;
        let step = send(w.app.http.post(w.app.url(&format!("/api/v1/absences/{absence}/steps/arbodienst_report")))
            .bearer_auth(&w.arbo_token)
            .json(&json!({"done_on": verzuim_tests::dutch_today().to_string()}))).await;
        assert_problem(step, 404).await;
        let patched = send(w.app.http.patch(w.app.url(&format!("/api/v1/documents/{doc}")))
            .bearer_auth(&w.arbo_token).json(&json!({"title": "Overgenomen"}))).await;
        assert_problem(patched, 404).await;
        let deleted = send(w.app.http.delete(w.app.url(&format!("/api/v1/documents/{doc}"))).bearer_auth(&w.arbo_token)).await;
        assert_problem(deleted, 404).await;
        // Nothing of employer C changed.
        let still = json_of(w.get(&w.c.token, &format!("/api/v1/documents/{doc}")).await, 200).await;
        assert_eq!(still["title"], c_document["title"]);
    }

    async fn an_arbodienst_client_never_holds_employees_write_or_webhooks_manage(backend) {
        let w = World::new(backend).await;
        for scopes in ["employees:write", "webhooks:manage", "absences:read absences:write"] {
            let refused = arbodienst_client(&w.app, &w.arbodienst_id, Some(scopes)).map(|c| c.client_id);
            assert!(matches!(&refused, Err(CliError::Invalid(m)) if m.contains("--scopes")), "{scopes}: {refused:?}");
        }
        let token = json_of(w.app.request_token(&w.arbo, None).await, 200).await;
        assert_eq!(token["scope"], ARBODIENST_SCOPES);
        let wider = json_of(w.app.request_token(&w.arbo, Some("employees:write")).await, 400).await;
        assert_eq!(wider["error"], "invalid_scope");
        // The employer's own calls refuse an arbodienst's token whatever it holds.
        for path in ["/api/v1/employer", "/api/v1/webhooks", "/api/v1/events", "/api/v1/audit"] {
            assert_problem(w.get(&w.arbo_token, path).await, 403).await;
        }
        let created = send(w.app.http.post(w.app.url("/api/v1/employees")).bearer_auth(&w.arbo_token)
            .json(&json!({"email": "nieuw@a.test", "date_of_birth": "1990-01-01",
                "first_name": "Nieuw", "last_name": "Mens", "language": "nl"}))).await;
        assert_problem(created, 403).await;
        let everyone = json_of(w.get(&w.a.token, "/api/v1/employees").await, 200).await;
        assert_eq!(everyone["items"].as_array().unwrap().len(), 1, "no employee was added");
    }

    async fn what_an_arbodienst_publishes_carries_published_by_role_arbodienst(backend) {
        let w = World::new(backend).await;
        let published = json_of(w.upload(&w.arbo_token, &w.a.employee_id, "problem_analysis").await, 201).await;
        assert_eq!(published["published_by"]["role"], "arbodienst");
        assert_eq!(published["published_by"]["client_id"], w.arbo.client_id.as_str());
        assert_eq!(published["employer_id"], w.a.id.as_str());
        let id = published["id"].as_str().unwrap();
        let seen = json_of(w.get(&w.a.token, &format!("/api/v1/documents/{id}")).await, 200).await;
        assert_eq!(seen["published_by"]["role"], "arbodienst");
        // The employer's own document, even from a client without employees:write, is the employer's.
        let narrow = w.app.token(&w.app.create_client(&w.a.id, Some("documents:write documents:read"))).await;
        let own = json_of(w.upload(&narrow, &w.a.employee_id, "plan_of_action").await, 201).await;
        assert_eq!(own["published_by"]["role"], "employer");

        // The published problem analysis completes the step on the employer's timeline.
        let timeline = json_of(w.get(&w.a.token, &format!("/api/v1/absences/{}/timeline", w.a.absence_id)).await, 200).await;
        let analysis = timeline["milestones"].as_array().unwrap().iter().find(|s| s["key"] == "problem_analysis").unwrap().clone();
        assert_eq!(analysis["status"], "done");
        assert_eq!(analysis["document_id"], id);

        // The arbodienst changes what it published, never the employer's documents.
        let own_id = own["id"].as_str().unwrap();
        let refused = send(w.app.http.patch(w.app.url(&format!("/api/v1/documents/{own_id}")))
            .bearer_auth(&w.arbo_token).json(&json!({"title": "Anders"}))).await;
        assert_problem(refused, 403).await;
        let renamed = send(w.app.http.patch(w.app.url(&format!("/api/v1/documents/{id}")))
            .bearer_auth(&w.arbo_token).json(&json!({"title": "Probleemanalyse (herzien)"}))).await;
        assert_eq!(json_of(renamed, 200).await["title"], "Probleemanalyse (herzien)");
        let still = json_of(w.get(&w.a.token, &format!("/api/v1/documents/{own_id}")).await, 200).await;
        assert_eq!(still["title"], own["title"]);
    }

    async fn an_arbodienst_records_a_poortwachter_step_for_a_linked_employer(backend) {
        let w = World::new(backend).await;
        let today = verzuim_tests::dutch_today().to_string();
        // The week-42 report to UWV has no document here: the arbodienst records it.
        let recorded = send(w.app.http.post(w.app.url(&format!("/api/v1/absences/{}/steps/uwv_sick_report", w.b.absence_id)))
            .bearer_auth(&w.arbo_token).json(&json!({"done_on": today}))).await;
        let timeline = json_of(recorded, 200).await;
        let step = timeline["milestones"].as_array().unwrap().iter().find(|s| s["key"] == "uwv_sick_report").unwrap().clone();
        assert_eq!(step["status"], "done");
        assert_eq!(step["done_on"], today.as_str());
    }

    async fn unlinking_ends_the_arbodienst_access_at_once(backend) {
        let w = World::new(backend).await;
        let absence = format!("/api/v1/absences/{}", w.a.absence_id);
        json_of(w.get(&w.arbo_token, &absence).await, 200).await;
        let document = json_of(w.upload(&w.arbo_token, &w.a.employee_id, "problem_analysis").await, 201).await;

        w.unlink(&w.a).await;
        // The same token, fetched while linked, reaches nothing of employer A any more.
        assert_problem(w.get(&w.arbo_token, &absence).await, 404).await;
        assert_problem(w.get(&w.arbo_token, &format!("/api/v1/documents/{}", document["id"].as_str().unwrap())).await, 404).await;
        assert_problem(w.get(&w.arbo_token, &format!("/api/v1/employees/{}", w.a.employee_id)).await, 404).await;
        let left = json_of(w.get(&w.arbo_token, "/api/v1/absences").await, 200).await;
        assert_eq!(ids_of(&left, "id"), vec![w.b.absence_id.clone()]);
        let feed = json_of(w.get(&w.arbo_token, "/api/v1/arbodienst/events").await, 200).await;
        assert!(ids_of(&feed, "employer_id").iter().all(|e| e == &w.b.id), "{feed}");
        let me = json_of(w.get(&w.arbo_token, "/api/v1/arbodienst").await, 200).await;
        assert_eq!(me["employers"].as_array().unwrap().len(), 1);
    }

    async fn the_arbodienst_feed_holds_its_employers_events_and_no_other(backend) {
        let w = World::new(backend).await;
        let feed = json_of(w.get(&w.arbo_token, "/api/v1/arbodienst/events").await, 200).await;
        let reported: Vec<(String, String)> = feed["items"].as_array().unwrap().iter()
            .filter(|e| e["type"] == "absence.reported")
            .map(|e| (e["employer_id"].as_str().unwrap().to_string(), e["data"]["absence_id"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(reported, vec![(w.a.id.clone(), w.a.absence_id.clone()), (w.b.id.clone(), w.b.absence_id.clone())]);
        let positions: Vec<i64> = feed["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert!(positions.windows(2).all(|p| p[0] < p[1]), "{positions:?}");

        // Read on from the cursor: only what happened since, and nothing of employer C.
        let cursor = feed["next_cursor"].as_i64().unwrap();
        json_of(w.upload(&w.c.token, &w.c.employee_id, "plan_of_action").await, 201).await;
        json_of(w.upload(&w.a.token, &w.a.employee_id, "plan_of_action").await, 201).await;
        let next = json_of(w.get(&w.arbo_token, &format!("/api/v1/arbodienst/events?after={cursor}")).await, 200).await;
        let kinds: Vec<(&str, &str)> = next["items"].as_array().unwrap().iter()
            .map(|e| (e["type"].as_str().unwrap(), e["employer_id"].as_str().unwrap())).collect();
        assert_eq!(kinds, vec![("document.published", w.a.id.as_str())]);
        // An employer's client has no arbodienst feed.
        assert_problem(w.get(&w.a.token, "/api/v1/arbodienst/events").await, 403).await;
    }

    async fn an_employer_client_never_sees_another_employers_arbodienst_data(backend) {
        let w = World::new(backend).await;
        let published = json_of(w.upload(&w.arbo_token, &w.a.employee_id, "problem_analysis").await, 201).await;
        let doc = published["id"].as_str().unwrap();
        for path in [
            format!("/api/v1/documents/{doc}"),
            format!("/api/v1/documents/{doc}/content"),
            format!("/api/v1/absences?employer_id={}", w.a.id),
            format!("/api/v1/employees?employer_id={}", w.a.id),
            format!("/api/v1/absences/{}", w.a.absence_id),
        ] {
            // Employer B shares the arbodienst, employer C does not: neither sees A's records.
            assert_problem(w.get(&w.b.token, &path).await, 404).await;
            assert_problem(w.get(&w.c.token, &path).await, 404).await;
        }
        assert_problem(w.get(&w.b.token, "/api/v1/arbodienst").await, 403).await;
        // Its own employer id is a filter that changes nothing.
        let own = json_of(w.get(&w.b.token, &format!("/api/v1/absences?employer_id={}", w.b.id)).await, 200).await;
        assert_eq!(ids_of(&own, "id"), vec![w.b.absence_id.clone()]);
    }

    async fn a_revoked_arbodienst_client_is_refused_at_once(backend) {
        let w = World::new(backend).await;
        w.app.cli(&["client", "revoke", &w.arbo.client_id]).expect("revoked");
        let refused = w.get(&w.arbo_token, "/api/v1/absences").await;
        assert_eq!(refused.status(), 401);
        let token = json_of(w.app.request_token(&w.arbo, None).await, 401).await;
        assert_eq!(token["error"], "invalid_client");
    }

    async fn the_arbodienst_webhook_hears_its_employers_events_and_no_other(backend) {
        let w = World::new(backend).await;
        let receiver = WebhookReceiver::start().await;
        let hook = json_of(send(w.app.http.post(w.app.url("/api/v1/arbodienst/webhooks")).bearer_auth(&w.arbo_token)
            .json(&json!({"url": receiver.url("/arbo"), "events": ["document.published"]}))).await, 201).await;
        assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"));
        let hook_id = hook["id"].as_str().unwrap();

        json_of(w.upload(&w.c.token, &w.c.employee_id, "plan_of_action").await, 201).await;
        let published = json_of(w.upload(&w.a.token, &w.a.employee_id, "plan_of_action").await, 201).await;
        let delivered = receiver.wait_for_delivered(1, Duration::from_secs(20)).await;
        let body = delivered[0].json();
        assert_eq!(body["type"], "document.published");
        assert_eq!(body["employer_id"], w.a.id.as_str());
        assert_eq!(body["data"]["document_id"], published["id"]);
        // Employer C's document reached no arbodienst endpoint.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.received().len(), 1, "only employer A's event");

        // The attempt is written once the receiver has answered.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let attempts = loop {
            let attempts = json_of(w.get(&w.arbo_token, &format!("/api/v1/arbodienst/webhooks/{hook_id}/deliveries")).await, 200).await;
            if !attempts["items"].as_array().unwrap().is_empty() || tokio::time::Instant::now() > deadline {
                break attempts;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(attempts["items"].as_array().unwrap().len(), 1);
        let listed = json_of(w.get(&w.arbo_token, "/api/v1/arbodienst/webhooks").await, 200).await;
        assert_eq!(ids_of(&listed, "id"), vec![hook_id.to_string()]);

        // Each party's endpoints are its own: an employer neither sees nor removes this one.
        let employers = json_of(w.get(&w.a.token, "/api/v1/webhooks").await, 200).await;
        assert!(employers["items"].as_array().unwrap().is_empty());
        assert_problem(w.get(&w.a.token, &format!("/api/v1/webhooks/{hook_id}/deliveries")).await, 404).await;
        let removed = send(w.app.http.delete(w.app.url(&format!("/api/v1/webhooks/{hook_id}"))).bearer_auth(&w.a.token)).await;
        assert_problem(removed, 404).await;
        assert_problem(w.get(&w.a.token, "/api/v1/arbodienst/webhooks").await, 403).await;

        // After unlinking, employer A's events stop reaching the arbodienst.
        w.unlink(&w.a).await;
        json_of(w.upload(&w.a.token, &w.a.employee_id, "evaluation").await, 201).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(receiver.received().len(), 1);

        let gone = send(w.app.http.delete(w.app.url(&format!("/api/v1/arbodienst/webhooks/{hook_id}"))).bearer_auth(&w.arbo_token)).await;
        assert_eq!(gone.status(), 204);
        let listed = json_of(w.get(&w.arbo_token, "/api/v1/arbodienst/webhooks").await, 200).await;
        assert!(listed["items"].as_array().unwrap().is_empty());
    }
}
