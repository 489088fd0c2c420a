//! Reads that a cache could serve stale (SPEC §2.5–2.7, §3 sessions): the employee's session
//! check and their absence list. Every rule reads through the API before a change — twice, so
//! that a cache would be warm — and right after it, without waiting.

use std::future::Future;
use std::time::Duration;

use chrono::TimeDelta;
use serde_json::{json, Value};
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::{
    assert_problem, on_both_databases, refresh_cookie, Backend, EmployerSession, NewEmployee,
    TestApp,
};

const PASSWORD: &str = "paarse fiets op de dijk";
const NEW_PASSWORD: &str = "een nieuw lang wachtwoord";
const DATE_OF_BIRTH: &str = "1985-04-12";
const EMAIL: &str = "jan.jansen@bakkerij.nl";
const EMPLOYEE: NewEmployee = NewEmployee {
    email: EMAIL,
    date_of_birth: DATE_OF_BIRTH,
    language: "nl",
    password: PASSWORD,
};

fn days_ago(days: i64) -> String {
    (verzuim_tests::dutch_today() - TimeDelta::days(days)).to_string()
}

/// An app with mail going to a capture server, an employer, and one activated employee.
struct World {
    app: TestApp,
    smtp: SmtpCapture,
    employer: EmployerSession,
    employee_id: String,
}

/// One login: the access token and the refresh cookie's value.
struct Session {
    access: String,
    cookie: String,
}

impl World {
    async fn new(backend: Backend) -> World {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let employer = app.employer_session().await;
        let employee_id = app
            .activated_employee(&smtp, &employer.token, &EMPLOYEE)
            .await;
        World {
            app,
            smtp,
            employer,
            employee_id,
        }
    }

    /// [`World::new`] with an open absence the employer reported, so the lists are not empty.
    async fn with_an_absence(backend: Backend) -> World {
        let world = World::new(backend).await;
        let response = world
            .employer_call(
                reqwest::Method::POST,
                &format!("/employees/{}/absences", world.employee_id),
                Some(json!({"first_sick_day": days_ago(1)})),
            )
            .await;
        assert_eq!(response.status(), 201, "absence reported by the employer");
        world
    }

    fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    async fn login(&self, password: &str) -> reqwest::Response {
        self.app.login(EMAIL, password).await
    }

    async fn session(&self) -> Session {
        session_from(self.login(PASSWORD).await).await
    }

    async fn refresh(&self, cookie: &str) -> reqwest::Response {
        self.app.refresh(cookie).await
    }

