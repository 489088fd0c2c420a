//! The employee's access log (SPEC §10, "Who looked"): every read or change of their absences,
//! documents and account by someone else — the employer's system by its client name, the
//! arbodienst by its name — newest first, never the employee's own.

use serde_json::{json, Value};
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::{
    assert_problem, json_of, on_both_databases, Backend, EmployerSession, NewEmployee, TestApp,
};

struct World {
    app: TestApp,
    employer: EmployerSession,
    employee_token: String,
    absence_id: String,
    _smtp: SmtpCapture,
}

const SANNE: NewEmployee<'static> = NewEmployee {
    email: "sanne@bakkerij.test",
    date_of_birth: "1990-02-03",
    language: "nl",
    password: "paarse fiets op de dijk",
};

impl World {
    /// An active employee who reported sick herself.
    async fn new(backend: Backend) -> World {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let employer = app.employer_session().await;
        app.activated_employee(&smtp, &employer.token, &SANNE).await;
        let login = json_of(app.login(SANNE.email, SANNE.password).await, 200).await;
        let employee_token = login["access_token"].as_str().unwrap().to_string();
        let reported = app
            .http
            .post(app.url("/api/v1/me/absences"))
            .bearer_auth(&employee_token)
            .json(&json!({"first_sick_day": verzuim_tests::dutch_today().to_string()}))
            .send()
            .await
            .unwrap();
        let absence_id = json_of(reported, 201).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        World {
            app,
            employer,
            employee_token,
            absence_id,
            _smtp: smtp,
        }
    }

    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.app
            .http
            .get(self.app.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn access_log(&self, query: &str) -> Value {
        json_of(
            self.get(
                &self.employee_token,
                &format!("/api/v1/me/access-log{query}"),
            )
            .await,
            200,
        )
        .await
    }
}

fn actions(page: &Value) -> Vec<(String, String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["party"]["role"].as_str().unwrap().to_string(),
                e["party"]["name"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

on_both_databases! {
    async fn the_access_log_lists_what_the_employer_and_the_arbodienst_did_newest_first(backend) {
        let w = World::new(backend).await;
        // Her own report and her own reads are not in it.
        json_of(w.get(&w.employee_token, &format!("/api/v1/me/absences/{}", w.absence_id)).await, 200).await;
        assert_eq!(actions(&w.access_log("").await), Vec::<(String, String, String)>::new());

        json_of(w.get(&w.employer.token, &format!("/api/v1/absences/{}", w.absence_id)).await, 200).await;
        let arbo = w.app.cli(&["arbodienst", "create", "--name", "Arbo West", "--email", "a@arbo-west.test"]).unwrap();
        let arbo_id = arbo["id"].as_str().unwrap();
        let linked = w.app.http.patch(w.app.url("/api/v1/employer")).bearer_auth(&w.employer.token)
            .json(&json!({"arbodienst_id": arbo_id})).send().await.unwrap();
        assert_eq!(linked.status(), 200);
        let client = w.app.cli(&["client", "create", "--arbodienst", arbo_id, "--name", "koppeling"]).unwrap();
        let arbo_token = w.app.token(&verzuim_tests::Credentials {
            client_id: client["client_id"].as_str().unwrap().into(),
            client_secret: client["client_secret"].as_str().unwrap().into(),
        }).await;
        json_of(w.get(&arbo_token, &format!("/api/v1/absences/{}/timeline", w.absence_id)).await, 200).await;

        let log = w.access_log("").await;
        assert_eq!(actions(&log), vec![
            ("arbodienst".to_string(), "Arbo West".to_string(), "absence.read".to_string()),
            ("employer".to_string(), "test client".to_string(), "absence.read".to_string()),
        ]);
        assert_eq!(log["items"][0]["resource_type"], "absence");
        assert_eq!(log["items"][0]["resource_id"], w.absence_id.as_str());
        assert!(log["items"][0]["at"].as_str().unwrap().ends_with('Z'));
        assert!(log["next_cursor"].is_null());
    }

    async fn the_access_log_pages_with_a_cursor(backend) {
        let w = World::new(backend).await;
        for _ in 0..3 {
            json_of(w.get(&w.employer.token, &format!("/api/v1/absences/{}", w.absence_id)).await, 200).await;
        }
        let first = w.access_log("?limit=2").await;
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = w.access_log(&format!("?limit=2&cursor={cursor}")).await;
        assert_eq!(second["items"].as_array().unwrap().len(), 1);
        assert!(second["next_cursor"].is_null());
        assert_problem(w.get(&w.employee_token, "/api/v1/me/access-log?limit=0").await, 400).await;
        assert_problem(w.get(&w.employee_token, "/api/v1/me/access-log?cursor=%00").await, 400).await;
    }

    async fn an_employee_never_sees_another_employees_access_log(backend) {
        let w = World::new(backend).await;
        // A colleague's absence, read by the employer: not in Sanne's log.
        let colleague = w.app.create_employee(&w.employer.token, &NewEmployee { email: "piet@bakkerij.test", ..SANNE }).await;
        let reported = w.app.http.post(w.app.url(&format!("/api/v1/employees/{colleague}/absences")))
            .bearer_auth(&w.employer.token)
            .json(&json!({"first_sick_day": verzuim_tests::dutch_today().to_string()})).send().await.unwrap();
        let other = json_of(reported, 201).await["id"].as_str().unwrap().to_string();
        json_of(w.get(&w.employer.token, &format!("/api/v1/absences/{other}")).await, 200).await;
        assert!(w.access_log("").await["items"].as_array().unwrap().is_empty());
        // An employer token is no employee's.
        assert_problem(w.get(&w.employer.token, "/api/v1/me/access-log").await, 401).await;
    }
}
