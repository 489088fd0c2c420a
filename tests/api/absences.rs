//! Absences (SPEC §2.6, §2.7, §2.11, §3 absences, §5 e-mail): sick and recovery reports by the
//! employee, linked spells, the Poortwachter timeline, and the employer's absence API.

use std::time::Duration;

use chrono::{Datelike, NaiveDate, TimeDelta};
use serde_json::{json, Value};
use verzuim_tests::smtp::{ReceivedMail, SmtpCapture};
use verzuim_tests::{
    assert_problem, on_both_databases, Backend, EmployerSession, NewEmployee, TestApp,
};

const PASSWORD: &str = "paarse fiets op de dijk";
const DATE_OF_BIRTH: &str = "1985-04-12";
const ABSENCE_EMAIL: &str = "verzuim@employer.test";
const ARBO_EMAIL: &str = "arbo@arbodienst.test";

fn today() -> NaiveDate {
    verzuim_tests::dutch_today()
}

fn days_ago(days: i64) -> String {
    (today() - TimeDelta::days(days)).to_string()
}

fn days_ahead(days: i64) -> String {
    (today() + TimeDelta::days(days)).to_string()
}

fn dutch_date(date: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// An app with mail going to a capture server, an employer with an arbodienst address, and
/// one activated, logged-in employee.
struct World {
    app: TestApp,
    smtp: SmtpCapture,
    employer: EmployerSession,
    employee_id: String,
    /// The employee's access token.
    token: String,
}

impl World {
    async fn new(backend: Backend) -> World {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let employer = app.employer_session().await;
        let response = app
            .http
            .patch(app.url("/api/v1/employer"))
            .bearer_auth(&employer.token)
            .json(&json!({"arbodienst_email": ARBO_EMAIL}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "arbodienst address set");
        let mut world = World {
            app,
            smtp,
            employer,
            employee_id: String::new(),
            token: String::new(),
        };
        let (employee_id, token) = world.add_employee("jan.jansen@bakkerij.nl").await;
        world.employee_id = employee_id;
        world.token = token;
        world
    }

    fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    /// Creates, invites and activates an employee of the world's employer; returns its id and
    /// an access token.
    async fn add_employee(&self, email: &str) -> (String, String) {
        let employee = NewEmployee {
            email,
            date_of_birth: DATE_OF_BIRTH,
            language: "nl",
            password: PASSWORD,
        };
        let id = self
            .app
            .activated_employee(&self.smtp, &self.employer.token, &employee)
            .await;
        let response = self.app.login(email, PASSWORD).await;
        assert_eq!(response.status(), 200, "logged in");
        let body: Value = response.json().await.unwrap();
        (id, body["access_token"].as_str().unwrap().to_string())
    }

    async fn as_employee(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .app
            .http
            .request(method, self.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn as_employer(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .app
            .http
            .request(method, self.url(&format!("/api/v1{path}")))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// Reports sick as the employee; returns the absence.
    async fn report(&self, body: Value) -> Value {
        let response = self
            .as_employee(reqwest::Method::POST, "/me/absences", Some(body))
            .await;
        assert_eq!(response.status(), 201, "sick report accepted");
        response.json().await.unwrap()
    }

    async fn recover(&self, id: &str, recovered_on: &str) -> reqwest::Response {
        self.as_employee(
            reqwest::Method::POST,
            &format!("/me/absences/{id}/recovery"),
            Some(json!({"recovered_on": recovered_on})),
        )
        .await
    }

    async fn my_absences(&self) -> Vec<Value> {
        let response = self
            .as_employee(reqwest::Method::GET, "/me/absences", None)
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["items"].as_array().unwrap().clone()
    }

    /// Corrects dates as the employer.
    async fn correct(&self, id: &str, body: Value) -> reqwest::Response {
        self.as_employer(
            &self.employer.token,
            reqwest::Method::PATCH,
            &format!("/absences/{id}"),
            Some(body),
        )
        .await
    }

    /// Mails that reached `to`, waiting until `count` did.
    async fn mails_to(&self, to: &str, count: usize) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let mails: Vec<ReceivedMail> = self
                .smtp
                .received()
                .into_iter()
                .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(to)))
                .collect();
            if mails.len() >= count || tokio::time::Instant::now() >= deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn text_and_html(mail: &ReceivedMail) -> (String, String) {
    let message = mail.parsed();
    (
        message.body_text(0).expect("a text part").to_string(),
        message.body_html(0).expect("an HTML part").to_string(),
    )
}

/// Asserts a refused sick report names `field` and stored nothing.
async fn assert_refused(world: &World, body: Value, field: &str) {
    let response = world
        .as_employee(reqwest::Method::POST, "/me/absences", Some(body))
        .await;
    let problem = assert_problem(response, 400).await;
    assert!(
        fields(&problem).contains(&field.to_string()),
        "field {field} named: {problem}"
    );
    assert!(world.my_absences().await.is_empty(), "nothing stored");
}

on_both_databases! {
    async fn absence_changes_are_events_with_ids_and_dates_only(backend) {
        let world = World::new(backend).await;
        let absence = world
            .report(json!({"first_sick_day": days_ago(3), "phone": "0612345678", "care_address": "Dorpsstraat 1"}))
            .await;
        let id = absence["id"].as_str().unwrap();
        let response = world
            .as_employee(
                reqwest::Method::POST,
                &format!("/me/absences/{id}/partial-recovery"),
                Some(json!({"from": days_ago(1), "percentage": 50})),
            )
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(world.recover(id, &days_ago(0)).await.status(), 200);
        let response = world
            .as_employer(&world.employer.token, reqwest::Method::GET, "/events", None)
            .await;
        assert_eq!(response.status(), 200);
        let feed: Value = response.json().await.unwrap();
        let events: Vec<&Value> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"].as_str().is_some_and(|t| t.starts_with("absence.")))
            .collect();
        let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["absence.reported", "absence.partially_recovered", "absence.recovered"]
        );
        for event in &events {
            assert_eq!(event["data"]["absence_id"], id);
            assert_eq!(event["data"]["employee_id"], world.employee_id.as_str());
            assert_eq!(event["data"]["first_sick_day"], days_ago(3));
            let text = event["data"].to_string();
            assert!(!text.contains("0612345678") && !text.contains("Dorpsstraat"), "{text}");
        }
        assert_eq!(events[2]["data"]["recovered_on"], days_ago(0));

        // Employer reads of a single absence are audited, as are the changes.
        let response = world
            .as_employer(&world.employer.token, reqwest::Method::GET, &format!("/absences/{id}"), None)
            .await;
        assert_eq!(response.status(), 200);
        let response = world
            .as_employer(&world.employer.token, reqwest::Method::GET, "/audit", None)
            .await;
        assert_eq!(response.status(), 200);
        let audit: Value = response.json().await.unwrap();
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["resource_id"] == id)
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["absence.reported", "absence.partially_recovered", "absence.recovered", "absence.read"]
        );
    }

    async fn sick_report_is_created_and_mailed_to_employer_and_arbodienst_without_medical_words(backend) {
        let world = World::new(backend).await;
        let first = today() - TimeDelta::days(2);
        let absence = world
            .report(json!({
                "first_sick_day": first.to_string(),
                "hours_worked_first_day": 2.5,
                "phone": "+31 6 12345678",
                "expected_duration": "up_to_1_week",
                "safety_net": false,
                "occupational_accident": true,
            }))
            .await;
        assert_eq!(absence["status"], "open");
        assert_eq!(absence["first_sick_day"], first.to_string());
        assert_eq!(absence["counting_from"], first.to_string());
        assert_eq!(absence["hours_worked_first_day"], 2.5);
        assert_eq!(absence["expected_duration"], "up_to_1_week");
        assert_eq!(absence["reported_by"], "employee");
        assert_eq!(absence["employee_id"], world.employee_id.as_str());
        assert!(absence["linked_to"].is_null());
        assert_eq!(absence["partial_recoveries"], json!([]));

        for to in [ABSENCE_EMAIL, ARBO_EMAIL] {
            let mails = world.mails_to(to, 1).await;
            assert_eq!(mails.len(), 1, "one e-mail to {to}");
            let (text, html) = text_and_html(&mails[0]);
            assert_eq!(mails[0].parsed().subject(), Some("Nieuwe ziekmelding"));
            for body in [&text, &html] {
                assert!(body.contains("Jan Jansen"), "{body}");
                assert!(body.contains(&dutch_date(first)), "{body}");
                assert!(body.contains("2,5"), "{body}");
                assert!(body.contains("+31 6 12345678"), "{body}");
                assert!(body.contains("tot 1 week"), "{body}");
                assert!(body.contains("Bakkerij de Vries"), "the employer is named: {body}");
                assert!(body.contains("de medewerker zelf"), "who reported it: {body}");
                // Neither the absence address nor the arbodienst has a portal to open.
                assert!(!body.contains("http://verzuim.test"), "{body}");
                let lower = body.to_lowercase();
                for medical in ["diagnos", "oorzaak", "klacht", "zwanger", "ziekte:"] {
                    assert!(!lower.contains(medical), "{medical} in {body}");
                }
            }
        }
    }

    async fn sick_report_and_recovery_emails_name_the_personnel_number_in_the_employers_language(backend) {
        let world = World::new(backend).await;
        let patch = |path: String, body: Value| {
            world.app.http.patch(world.url(&path)).bearer_auth(&world.employer.token).json(&body).send()
        };
        let language = patch("/api/v1/employer".into(), json!({"notification_language": "en"})).await.unwrap();
        assert_eq!(language.json::<Value>().await.unwrap()["notification_language"], "en");
        let numbered = patch(format!("/api/v1/employees/{}", world.employee_id), json!({"external_id": "P-0042"})).await.unwrap();
        assert_eq!(numbered.status(), 200);

        let absence = world.report(json!({"first_sick_day": days_ago(1), "expected_duration": "up_to_6_weeks"})).await;
        world.recover(absence["id"].as_str().unwrap(), &days_ago(0)).await;
        let mails = world.mails_to(ARBO_EMAIL, 2).await;
        let mut subjects: Vec<_> = mails.iter().map(|m| m.parsed().subject().unwrap_or_default().to_string()).collect();
        subjects.sort();
        assert_eq!(subjects, ["New sick report", "Recovery report"]);
        for mail in &mails {
            let (text, html) = text_and_html(mail);
            for body in [&text, &html] {
                assert!(body.contains("P-0042"), "{body}");
                assert!(body.contains("Bakkerij de Vries"), "{body}");
                assert!(body.contains("the employee"), "{body}");
                assert!(!body.contains("Eerste ziektedag"), "{body}");
            }
        }
        let report = mails.iter().find(|m| m.parsed().subject() == Some("New sick report")).unwrap();
        assert!(text_and_html(report).0.contains("Expected duration: up to 6 weeks"));
    }

    async fn first_sick_day_in_the_future_is_refused(backend) {
        let world = World::new(backend).await;
        assert_refused(&world, json!({"first_sick_day": days_ahead(1)}), "first_sick_day").await;
    }

    async fn first_sick_day_15_days_back_is_refused(backend) {
        let world = World::new(backend).await;
        assert_refused(&world, json!({"first_sick_day": days_ago(15)}), "first_sick_day").await;
        // 14 days back is still allowed.
        world.report(json!({"first_sick_day": days_ago(14)})).await;
    }

    async fn hours_not_in_quarter_steps_are_refused(backend) {
        let world = World::new(backend).await;
        for hours in [7.3, 0.3] {
            assert_refused(
                &world,
                json!({"first_sick_day": days_ago(0), "hours_worked_first_day": hours}),
                "hours_worked_first_day",
            )
            .await;
        }
    }

    async fn hours_above_24_are_refused(backend) {
        let world = World::new(backend).await;
        assert_refused(
            &world,
            json!({"first_sick_day": days_ago(0), "hours_worked_first_day": 25}),
            "hours_worked_first_day",
        )
        .await;
    }

    async fn every_invalid_field_is_listed(backend) {
        let world = World::new(backend).await;
        let response = world
            .as_employee(
                reqwest::Method::POST,
                "/me/absences",
                Some(json!({
                    "first_sick_day": days_ahead(3),
                    "hours_worked_first_day": 25,
                    "expected_duration": "forever",
                })),
            )
            .await;
        let problem = assert_problem(response, 400).await;
        assert_eq!(
            fields(&problem),
            ["first_sick_day", "hours_worked_first_day", "expected_duration"]
        );
    }

    async fn diagnosis_field_is_refused_and_nothing_stored(backend) {
        let world = World::new(backend).await;
        assert_refused(
            &world,
            json!({"first_sick_day": days_ago(0), "diagnosis": "griep"}),
            "diagnosis",
        )
        .await;
    }

    async fn second_open_absence_is_a_conflict(backend) {
        let world = World::new(backend).await;
        world.report(json!({"first_sick_day": days_ago(1)})).await;
        let response = world
            .as_employee(
                reqwest::Method::POST,
                "/me/absences",
                Some(json!({"first_sick_day": days_ago(0)})),
            )
            .await;
        assert_problem(response, 409).await;
        assert_eq!(world.my_absences().await.len(), 1);
    }

    async fn recovery_before_the_first_sick_day_is_refused(backend) {
        let world = World::new(backend).await;
        let absence = world.report(json!({"first_sick_day": days_ago(3)})).await;
        let id = absence["id"].as_str().unwrap();
        let problem = assert_problem(world.recover(id, &days_ago(4)).await, 400).await;
        assert_eq!(fields(&problem), ["recovered_on"]);
        let problem = assert_problem(world.recover(id, &days_ahead(15)).await, 400).await;
        assert_eq!(fields(&problem), ["recovered_on"]);
        assert_eq!(world.my_absences().await[0]["status"], "open");
    }

    async fn recovery_closes_the_absence_and_is_mailed(backend) {
        let world = World::new(backend).await;
        let absence = world.report(json!({"first_sick_day": days_ago(3)})).await;
        let id = absence["id"].as_str().unwrap();
        let response = world.recover(id, &days_ago(0)).await;
        assert_eq!(response.status(), 200);
        let recovered: Value = response.json().await.unwrap();
        assert_eq!(recovered["status"], "recovered");
        assert_eq!(recovered["recovered_on"], days_ago(0));
        // Closed: a second recovery is a conflict, a new report is possible.
        assert_problem(world.recover(id, &days_ago(0)).await, 409).await;
        for to in [ABSENCE_EMAIL, ARBO_EMAIL] {
            let mails = world.mails_to(to, 2).await;
            assert_eq!(mails.len(), 2, "sick report and recovery to {to}");
            let recovery = mails
                .iter()
                .find(|m| m.parsed().subject() == Some("Herstelmelding"))
                .expect("a recovery e-mail");
            let (text, _) = text_and_html(recovery);
            assert!(text.contains(&dutch_date(today())), "{text}");
        }
        let response = world
            .as_employee(reqwest::Method::GET, "/me/timeline", None)
            .await;
        assert_problem(response, 404).await;
    }

    async fn partial_recovery_keeps_the_absence_open_with_its_history(backend) {
        let world = World::new(backend).await;
        let absence = world.report(json!({"first_sick_day": days_ago(5)})).await;
        let id = absence["id"].as_str().unwrap();
        for (from, percentage) in [(days_ago(2), 50), (days_ago(0), 80)] {
            let response = world
                .as_employee(
                    reqwest::Method::POST,
                    &format!("/me/absences/{id}/partial-recovery"),
                    Some(json!({"from": from, "percentage": percentage})),
                )
                .await;
            assert_eq!(response.status(), 200);
        }
        let response = world
            .as_employee(
                reqwest::Method::POST,
                &format!("/me/absences/{id}/partial-recovery"),
                Some(json!({"from": days_ago(0), "percentage": 100})),
            )
            .await;
        let problem = assert_problem(response, 400).await;
        assert_eq!(fields(&problem), ["percentage"]);
        let response = world
            .as_employee(reqwest::Method::GET, &format!("/me/absences/{id}"), None)
            .await;
        let absence: Value = response.json().await.unwrap();
        assert_eq!(absence["status"], "open");
        let history = json!([
            {"from": days_ago(2), "percentage": 50},
            {"from": days_ago(0), "percentage": 80},
        ]);
        assert_eq!(absence["partial_recoveries"], history);
        // The list shows the same history (it loads partial recoveries its own way).
        let listed = world.my_absences().await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["partial_recoveries"], history);
    }

    async fn report_within_28_days_of_recovery_is_linked_and_timeline_counts_from_first_spell(backend) {
        let world = World::new(backend).await;
        let first = world.report(json!({"first_sick_day": days_ago(2)})).await;
        let first_id = first["id"].as_str().unwrap();
        assert_eq!(world.recover(first_id, &days_ago(0)).await.status(), 200);
        // Move the first spell back in time: sick 40 days ago, recovered 28 days ago.
        let response = world
            .correct(
                first_id,
                json!({"first_sick_day": days_ago(40), "recovered_on": days_ago(28), "reason": "late report"}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let second = world.report(json!({"first_sick_day": days_ago(0)})).await;
        assert_eq!(second["linked_to"], first_id);
        assert_eq!(second["counting_from"], days_ago(40));
        assert_eq!(second["first_sick_day"], days_ago(0));
        let response = world
            .as_employee(reqwest::Method::GET, "/me/timeline", None)
            .await;
        assert_eq!(response.status(), 200);
        let timeline: Value = response.json().await.unwrap();
        assert_eq!(timeline["absence_id"], second["id"]);
        assert_eq!(timeline["counting_from"], days_ago(40));
        assert_eq!(timeline["current_week"], 6);
        let problem_analysis = timeline["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["key"] == "problem_analysis")
            .unwrap()
            .clone();
        assert_eq!(problem_analysis["due_date"], days_ahead(2));
        assert_eq!(problem_analysis["status"], "due");
    }

    async fn report_29_days_after_recovery_is_not_linked(backend) {
        let world = World::new(backend).await;
        let first = world.report(json!({"first_sick_day": days_ago(2)})).await;
        let first_id = first["id"].as_str().unwrap();
        assert_eq!(world.recover(first_id, &days_ago(0)).await.status(), 200);
        let response = world
            .correct(
                first_id,
                json!({"first_sick_day": days_ago(40), "recovered_on": days_ago(29), "reason": "late report"}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let second = world.report(json!({"first_sick_day": days_ago(0)})).await;
        assert!(second["linked_to"].is_null());
        assert_eq!(second["counting_from"], days_ago(0));
    }

    async fn cancelled_absence_does_not_link(backend) {
        let world = World::new(backend).await;
        let first = world.report(json!({"first_sick_day": days_ago(2)})).await;
        let first_id = first["id"].as_str().unwrap();
        let response = world
            .as_employer(
                &world.employer.token,
                reqwest::Method::POST,
                &format!("/absences/{first_id}/cancel"),
                None,
            )
            .await;
        assert_eq!(response.status(), 200);
        let second = world.report(json!({"first_sick_day": days_ago(0)})).await;
        assert!(second["linked_to"].is_null());
    }

    async fn timeline_has_one_step_due_and_the_undone_past_ones_late(backend) {
        let world = World::new(backend).await;
        let absence = world.report(json!({"first_sick_day": days_ago(10)})).await;
        let response = world
            .as_employee(reqwest::Method::GET, "/me/timeline", None)
            .await;
        assert_eq!(response.status(), 200);
        let timeline: Value = response.json().await.unwrap();
        assert_eq!(timeline["absence_id"], absence["id"]);
        assert_eq!(timeline["current_week"], 2);
        let milestones = timeline["milestones"].as_array().unwrap();
        let due: Vec<&Value> = milestones.iter().filter(|m| m["status"] == "due").collect();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0]["key"], "problem_analysis");
        assert_eq!(milestones[0]["key"], "arbodienst_report");
        assert_eq!(milestones[0]["due_date"], days_ago(3));
        // The sick report e-mailed the arbodienst: that is the week-1 report, done on the day.
        assert_eq!(milestones[0]["status"], "done");
        assert_eq!(milestones[0]["done_on"], days_ago(0));
        let first_year = milestones
            .iter()
            .find(|m| m["key"] == "first_year_evaluation")
            .unwrap();
        assert_eq!(first_year["week"], 46);
        assert_eq!(first_year["week_end"], 52);
        assert!(first_year["due_date_end"].is_string());
        // The employer sees the same timeline.
        let id = absence["id"].as_str().unwrap();
        let response = world
            .as_employer(
                &world.employer.token,
                reqwest::Method::GET,
                &format!("/absences/{id}/timeline"),
                None,
            )
            .await;
        assert_eq!(response.status(), 200);
        let employer_view: Value = response.json().await.unwrap();
        assert_eq!(employer_view, timeline);
    }

    async fn employer_lists_filters_and_paginates_absences(backend) {
        let world = World::new(backend).await;
        let (other_id, _) = world.add_employee("piet@bakkerij.nl").await;
        let first = world.report(json!({"first_sick_day": days_ago(10)})).await;
        assert_eq!(
            world.recover(first["id"].as_str().unwrap(), &days_ago(8)).await.status(),
            200
        );
        let second = world.report(json!({"first_sick_day": days_ago(2)})).await;
        let response = world
            .as_employer(
                &world.employer.token,
                reqwest::Method::POST,
                &format!("/employees/{other_id}/absences"),
                Some(json!({"first_sick_day": days_ago(1)})),
            )
            .await;
        assert_eq!(response.status(), 201);
        let third: Value = response.json().await.unwrap();
        assert_eq!(third["reported_by"], "employer");
        assert_eq!(third["corrections"], json!([]));

        let list = |query: String| {
            let world = &world;
            async move {
                let response = world
                    .as_employer(
                        &world.employer.token,
                        reqwest::Method::GET,
                        &format!("/absences{query}"),
                        None,
                    )
                    .await;
                assert_eq!(response.status(), 200, "{query}");
                response.json::<Value>().await.unwrap()
            }
        };
        let ids = |page: &Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_string())
                .collect()
        };
        let all = list(String::new()).await;
        let expected: Vec<String> = [&third, &second, &first]
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids(&all), expected, "newest first");
        assert!(all["next_cursor"].is_null());

        assert_eq!(ids(&list("?status=recovered".into()).await), [expected[2].clone()]);
        assert_eq!(
            ids(&list(format!("?employee_id={other_id}")).await),
            [expected[0].clone()]
        );
        assert_eq!(
            ids(&list(format!("?from={}&to={}", days_ago(3), days_ago(2))).await),
            [expected[1].clone()]
        );

        let mut seen = Vec::new();
        let mut query = "?limit=1".to_string();
        loop {
            let page = list(query.clone()).await;
            seen.extend(ids(&page));
            match page["next_cursor"].as_str() {
                Some(cursor) => query = format!("?limit=1&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, expected, "pages cover every absence once");

        let response = world
            .as_employer(&world.employer.token, reqwest::Method::GET, "/absences?limit=201", None)
            .await;
        assert_problem(response, 400).await;
    }

    async fn a_bad_list_query_names_every_bad_field_in_one_answer(backend) {
        let world = World::new(backend).await;
        let response = world
            .as_employer(
                &world.employer.token,
                reqwest::Method::GET,
                "/absences?limit=0&cursor=rubbish&status=ill&from=2026-12-01&to=2026-11-01&colour=red",
                None,
            )
            .await;
        let problem = assert_problem(response, 400).await;
        let mut named: Vec<String> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        named.sort();
        // `to` before `from` is a rule between filters: checked only once each filter is valid.
        assert_eq!(named, ["colour", "cursor", "limit", "status"]);
        let response = world
            .as_employer(
                &world.employer.token,
                reqwest::Method::GET,
                "/absences?from=2026-12-01&to=2026-11-01&limit=abc",
                None,
            )
            .await;
        let problem = assert_problem(response, 400).await;
        assert_eq!(problem["errors"][0]["field"], "limit");
        assert_eq!(problem["errors"][1]["field"], "to");
        let response = world
            .as_employer(
                &world.employer.token,
                reqwest::Method::GET,
                "/absences?from=2026-12-01&to=2026-11-01",
                None,
            )
            .await;
        let problem = assert_problem(response, 400).await;
        assert_eq!(problem["errors"][0]["field"], "to");
    }

    async fn employee_sees_own_absences_newest_first_with_pagination(backend) {
        let world = World::new(backend).await;
        let first = world.report(json!({"first_sick_day": days_ago(10)})).await;
        assert_eq!(
            world.recover(first["id"].as_str().unwrap(), &days_ago(9)).await.status(),
            200
        );
        let second = world.report(json!({"first_sick_day": days_ago(1)})).await;
        let response = world
            .as_employee(reqwest::Method::GET, "/me/absences?limit=1", None)
            .await;
        let page: Value = response.json().await.unwrap();
        assert_eq!(page["items"][0]["id"], second["id"]);
        assert!(page["items"][0].get("corrections").is_none());
        let cursor = page["next_cursor"].as_str().unwrap();
        let response = world
            .as_employee(
                reqwest::Method::GET,
                &format!("/me/absences?limit=1&cursor={cursor}"),
                None,
            )
            .await;
        let page: Value = response.json().await.unwrap();
        assert_eq!(page["items"][0]["id"], first["id"]);
        assert!(page["next_cursor"].is_null());
    }

    async fn employer_correction_keeps_the_reason(backend) {
        let world = World::new(backend).await;
        let absence = world.report(json!({"first_sick_day": days_ago(2)})).await;
        let id = absence["id"].as_str().unwrap();
        // Reason is required; recovered_on cannot be set on an open absence.
        let problem = assert_problem(
            world.correct(id, json!({"first_sick_day": days_ago(3)})).await,
            400,
        )
        .await;
        assert_eq!(fields(&problem), ["reason"]);
        let problem = assert_problem(
            world
                .correct(id, json!({"recovered_on": days_ago(0), "reason": "x"}))
                .await,
            400,
        )
        .await;
        assert_eq!(fields(&problem), ["recovered_on"]);

        let response = world
            .correct(id, json!({"first_sick_day": days_ago(4), "reason": "Ziek vanaf maandag, niet dinsdag"}))
            .await;
        assert_eq!(response.status(), 200);
        let corrected: Value = response.json().await.unwrap();
        assert_eq!(corrected["first_sick_day"], days_ago(4));
        assert_eq!(corrected["counting_from"], days_ago(4));
        let corrections = corrected["corrections"].as_array().unwrap();
        assert_eq!(corrections.len(), 1);
        assert_eq!(corrections[0]["field"], "first_sick_day");
        assert_eq!(corrections[0]["old"], days_ago(2));
        assert_eq!(corrections[0]["new"], days_ago(4));
        assert_eq!(corrections[0]["reason"], "Ziek vanaf maandag, niet dinsdag");
        assert!(corrections[0]["at"].is_string());

        // The recovery date must stay on or after the first sick day.
        assert_eq!(world.recover(id, &days_ago(1)).await.status(), 200);
        let problem = assert_problem(
            world
                .correct(id, json!({"recovered_on": days_ago(5), "reason": "typo"}))
                .await,
            400,
        )
        .await;
        assert_eq!(fields(&problem), ["recovered_on"]);
    }

    async fn employer_cancels_a_report_made_in_error(backend) {
        let world = World::new(backend).await;
        let absence = world.report(json!({"first_sick_day": days_ago(0)})).await;
        let id = absence["id"].as_str().unwrap();
        let response = world
            .as_employer(
                &world.employer.token,
                reqwest::Method::POST,
                &format!("/absences/{id}/cancel"),
                Some(json!({"reason": "verkeerde medewerker"})),
            )
            .await;
        assert_eq!(response.status(), 200);
        let cancelled: Value = response.json().await.unwrap();
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(cancelled["corrections"][0]["field"], "status");
        assert_eq!(cancelled["corrections"][0]["new"], "cancelled");
        assert_eq!(cancelled["corrections"][0]["reason"], "verkeerde medewerker");
        let response = world
            .as_employer(
                &world.employer.token,
                reqwest::Method::POST,
                &format!("/absences/{id}/cancel"),
                None,
            )
            .await;
        assert_problem(response, 409).await;
        // Cancelled is not open: the employee may report again.
        world.report(json!({"first_sick_day": days_ago(0)})).await;
    }

    async fn employer_recovery_closes_the_absence(backend) {
        let world = World::new(backend).await;
        let absence = world.report(json!({"first_sick_day": days_ago(1)})).await;
        let id = absence["id"].as_str().unwrap();
        let response = world
            .as_employer(
                &world.employer.token,
                reqwest::Method::POST,
                &format!("/absences/{id}/recovery"),
                Some(json!({"recovered_on": days_ago(0)})),
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "recovered");
    }

    async fn another_employers_absence_is_404_on_every_employer_route(backend) {
        let world = World::new(backend).await;
        let absence = world.report(json!({"first_sick_day": days_ago(1)})).await;
        let id = absence["id"].as_str().unwrap();
        let other = world.app.employer_session().await;
        let unknown = uuid::Uuid::new_v4().to_string();
        for target in [id.to_string(), unknown] {
            let calls: Vec<(reqwest::Method, String, Option<Value>)> = vec![
                (reqwest::Method::GET, format!("/absences/{target}"), None),
                (reqwest::Method::GET, format!("/absences/{target}/timeline"), None),
                (
                    reqwest::Method::PATCH,
                    format!("/absences/{target}"),
                    Some(json!({"first_sick_day": days_ago(2), "reason": "x"})),
                ),
                (
                    reqwest::Method::POST,
                    format!("/absences/{target}/recovery"),
                    Some(json!({"recovered_on": days_ago(0)})),
                ),
                (reqwest::Method::POST, format!("/absences/{target}/cancel"), None),
            ];
            for (method, path, body) in calls {
                let response = world.as_employer(&other.token, method, &path, body).await;
                let problem = assert_problem(response, 404).await;
                assert_eq!(problem["type"], "/problems/not-found", "{path}");
            }
        }
        let response = world
            .as_employer(
                &other.token,
                reqwest::Method::POST,
                &format!("/employees/{}/absences", world.employee_id),
                Some(json!({"first_sick_day": days_ago(0)})),
            )
            .await;
        assert_problem(response, 404).await;
        let response = world
            .as_employer(&other.token, reqwest::Method::GET, "/absences", None)
            .await;
        let page: Value = response.json().await.unwrap();
        assert_eq!(page["items"], json!([]));
        // Nothing changed for the real owner.
        assert_eq!(world.my_absences().await[0]["status"], "open");
    }

    async fn another_employees_absence_is_404_on_me_routes(backend) {
        let world = World::new(backend).await;
        let (_, other_token) = world.add_employee("piet@bakkerij.nl").await;
        let absence = world.report(json!({"first_sick_day": days_ago(1)})).await;
        let id = absence["id"].as_str().unwrap();
        let calls: Vec<(reqwest::Method, String, Option<Value>)> = vec![
            (reqwest::Method::GET, format!("/me/absences/{id}"), None),
            (
                reqwest::Method::POST,
                format!("/me/absences/{id}/recovery"),
                Some(json!({"recovered_on": days_ago(0)})),
            ),
            (
                reqwest::Method::POST,
                format!("/me/absences/{id}/partial-recovery"),
                Some(json!({"from": days_ago(0), "percentage": 50})),
            ),
        ];
        for (method, path, body) in calls {
            let response = world.as_employer(&other_token, method, &path, body).await;
            assert_problem(response, 404).await;
        }
        let response = world
            .as_employer(&other_token, reqwest::Method::GET, "/me/absences", None)
            .await;
        let page: Value = response.json().await.unwrap();
        assert_eq!(page["items"], json!([]));
        let response = world
            .as_employer(&other_token, reqwest::Method::GET, "/me/timeline", None)
            .await;
        assert_problem(response, 404).await;
    }

    async fn missing_scope_is_403(backend) {
        let world = World::new(backend).await;
        let absence = world.report(json!({"first_sick_day": days_ago(1)})).await;
        let id = absence["id"].as_str().unwrap();
        let reader = world.app.create_client(&world.employer.employer_id, Some("absences:read"));
        let reader = world.app.token(&reader).await;
        let response = world
            .as_employer(
                &reader,
                reqwest::Method::POST,
                &format!("/absences/{id}/recovery"),
                Some(json!({"recovered_on": days_ago(0)})),
            )
            .await;
        assert_problem(response, 403).await;
        let response = world
            .as_employer(&reader, reqwest::Method::GET, &format!("/absences/{id}"), None)
            .await;
        assert_eq!(response.status(), 200);
        let outsider = world.app.create_client(&world.employer.employer_id, Some("employees:read"));
        let outsider = world.app.token(&outsider).await;
        for path in ["/absences".to_string(), format!("/absences/{id}"), format!("/absences/{id}/timeline")] {
            let response = world
                .as_employer(&outsider, reqwest::Method::GET, &path, None)
                .await;
            assert_problem(response, 403).await;
        }
    }

    async fn me_routes_need_an_employee_token(backend) {
        let world = World::new(backend).await;
        let response = world
            .as_employer(&world.employer.token, reqwest::Method::GET, "/me/absences", None)
            .await;
        assert_problem(response, 401).await;
        let response = world
            .app
            .http
            .get(world.url("/api/v1/absences"))
            .send()
            .await
            .unwrap();
        assert_problem(response, 401).await;
    }
}