    async fn employer_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .app
            .http
            .request(method, self.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.employer.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// An employer change to an absence that must succeed; returns nothing, the lists tell.
    async fn employer_changes(&self, method: reqwest::Method, path: &str, body: Value) {
        let response = self.employer_call(method, path, Some(body)).await;
        assert_eq!(response.status(), 200, "{path}");
    }

    /// An employee change that must answer `status`; returns the body.
    async fn employee_changes(&self, token: &str, path: &str, body: Value, status: u16) -> Value {
        let response = self
            .app
            .http
            .post(self.url(&format!("/api/v1{path}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        response.json().await.unwrap()
    }
}

async fn session_from(response: reqwest::Response) -> Session {
    assert_eq!(response.status(), 200, "logged in");
    let cookie = refresh_cookie(&response).expect("refresh cookie");
    let body: Value = response.json().await.unwrap();
    Session {
        access: body["access_token"].as_str().unwrap().to_string(),
        cookie,
    }
}

/// The employee reads a cache might answer: both pages of the absence list the portal asks
/// for, and the profile.
const READS: [&str; 3] = ["/me/absences", "/me/absences?limit=1", "/me"];

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.http
        .get(app.url(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Every read, twice, answered 200 — a cache would now hold them.
async fn read_twice(app: &TestApp, token: &str) {
    for _ in 0..2 {
        for path in READS {
            assert_eq!(get(app, token, path).await.status(), 200, "{path} before");
        }
    }
}

/// Every read is refused as a session that has ended.
async fn assert_refused(app: &TestApp, token: &str) {
    for path in READS {
        let problem = assert_problem(get(app, token, path).await, 401).await;
        assert_eq!(problem["type"], "/problems/unauthorized", "{path}");
    }
}

/// Every read still answers 200.
async fn assert_reading(app: &TestApp, token: &str) {
    for path in READS {
        assert_eq!(get(app, token, path).await.status(), 200, "{path} after");
    }
}

async fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let response = get(app, token, &format!("/me/absences{query}")).await;
    assert_eq!(response.status(), 200, "/me/absences{query}");
    response.json().await.unwrap()
}

/// The fields of a listed absence that the changes below move.
fn shown(absence: &Value) -> Value {
    json!({
        "id": absence["id"],
        "status": absence["status"],
        "first_sick_day": absence["first_sick_day"],
        "recovered_on": absence["recovered_on"],
        "counting_from": absence["counting_from"],
        "linked_to": absence["linked_to"],
        "partial_recoveries": absence["partial_recoveries"],
    })
}

fn shown_items(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(shown)
        .collect()
}

/// Both list pages show exactly `expected`, newest first: the whole list by default, its
/// first absence with `limit=1` (and a next cursor when there are more).
async fn assert_listed(app: &TestApp, token: &str, expected: &[&Value], after: &str) {
    let expected: Vec<Value> = expected.iter().map(|a| shown(a)).collect();
    let page = list(app, token, "").await;
    assert_eq!(
        shown_items(&page),
        expected,
        "GET /me/absences after {after}"
    );
    assert!(page["next_cursor"].is_null(), "one page after {after}");
    let page = list(app, token, "?limit=1").await;
    assert_eq!(
        shown_items(&page),
        expected[..expected.len().min(1)],
        "GET /me/absences?limit=1 after {after}"
    );
    assert_eq!(
        page["next_cursor"].is_string(),
        expected.len() > 1,
        "next cursor with limit=1 after {after}"
    );
}

fn absence(id: &str, first_sick_day: &str) -> Value {
    json!({
        "id": id, "status": "open", "first_sick_day": first_sick_day, "recovered_on": null,
        "counting_from": first_sick_day, "linked_to": null, "partial_recoveries": [],
    })
}

/// How long `ready` took to hold, polling every 20 ms; `None` when it did not within `limit`.
async fn within<F, Fut>(limit: Duration, mut ready: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = tokio::time::Instant::now();
    loop {
        if ready().await {
            return Some(start.elapsed());
        }
        if start.elapsed() >= limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The value of one counter, `name{labels}`, in the instance's `/metrics` (0 when absent).
async fn metric(app: &TestApp, series: &str) -> u64 {
    let body = app.metrics().await;
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0)
}

on_both_databases! {
    async fn the_read_cache_counts_its_hits_and_misses_in_metrics(backend) {
        let world = World::new(backend).await;
        let session = world.session().await;
        let token = session.access.as_str();
        // The first read misses and fills the cache; on PostgreSQL the cache answers only once
        // the instance's change listener has connected, so read until a hit shows.
        let hit = within(Duration::from_secs(5), || async {
            list(&world.app, token, "").await;
            metric(&world.app, r#"verzuim_read_cache_hits_total{read="first_page"}"#).await > 0
        })
        .await;
        assert!(hit.is_some(), "no first page was ever answered from the cache");
        assert!(metric(&world.app, r#"verzuim_read_cache_misses_total{read="first_page"}"#).await >= 1);
        assert!(metric(&world.app, r#"verzuim_read_cache_hits_total{read="session"}"#).await >= 1);
        assert!(metric(&world.app, r#"verzuim_read_cache_misses_total{read="session"}"#).await >= 1);
    }

    async fn logout_refuses_the_session_at_once_after_reads(backend) {
        let world = World::with_an_absence(backend).await;
        let phone = world.session().await;
        let laptop = world.session().await;
        read_twice(&world.app, &phone.access).await;
        read_twice(&world.app, &laptop.access).await;
        let response = world
            .app
            .http
            .post(world.url("/api/v1/auth/logout"))
            .header("Cookie", format!("verzuim_refresh={}", phone.cookie))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        assert_refused(&world.app, &phone.access).await;
        assert_problem(world.refresh(&phone.cookie).await, 401).await;
        // Only this session ended.
        assert_reading(&world.app, &laptop.access).await;
    }

    async fn logout_everywhere_ends_another_session_that_was_reading(backend) {
        let world = World::with_an_absence(backend).await;
        let phone = world.session().await;
        let laptop = world.session().await;
        read_twice(&world.app, &phone.access).await;
        read_twice(&world.app, &laptop.access).await;
        let response = world
            .app
            .http
            .post(world.url("/api/v1/auth/logout-all"))
            .bearer_auth(&laptop.access)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        assert_refused(&world.app, &phone.access).await;
        assert_refused(&world.app, &laptop.access).await;
        assert_problem(world.refresh(&phone.cookie).await, 401).await;
    }

    async fn password_change_ends_the_other_sessions_that_were_reading(backend) {
        let world = World::with_an_absence(backend).await;
        let phone = world.session().await;
        let laptop = world.session().await;
        read_twice(&world.app, &phone.access).await;
        read_twice(&world.app, &laptop.access).await;
        let response = world
            .app
            .http
            .put(world.url("/api/v1/me/password"))
            .bearer_auth(&laptop.access)
            .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        assert_refused(&world.app, &phone.access).await;
        assert_problem(world.refresh(&phone.cookie).await, 401).await;
        // The session that changed the password stays.
        assert_reading(&world.app, &laptop.access).await;
        assert_eq!(world.refresh(&laptop.cookie).await.status(), 200);
    }

    async fn password_reset_ends_sessions_that_were_reading(backend) {
        let world = World::with_an_absence(backend).await;
        let phone = world.session().await;
        let laptop = world.session().await;
        let received_before = world.smtp.received().len();
        let response = world
            .app
            .http
            .post(world.url("/api/v1/auth/password-reset"))
            .json(&json!({"email": EMAIL}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
        let token = world
            .smtp
            .newest_link_token(EMAIL, "/reset-password/", received_before)
            .await;
        read_twice(&world.app, &phone.access).await;
        read_twice(&world.app, &laptop.access).await;
        let response = world
            .app
            .http
            .post(world.url(&format!("/api/v1/auth/password-reset/{token}")))
            .json(&json!({"password": NEW_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        assert_refused(&world.app, &phone.access).await;
        assert_refused(&world.app, &laptop.access).await;
        assert_problem(world.refresh(&phone.cookie).await, 401).await;
        // A new login with the new password reads again.
        let fresh = session_from(world.login(NEW_PASSWORD).await).await;
        assert_reading(&world.app, &fresh.access).await;
    }

    async fn deleting_the_employee_ends_sessions_that_were_reading(backend) {
        let world = World::with_an_absence(backend).await;
        let phone = world.session().await;
        let laptop = world.session().await;
        read_twice(&world.app, &phone.access).await;
        read_twice(&world.app, &laptop.access).await;
        let response = world
            .employer_call(
                reqwest::Method::DELETE,
                &format!("/employees/{}", world.employee_id),
                None,
            )
            .await;
        assert_eq!(response.status(), 204);
        assert_refused(&world.app, &phone.access).await;
        assert_refused(&world.app, &laptop.access).await;
        assert_problem(world.refresh(&laptop.cookie).await, 401).await;
    }

    async fn refresh_token_reuse_refuses_the_familys_access_token_that_was_reading(backend) {
        let world = World::with_an_absence(backend).await;
        let phone = world.session().await;
        let laptop = world.session().await;
        let rotated = session_from(world.refresh(&phone.cookie).await).await;
        assert_ne!(rotated.cookie, phone.cookie);
        for access in [&phone.access, &rotated.access, &laptop.access] {
            read_twice(&world.app, access).await;
        }
        // The rotated-away cookie again: theft is assumed, the whole family ends.
        assert_problem(world.refresh(&phone.cookie).await, 401).await;
        assert_refused(&world.app, &rotated.access).await;
        assert_refused(&world.app, &phone.access).await;
        assert_problem(world.refresh(&rotated.cookie).await, 401).await;
        // Another family of the same employee is untouched.
        assert_reading(&world.app, &laptop.access).await;
    }

    async fn absence_list_shows_every_change_at_once(backend) {
        let world = World::new(backend).await;
        let token = world.session().await.access;
        let app = &world.app;
        assert_listed(app, &token, &[], "nothing").await;

        read_twice(app, &token).await;
        let reported = world
            .employee_changes(&token, "/me/absences", json!({"first_sick_day": days_ago(10)}), 201)
            .await;
        let a_id = reported["id"].as_str().unwrap().to_string();
        let mut a = absence(&a_id, &days_ago(10));
        assert_listed(app, &token, &[&a], "the sick report").await;

        read_twice(app, &token).await;
        world
            .employee_changes(
                &token,
                &format!("/me/absences/{a_id}/partial-recovery"),
                json!({"from": days_ago(6), "percentage": 50}),
                200,
            )
            .await;
        a["partial_recoveries"] = json!([{"from": days_ago(6), "percentage": 50}]);
        assert_listed(app, &token, &[&a], "the partial recovery").await;

        read_twice(app, &token).await;
        world
            .employee_changes(
                &token,
                &format!("/me/absences/{a_id}/recovery"),
                json!({"recovered_on": days_ago(5)}),
                200,
            )
            .await;
        a["status"] = json!("recovered");
        a["recovered_on"] = json!(days_ago(5));
        assert_listed(app, &token, &[&a], "the recovery").await;

        // Within 4 weeks of the first spell's end: linked, counting from its first sick day.
        read_twice(app, &token).await;
        let response = world
            .employer_call(
                reqwest::Method::POST,
                &format!("/employees/{}/absences", world.employee_id),
                Some(json!({"first_sick_day": days_ago(3)})),
            )
            .await;
        assert_eq!(response.status(), 201);
        let b_id = response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut b = absence(&b_id, &days_ago(3));
        b["linked_to"] = json!(a_id);
        b["counting_from"] = json!(days_ago(10));
        assert_listed(app, &token, &[&b, &a], "the employer's report").await;

        read_twice(app, &token).await;
        world
            .employer_changes(
                reqwest::Method::PATCH,
                &format!("/absences/{b_id}"),
                json!({"first_sick_day": days_ago(2), "reason": "ziek vanaf woensdag"}),
            )
            .await;
        b["first_sick_day"] = json!(days_ago(2));
        assert_listed(app, &token, &[&b, &a], "the correction of the open absence").await;

        // Correcting the first spell moves the linked spell's count too: a change to the
        // older absence that shows on the first page.
        read_twice(app, &token).await;
        world
            .employer_changes(
                reqwest::Method::PATCH,
                &format!("/absences/{a_id}"),
                json!({"first_sick_day": days_ago(11), "reason": "ziek vanaf maandag"}),
            )
            .await;
        a["first_sick_day"] = json!(days_ago(11));
        a["counting_from"] = json!(days_ago(11));
        b["counting_from"] = json!(days_ago(11));
        assert_listed(app, &token, &[&b, &a], "the correction of the first spell").await;

        read_twice(app, &token).await;
        world
            .employer_changes(
                reqwest::Method::POST,
                &format!("/absences/{b_id}/recovery"),
                json!({"recovered_on": days_ago(1)}),
            )
            .await;
        b["status"] = json!("recovered");
        b["recovered_on"] = json!(days_ago(1));
        assert_listed(app, &token, &[&b, &a], "the employer's recovery").await;

        read_twice(app, &token).await;
        world
            .employer_changes(
                reqwest::Method::POST,
                &format!("/absences/{b_id}/cancel"),
                json!({"reason": "verkeerde medewerker"}),
            )
            .await;
        b["status"] = json!("cancelled");
        assert_listed(app, &token, &[&b, &a], "the cancellation").await;
    }
}

/// Two instances behind a load balancer, one PostgreSQL database: what one instance changes,
/// the other shows within two seconds — and the one that made the change at once.
#[tokio::test]
async fn another_instance_sees_a_sick_report_and_a_logout_within_two_seconds() {
    let world = World::new(Backend::Postgres).await;
    let url = world.smtp.url();
    let other = TestApp::spawn_sharing_database(&world.app, |env| {
        env.insert("SMTP_URL".into(), url);
        verzuim_tests::quick_outbox(env);
    })
    .await;
    let session = world.session().await;
    let token = session.access.as_str();
    for _ in 0..2 {
        assert_eq!(list(&other, token, "").await["items"], json!([]));
    }
    assert_eq!(get(&other, token, "/me").await.status(), 200);

    let reported = world
        .employee_changes(
            token,
            "/me/absences",
            json!({"first_sick_day": days_ago(1)}),
            201,
        )
        .await;
    let id = reported["id"].as_str().unwrap();
    assert_listed(
        &world.app,
        token,
        &[&absence(id, &days_ago(1))],
        "the sick report",
    )
    .await;
    let seen = within(Duration::from_secs(2), || async {
        let page = list(&other, token, "").await;
        page["items"].as_array().unwrap().len() == 1 && page["items"][0]["id"] == id
    })
    .await;
    assert!(
        seen.is_some(),
        "the other instance never listed the sick report"
    );
    assert_listed(
        &other,
        token,
        &[&absence(id, &days_ago(1))],
        "the sick report",
    )
    .await;

    let response = world
        .app
        .http
        .post(world.url("/api/v1/auth/logout"))
        .header("Cookie", format!("verzuim_refresh={}", session.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_refused(&world.app, token).await;
    let refused = within(Duration::from_secs(2), || async {
        get(&other, token, "/me/absences").await.status() == 401
    })
    .await;
    assert!(
        refused.is_some(),
        "the other instance kept the ended session"
    );
    assert_refused(&other, token).await;
}

/// The change listener's connection as PostgreSQL lists it (`db::change_listener`).
const LISTENER: &str =
    "application_name = 'verzuim-change-listener' AND datname = current_database()";

#[tokio::test]
async fn a_change_made_while_the_change_listener_was_cut_off_is_seen_within_two_seconds() {
    use diesel::RunQueryDsl;
    let world = World::new(Backend::Postgres).await;
    let session = world.session().await;
    let token = session.access.as_str();
    let mut sql = world.app.db();
    let listening = within(Duration::from_secs(5), || async {
        diesel::sql_query(format!("SELECT pid FROM pg_stat_activity WHERE {LISTENER}"))
            .execute(&mut world.app.db())
            .unwrap()
            == 1
    })
    .await;
    assert!(listening.is_some(), "the instance never started listening");
    read_twice(&world.app, token).await;

    // Cut the listener off, then end the session behind the instance's back: the trigger's
    // NOTIFY has nobody to hear it.
    let cut = diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {LISTENER}"
    ))
    .execute(&mut sql)
    .unwrap();
    assert_eq!(cut, 1, "one listener connection ended");
    diesel::sql_query("UPDATE refresh_tokens SET revoked_at = CURRENT_TIMESTAMP")
        .execute(&mut sql)
        .unwrap();
    let refused = within(Duration::from_secs(2), || async {
        get(&world.app, token, "/me/absences").await.status() == 401
    })
    .await;
    assert!(
        refused.is_some(),
        "the instance kept answering from its cache"
    );
    assert_refused(&world.app, token).await;

    let back = within(Duration::from_secs(5), || async {
        diesel::sql_query(format!("SELECT pid FROM pg_stat_activity WHERE {LISTENER}"))
            .execute(&mut world.app.db())
            .unwrap()
            == 1
    })
    .await;
    assert!(back.is_some(), "the listener did not reconnect");
}
