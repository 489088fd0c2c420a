//! Poortwachter steps you can track (SPEC §9): a document of a step's category completes it, the
//! employer records the steps done elsewhere, an undone step past its due date is late for
//! employer and employee alike and raises `poortwachter.step_overdue` once.

use std::time::Duration;

use chrono::{NaiveDate, TimeDelta};
use diesel::prelude::*;
use serde_json::{json, Value};
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::{
    assert_problem, on_both_databases, Backend, EmployerSession, NewEmployee, TestApp,
};

const EMPLOYEE: NewEmployee = NewEmployee {
    email: "ayse.yilmaz@example.nl",
    date_of_birth: "1985-03-09",
    language: "nl",
    password: "groene tulpen in de vaas",
};
const BOUNDARY: &str = "verzuim-steps-boundary";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

struct World {
    app: TestApp,
    employer: EmployerSession,
    employee_id: String,
    employee_token: String,
    absence_id: String,
    smtp: SmtpCapture,
}

fn today() -> NaiveDate {
    verzuim_tests::dutch_today()
}

impl World {
    /// An employee whose absence began `days` ago (moved back in the database: the API accepts
    /// a first sick day at most 14 days back). `overdue_check_ms` sets the worker's pace.
    async fn new(backend: Backend, days: i64, overdue_check_ms: u64) -> World {
        let smtp = SmtpCapture::start().await;
        let url = smtp.url();
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("SMTP_URL".into(), url);
            env.insert(
                "VERZUIM_OVERDUE_CHECK_MS".into(),
                overdue_check_ms.to_string(),
            );
            verzuim_tests::quick_outbox(env);
        })
        .await;
        let employer = app.employer_session().await;
        let employee_id = app
            .activated_employee(&smtp, &employer.token, &EMPLOYEE)
            .await;
        let login: Value = app
            .login(EMPLOYEE.email, EMPLOYEE.password)
            .await
            .json()
            .await
            .unwrap();
        let employee_token = login["access_token"].as_str().unwrap().to_string();
        let reported = app
            .http
            .post(app.url("/api/v1/me/absences"))
            .bearer_auth(&employee_token)
            .json(&json!({"first_sick_day": today().to_string()}))
            .send()
            .await
            .unwrap();
        assert_eq!(reported.status(), 201);
        let absence: Value = reported.json().await.unwrap();
        let absence_id = absence["id"].as_str().unwrap().to_string();
        let began = (today() - TimeDelta::days(days)).to_string();
        diesel::sql_query(format!(
            "UPDATE absences SET first_sick_day = '{began}', counting_from = '{began}' WHERE id = '{absence_id}'"
        ))
        .execute(&mut app.db())
        .unwrap();
        World {
            app,
            employer,
            employee_id,
            employee_token,
            absence_id,
            smtp,
        }
    }

    async fn employer_timeline(&self) -> Value {
        let response = self
            .app
            .http
            .get(
                self.app
                    .url(&format!("/api/v1/absences/{}/timeline", self.absence_id)),
            )
            .bearer_auth(&self.employer.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn employee_timeline(&self) -> Value {
        let response = self
            .app
            .http
            .get(self.app.url("/api/v1/me/timeline"))
            .bearer_auth(&self.employee_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn record(
        &self,
        token: &str,
        absence_id: &str,
        key: &str,
        body: Value,
    ) -> reqwest::Response {
        self.app
            .http
            .post(
                self.app
                    .url(&format!("/api/v1/absences/{absence_id}/steps/{key}")),
            )
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn upload(&self, category: &str) -> Value {
        let response = self.upload_with(category, "true", None).await;
        assert_eq!(response.status(), 201, "uploaded");
        response.json().await.unwrap()
    }

    async fn upload_with(
        &self,
        category: &str,
        visible: &str,
        response_requested: Option<&str>,
    ) -> reqwest::Response {
        let today = today().to_string();
        let mut fields = vec![
            ("title", "Stuk"),
            ("category", category),
            ("document_date", today.as_str()),
            ("visible_to_employee", visible),
        ];
        if let Some(asked) = response_requested {
            fields.push(("response_requested", asked));
        }
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stuk.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
        body.extend_from_slice(PDF);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        self.app
            .http
            .post(
                self.app
                    .url(&format!("/api/v1/employees/{}/documents", self.employee_id)),
            )
            .bearer_auth(&self.employer.token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn answer(&self, document_id: &str, body: Value) -> reqwest::Response {
        self.app
            .http
            .post(
                self.app
                    .url(&format!("/api/v1/me/documents/{document_id}/response")),
            )
            .bearer_auth(&self.employee_token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    fn age_step_ups(&self) {
        let shift = if matches!(self.app.backend(), Backend::Sqlite) {
            "UPDATE session_step_ups SET stepped_up_at = datetime(stepped_up_at, '-6 minutes')"
        } else {
            "UPDATE session_step_ups SET stepped_up_at = stepped_up_at - INTERVAL '6 minutes'"
        };
        diesel::sql_query(shift)
            .execute(&mut self.app.db())
            .unwrap();
    }

    async fn overdue_events(&self) -> Vec<Value> {
        let response = self
            .app
            .http
            .get(self.app.url("/api/v1/events?after=0&limit=100"))
            .bearer_auth(&self.employer.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let page: Value = response.json().await.unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "poortwachter.step_overdue")
            .cloned()
            .collect()
    }
}

fn step<'a>(timeline: &'a Value, key: &str) -> &'a Value {
    timeline["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == key)
        .unwrap()
}

on_both_databases! {
    async fn a_document_of_the_steps_category_completes_it(backend) {
        // Day 50: the week-1 report and the week-6 problem analysis are past their due dates.
        let world = World::new(backend, 50, 600_000).await;
        let before = world.employer_timeline().await;
        assert_eq!(step(&before, "problem_analysis")["status"], "late");
        assert_eq!(step(&before, "plan_of_action")["status"], "due");

        let document = world.upload("problem_analysis").await;
        let after = world.employer_timeline().await;
        let analysis = step(&after, "problem_analysis");
        assert_eq!(analysis["status"], "done");
        assert_eq!(analysis["done_on"], today().to_string());
        assert_eq!(analysis["document_id"], document["id"]);
        // A document of another category completes nothing.
        world.upload("correspondence").await;
        assert_eq!(step(&world.employer_timeline().await, "arbodienst_report")["status"], "late");
        // The employee sees the same steps.
        assert_eq!(world.employee_timeline().await["milestones"], after["milestones"]);
    }

    async fn evaluations_are_completed_in_the_order_their_documents_arrive(backend) {
        let world = World::new(backend, 120, 600_000).await;
        world.upload("evaluation").await;
        world.upload("evaluation").await;
        let timeline = world.employer_timeline().await;
        assert_eq!(step(&timeline, "evaluation_1")["status"], "done");
        assert_eq!(step(&timeline, "evaluation_2")["status"], "done");
        assert_ne!(step(&timeline, "evaluation_3")["status"], "done");
    }

    async fn the_employer_records_a_step_done_elsewhere_once(backend) {
        let world = World::new(backend, 50, 600_000).await;
        let token = world.employer.token.clone();
        let reported_on = (today() - TimeDelta::days(48)).to_string();
        let recorded = world.record(&token, &world.absence_id, "arbodienst_report",
            json!({"done_on": reported_on, "note": "Gemeld via het portaal van de arbodienst"})).await;
        assert_eq!(recorded.status(), 200);
        let timeline: Value = recorded.json().await.unwrap();
        assert_eq!(step(&timeline, "arbodienst_report")["status"], "done");
        assert_eq!(step(&timeline, "arbodienst_report")["done_on"], reported_on);
        assert!(step(&timeline, "arbodienst_report")["document_id"].is_null());

        let again = world.record(&token, &world.absence_id, "arbodienst_report", json!({"done_on": reported_on})).await;
        assert_problem(again, 409).await;
        let unknown = assert_problem(world.record(&token, &world.absence_id, "evaluation_7", json!({"done_on": reported_on})).await, 400).await;
        assert_eq!(unknown["errors"][0]["field"], "key");
        let future = world.record(&token, &world.absence_id, "problem_analysis",
            json!({"done_on": (today() + TimeDelta::days(1)).to_string()})).await;
        assert_eq!(assert_problem(future, 400).await["errors"][0]["field"], "done_on");
        let long_note = world.record(&token, &world.absence_id, "problem_analysis",
            json!({"done_on": reported_on, "note": "x".repeat(501)})).await;
        assert_problem(long_note, 400).await;
        assert_eq!(step(&world.employer_timeline().await, "problem_analysis")["status"], "late", "nothing changed");
    }

    async fn recording_a_step_needs_the_poortwachter_scope_and_the_employers_own_absence(backend) {
        let world = World::new(backend, 50, 600_000).await;
        let narrow = world.app.create_client(&world.employer.employer_id, Some("absences:read absences:write"));
        let narrow = world.app.token(&narrow).await;
        let body = json!({"done_on": today().to_string()});
        assert_problem(world.record(&narrow, &world.absence_id, "problem_analysis", body.clone()).await, 403).await;
        let other = world.app.employer_session().await;
        assert_problem(world.record(&other.token, &world.absence_id, "problem_analysis", body).await, 404).await;
        assert_eq!(step(&world.employer_timeline().await, "problem_analysis")["status"], "late");
    }

    async fn a_late_step_raises_step_overdue_once(backend) {
        let world = World::new(backend, 50, 50).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let mut raised = world.overdue_events().await;
        while raised.len() < 2 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            raised = world.overdue_events().await;
        }
        let mut steps: Vec<String> = raised.iter().map(|e| e["data"]["step"].as_str().unwrap().to_string()).collect();
        steps.sort();
        assert_eq!(steps, ["arbodienst_report", "problem_analysis"]);
        assert!(raised.iter().all(|e| e["data"]["absence_id"] == world.absence_id.as_str()));
        // Many more runs of the worker raise nothing again.
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(world.overdue_events().await.len(), 2);
        // The employee sees the late steps too.
        assert_eq!(step(&world.employee_timeline().await, "problem_analysis")["status"], "late");
    }

    async fn the_employee_answers_a_plan_of_action_once_and_the_answer_keeps_its_sha256(backend) {
        let world = World::new(backend, 60, 600_000).await;
        let asked = world.upload_with("plan_of_action", "true", Some("true")).await;
        assert_eq!(asked.status(), 201);
        let document: Value = asked.json().await.unwrap();
        assert_eq!(document["response_requested"], true);
        let id = document["id"].as_str().unwrap();
        let mine: Value = world.app.http.get(world.app.url(&format!("/api/v1/me/documents/{id}")))
            .bearer_auth(&world.employee_token).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["response_requested"], true);
        assert!(mine["response"].is_null());

        // Logged in a moment ago: that counts as the confirmation.
        let own_view = "Ik kan eerst halve dagen werken, niet meteen hele.";
        let answered = world.answer(id, json!({"agreement": "disagree", "own_view": own_view})).await;
        assert_eq!(answered.status(), 201);
        let answer: Value = answered.json().await.unwrap();
        assert_eq!(answer["agreement"], "disagree");
        assert_eq!(answer["own_view"], own_view);
        assert_eq!(answer["document_sha256"], document["sha256"]);

        let again = world.answer(id, json!({"agreement": "agree"})).await;
        assert_problem(again, 409).await;
        let mine: Value = world.app.http.get(world.app.url(&format!("/api/v1/me/documents/{id}")))
            .bearer_auth(&world.employee_token).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["response"]["agreement"], "disagree", "the first answer stays");

        let read: Value = world.app.http.get(world.app.url(&format!("/api/v1/documents/{id}/responses")))
            .bearer_auth(&world.employer.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(read["items"].as_array().unwrap().len(), 1);
        assert_eq!(read["items"][0]["own_view"], own_view);

        let page: Value = world.app.http.get(world.app.url("/api/v1/events?after=0&limit=100"))
            .bearer_auth(&world.employer.token).send().await.unwrap().json().await.unwrap();
        let responded: Vec<&Value> = page["items"].as_array().unwrap().iter()
            .filter(|e| e["type"] == "document.responded").collect();
        assert_eq!(responded.len(), 1);
        assert_eq!(responded[0]["data"]["agreement"], "disagree");
        assert!(!responded[0].to_string().contains("halve dagen"), "the view is not in the event");

        // The employer's absence address is told whether, not what: the view stays in the API.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let mail = loop {
            let found = world.smtp.received().into_iter()
                .find(|m| m.parsed().subject() == Some("Reactie van een medewerker op een document"));
            if let Some(mail) = found { break mail; }
            assert!(tokio::time::Instant::now() < deadline, "no answer e-mail");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let text = mail.parsed().body_text(0).unwrap().to_string();
        assert!(text.contains("niet akkoord"), "{text}");
        assert!(text.contains("Eigen visie gegeven: ja"), "{text}");
        assert!(!text.contains("halve dagen"), "{text}");
    }

    async fn answering_asks_for_a_confirmation_in_the_last_five_minutes(backend) {
        let world = World::new(backend, 60, 600_000).await;
        let document: Value = world.upload_with("evaluation", "true", Some("true")).await.json().await.unwrap();
        let id = document["id"].as_str().unwrap();
        world.age_step_ups();
        let refused = assert_problem(world.answer(id, json!({"agreement": "agree"})).await, 403).await;
        assert_eq!(refused["type"], "/problems/step-up-required");
        let confirmed = world.app.http.post(world.app.url("/api/v1/me/step-up")).bearer_auth(&world.employee_token)
            .json(&json!({"password": EMPLOYEE.password})).send().await.unwrap();
        assert_eq!(confirmed.status(), 204);
        assert_eq!(world.answer(id, json!({"agreement": "agree"})).await.status(), 201);
    }

    async fn only_a_document_that_asks_can_be_answered_and_only_by_its_employee(backend) {
        let world = World::new(backend, 60, 600_000).await;
        let plain = world.upload("correspondence").await;
        assert_problem(world.answer(plain["id"].as_str().unwrap(), json!({"agreement": "agree"})).await, 409).await;
        let hidden: Value = world.upload_with("plan_of_action", "false", None).await.json().await.unwrap();
        assert_problem(world.answer(hidden["id"].as_str().unwrap(), json!({"agreement": "agree"})).await, 404).await;
        assert_problem(world.answer(&uuid::Uuid::new_v4().to_string(), json!({"agreement": "agree"})).await, 404).await;
        let asked: Value = world.upload_with("plan_of_action", "true", Some("true")).await.json().await.unwrap();
        let id = asked["id"].as_str().unwrap();
        let too_long = world.answer(id, json!({"agreement": "agree", "own_view": "x".repeat(4001)})).await;
        assert_eq!(assert_problem(too_long, 400).await["errors"][0]["field"], "own_view");
        let bad = world.answer(id, json!({"agreement": "misschien"})).await;
        assert_problem(bad, 400).await;
        // Another employer's client cannot read the answers.
        let other = world.app.employer_session().await;
        let foreign = world.app.http.get(world.app.url(&format!("/api/v1/documents/{id}/responses")))
            .bearer_auth(&other.token).send().await.unwrap();
        assert_problem(foreign, 404).await;
    }

    async fn an_answer_is_asked_only_for_plans_and_reports_the_employee_can_see(backend) {
        let world = World::new(backend, 10, 600_000).await;
        let wrong_kind = world.upload_with("correspondence", "true", Some("true")).await;
        assert_eq!(assert_problem(wrong_kind, 400).await["errors"][0]["field"], "response_requested");
        let hidden = world.upload_with("plan_of_action", "false", Some("true")).await;
        assert_eq!(assert_problem(hidden, 400).await["errors"][0]["field"], "response_requested");
        let garbled = world.upload_with("plan_of_action", "true", Some("misschien")).await;
        assert_problem(garbled, 400).await;
    }

    async fn the_sick_report_e_mail_to_the_arbodienst_is_the_week_1_report(backend) {
        // An employer without an arbodienst address: nobody was told, the step is late.
        let without = World::new(backend, 10, 600_000).await;
        assert_eq!(step(&without.employer_timeline().await, "arbodienst_report")["status"], "late");
        // With one, the portal's e-mail at the sick report did it.
        let app = &without.app;
        let patched = app.http.patch(app.url("/api/v1/employer")).bearer_auth(&without.employer.token)
            .json(&json!({"arbodienst_email": "arbo@arbodienst.test"})).send().await.unwrap();
        assert_eq!(patched.status(), 200);
        let colleague = NewEmployee { email: "kees.mulder@example.nl", ..EMPLOYEE };
        let id = app.activated_employee(&without.smtp, &without.employer.token, &colleague).await;
        let reported = app.http.post(app.url(&format!("/api/v1/employees/{id}/absences")))
            .bearer_auth(&without.employer.token)
            .json(&json!({"first_sick_day": today().to_string()})).send().await.unwrap();
        assert_eq!(reported.status(), 201);
        let absence: Value = reported.json().await.unwrap();
        let timeline: Value = app.http.get(app.url(&format!("/api/v1/absences/{}/timeline", absence["id"].as_str().unwrap())))
            .bearer_auth(&without.employer.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(step(&timeline, "arbodienst_report")["status"], "done");
        assert_eq!(step(&timeline, "arbodienst_report")["done_on"], today().to_string());
    }
}
