//! Employee accounts (SPEC §2.1–2.5, §2.10, §3 sessions): invitation over real SMTP,
//! activation, password policy, login with lockout, sessions, password reset, profile.

use std::time::Duration;

use serde_json::{json, Value};
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::{
    assert_problem, on_both_databases, refresh_cookie, Backend, EmployerSession, NewEmployee,
    TestApp,
};

const PASSWORD: &str = "paarse fiets op de dijk";
const DATE_OF_BIRTH: &str = "1985-04-12";
/// The world's employee; the address is in mixed case because several rules check that
/// addresses match in any case.
const EMPLOYEE: NewEmployee = NewEmployee {
    email: "Jan.Jansen@Bakkerij.nl",
    date_of_birth: DATE_OF_BIRTH,
    language: "nl",
    password: PASSWORD,
};

/// An app with mail going to a capture server, an employer, and one employee.
struct World {
    app: TestApp,
    smtp: SmtpCapture,
    employer: EmployerSession,
    employee_id: String,
    email: String,
}

impl World {
    async fn new(backend: Backend) -> World {
        Self::with(backend, |_| {}).await
    }

    async fn with(
        backend: Backend,
        adjust: impl FnOnce(&mut std::collections::HashMap<String, String>),
    ) -> World {
        let smtp = SmtpCapture::start().await;
        let url = smtp.url();
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("SMTP_URL".into(), url);
            verzuim_tests::quick_outbox(env);
            adjust(env);
        })
        .await;
        let employer = app.employer_session().await;
        let employee_id = app.create_employee(&employer.token, &EMPLOYEE).await;
        World {
            app,
            smtp,
            employer,
            employee_id,
            email: EMPLOYEE.email.to_string(),
        }
    }

    fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    async fn invite(&self) -> reqwest::Response {
        self.app
            .invite(&self.employer.token, &self.employee_id)
            .await
    }

    /// Sends an invitation and returns the token from the e-mail that arrives.
    async fn invitation_token(&self) -> String {
        self.app
            .invitation_token(
                &self.smtp,
                &self.employer.token,
                &self.employee_id,
                &self.email,
            )
            .await
    }

    async fn verify(&self, token: &str, email: &str, date_of_birth: &str) -> reqwest::Response {
        self.app
            .http
            .post(self.url(&format!("/api/v1/activation/{token}/verify")))
            .json(&json!({"email": email, "date_of_birth": date_of_birth}))
            .send()
            .await
            .unwrap()
    }

    async fn activate(&self, token: &str, password: &str) -> reqwest::Response {
        let employee = NewEmployee {
            password,
            ..EMPLOYEE
        };
        self.app.activate(token, &employee).await
    }

    /// Invites and activates the employee with [`PASSWORD`].
    async fn activated(backend: Backend) -> World {
        let world = World::new(backend).await;
        let token = world.invitation_token().await;
        assert_eq!(world.activate(&token, PASSWORD).await.status(), 201);
        world
    }

    async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.app.login(email, password).await
    }

    /// Logs in and returns (access token, refresh cookie value).
    async fn session(&self) -> (String, String) {
        let response = self.login(&self.email, PASSWORD).await;
        assert_eq!(response.status(), 200);
        let cookie = refresh_cookie(&response).expect("refresh cookie");
        let body: Value = response.json().await.unwrap();
        (body["access_token"].as_str().unwrap().to_string(), cookie)
    }

    async fn me(&self, access_token: &str) -> reqwest::Response {
        self.app
            .http
            .get(self.url("/api/v1/me"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }

    async fn refresh(&self, cookie: &str) -> reqwest::Response {
        self.app.refresh(cookie).await
    }

    async fn request_reset(&self, email: &str) -> reqwest::Response {
        self.app
            .http
            .post(self.url("/api/v1/auth/password-reset"))
            .json(&json!({"email": email}))
            .send()
            .await
            .unwrap()
    }

    async fn reset_token(&self) -> String {
        let received_before = self.smtp.received().len();
        assert_eq!(self.request_reset(&self.email).await.status(), 202);
        self.smtp
            .newest_link_token(&self.email, "/reset-password/", received_before)
            .await
    }

    async fn complete_reset(&self, token: &str, password: &str) -> reqwest::Response {
        self.app
            .http
            .post(self.url(&format!("/api/v1/auth/password-reset/{token}")))
            .json(&json!({"password": password}))
            .send()
            .await
            .unwrap()
    }
}

on_both_databases! {
    async fn invitation_email_carries_an_activation_link_in_the_employees_language(backend) {
        let world = World::new(backend).await;
        let response = world.invite().await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        assert!(body["expires_at"].is_string());
        let mails = world.smtp.wait_for(1, Duration::from_secs(20)).await;
        let mail = mails[0].parsed();
        assert_eq!(mails[0].rcpt_to.as_slice(), std::slice::from_ref(&world.email));
        assert_eq!(mail.subject(), Some("Activeer je account bij Verzuim"));
        assert!(mail.body_html(0).is_some(), "multipart with HTML");
        let text = mail.body_text(0).unwrap();
        assert!(text.contains("http://verzuim.test/activate/"), "{text}");
        assert_eq!(mails[0].token_after("/activate/").expect("a link in the e-mail").len(), 43, "256 bits, base64url");
    }

    async fn invitation_token_is_stored_only_as_a_hash(backend) {
        use diesel::prelude::*;
        let world = World::new(backend).await;
        let token = world.invitation_token().await;
        let mut conn = world.app.db();
        let stored: Vec<String> = verzuim::db::schema::invitations::table
            .select(verzuim::db::schema::invitations::token_hash)
            .load(&mut conn)
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], token);
        assert!(!stored[0].contains(&token));
    }

    async fn a_new_invitation_voids_the_old_one(backend) {
        let world = World::new(backend).await;
        let old = world.invitation_token().await;
        let new = world.invitation_token().await;
        assert_problem(world.verify(&old, &world.email, DATE_OF_BIRTH).await, 410).await;
        assert_eq!(world.verify(&new, &world.email, DATE_OF_BIRTH).await.status(), 200);
    }

    async fn identity_check_accepts_matching_details_with_the_email_in_any_case(backend) {
        let world = World::new(backend).await;
        let token = world.invitation_token().await;
        let response = world.verify(&token, "  jan.jansen@BAKKERIJ.nl ", DATE_OF_BIRTH).await;
        assert_eq!(response.status(), 200);
    }

    async fn identity_check_never_says_which_field_was_wrong(backend) {
        let world = World::new(backend).await;
        let token = world.invitation_token().await;
        let wrong_email: Value = assert_problem(world.verify(&token, "piet@bakkerij.nl", DATE_OF_BIRTH).await, 400).await;
        let wrong_date: Value = assert_problem(world.verify(&token, &world.email, "1985-04-13").await, 400).await;
        assert_eq!(wrong_email, wrong_date);
        assert!(wrong_email.get("errors").is_none());
    }

    async fn five_wrong_answers_void_the_invitation(backend) {
        let world = World::new(backend).await;
        let token = world.invitation_token().await;
        for _ in 0..5 {
            assert_problem(world.verify(&token, &world.email, "2000-01-01").await, 400).await;
        }
        // Even the right answers cannot use it now; the employer must send a new one.
        assert_problem(world.verify(&token, &world.email, DATE_OF_BIRTH).await, 410).await;
        let fresh = world.invitation_token().await;
        assert_eq!(world.verify(&fresh, &world.email, DATE_OF_BIRTH).await.status(), 200);
    }

    async fn expired_invitation_answers_410(backend) {
        use diesel::prelude::*;
        let world = World::new(backend).await;
        let token = world.invitation_token().await;
        let past = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1);
        diesel::update(verzuim::db::schema::invitations::table)
            .set(verzuim::db::schema::invitations::expires_at.eq(past))
            .execute(&mut world.app.db())
            .unwrap();
        assert_problem(world.verify(&token, &world.email, DATE_OF_BIRTH).await, 410).await;
    }

    async fn unknown_activation_token_answers_404(backend) {
        let world = World::new(backend).await;
        assert_problem(world.verify("no-such-token", &world.email, DATE_OF_BIRTH).await, 404).await;
    }

    async fn activation_sets_the_password_and_the_link_works_once(backend) {
        let world = World::new(backend).await;
        let token = world.invitation_token().await;
        let response = world.activate(&token, PASSWORD).await;
        assert_eq!(response.status(), 201);
        assert_problem(world.activate(&token, "een ander wachtwoord").await, 404).await;
        assert_eq!(world.login(&world.email, PASSWORD).await.status(), 200);
        let listed: Value = world.app.http.get(world.url(&format!("/api/v1/employees/{}", world.employee_id)))
            .bearer_auth(&world.employer.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["account_status"], "active");
    }

    async fn password_policy_rejects_short_long_common_and_email_based_passwords(backend) {
        let world = World::new(backend).await;
        let token = world.invitation_token().await;
        for bad in ["kort", &"x".repeat(129), "qwertyuiop", "1234567890", "jan.jansen-2024!"] {
            let problem = assert_problem(world.activate(&token, bad).await, 400).await;
            assert_eq!(problem["errors"][0]["field"], "password", "{bad}");
        }
        // None of those used up the invitation.
        assert_eq!(world.activate(&token, PASSWORD).await.status(), 201);
    }

    async fn activation_with_wrong_details_is_refused_and_counted(backend) {
        let world = World::new(backend).await;
        let token = world.invitation_token().await;
        let response = world.app.http.post(world.url(&format!("/api/v1/activation/{token}")))
            .json(&json!({"email": world.email, "date_of_birth": "1999-09-09", "password": PASSWORD}))
            .send().await.unwrap();
        assert_problem(response, 400).await;
        assert_problem(world.login(&world.email, PASSWORD).await, 401).await;
    }

    async fn login_matches_the_email_in_any_case_and_the_password_exactly(backend) {
        let world = World::activated(backend).await;
        let response = world.login("  JAN.JANSEN@bakkerij.NL", PASSWORD).await;
        assert_eq!(response.status(), 200);
        let cookie = response.headers().get_all("set-cookie").iter()
            .map(|v| v.to_str().unwrap().to_string()).find(|v| v.starts_with("verzuim_refresh=")).unwrap();
        for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        assert_problem(world.login(&world.email, &PASSWORD.to_uppercase()).await, 401).await;
    }

    async fn unknown_and_known_addresses_get_the_same_failed_login_answer(backend) {
        let world = World::activated(backend).await;
        let known = world.login(&world.email, "verkeerd wachtwoord").await;
        let unknown = world.login("niemand@bakkerij.nl", "verkeerd wachtwoord").await;
        assert_eq!(known.status(), unknown.status());
        let known: Value = assert_problem(known, 401).await;
        let unknown: Value = assert_problem(unknown, 401).await;
        assert_eq!(known, unknown);
    }

    async fn third_failure_answers_401_and_blocks_for_an_hour(backend) {
        let world = World::activated(backend).await;
        for _ in 0..3 {
            assert_problem(world.login(&world.email, "verkeerd wachtwoord").await, 401).await;
        }
        let blocked = world.login(&world.email, PASSWORD).await;
        assert_eq!(blocked.status(), 429);
        let retry_after: i64 = blocked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((3500..=3600).contains(&retry_after), "Retry-After {retry_after}");
        let problem = assert_problem(blocked, 429).await;
        let until = chrono::DateTime::parse_from_rfc3339(problem["blocked_until"].as_str().unwrap()).unwrap();
        let minutes = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
        assert!((58..=60).contains(&minutes), "blocked for {minutes} minutes");
        assert!(problem["detail"].as_str().unwrap().contains("UTC"));
    }

    async fn a_successful_login_resets_the_failure_count(backend) {
        let world = World::activated(backend).await;
        for _ in 0..2 {
            assert_problem(world.login(&world.email, "fout").await, 401).await;
        }
        assert_eq!(world.login(&world.email, PASSWORD).await.status(), 200);
        for _ in 0..2 {
            assert_problem(world.login(&world.email, "fout").await, 401).await;
        }
        assert_eq!(world.login(&world.email, PASSWORD).await.status(), 200);
    }

    async fn unknown_addresses_are_blocked_after_three_failures_too(backend) {
        let world = World::new(backend).await;
        for _ in 0..3 {
            assert_problem(world.login("niemand@bakkerij.nl", "fout").await, 401).await;
        }
        assert_problem(world.login("Niemand@Bakkerij.nl", "fout").await, 429).await;
    }

    async fn the_block_holds_across_instances_and_restarts(backend) {
        let world = World::activated(backend).await;
        for _ in 0..3 {
            world.login(&world.email, "fout").await;
        }
        let other = TestApp::spawn_sharing_database(&world.app, |_| {}).await;
        let response = other.http.post(other.url("/api/v1/auth/login"))
            .json(&json!({"email": world.email, "password": PASSWORD})).send().await.unwrap();
        assert_problem(response, 429).await;
    }

    async fn refresh_rotates_the_cookie_and_reuse_ends_the_session(backend) {
        let world = World::activated(backend).await;
        let (access, first) = world.session().await;
        let rotated = world.refresh(&first).await;
        assert_eq!(rotated.status(), 200);
        let second = refresh_cookie(&rotated).unwrap();
        assert_ne!(first, second);
        let fresh_access = rotated.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();
        assert_eq!(world.me(&fresh_access).await.status(), 200);
        // The first cookie again: theft is assumed, the whole family ends.
        assert_problem(world.refresh(&first).await, 401).await;
        assert_problem(world.refresh(&second).await, 401).await;
        assert_problem(world.me(&access).await, 401).await;
        assert_problem(world.me(&fresh_access).await, 401).await;
    }

    async fn refresh_without_a_cookie_answers_401(backend) {
        let world = World::new(backend).await;
        let response = world.app.http.post(world.url("/api/v1/auth/refresh")).send().await.unwrap();
        assert_problem(response, 401).await;
    }

    async fn logout_ends_this_session_only(backend) {
        let world = World::activated(backend).await;
        let (phone_access, phone_cookie) = world.session().await;
        let (laptop_access, _) = world.session().await;
        let response = world.app.http.post(world.url("/api/v1/auth/logout"))
            .header("Cookie", format!("verzuim_refresh={phone_cookie}")).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert!(response.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        assert_problem(world.me(&phone_access).await, 401).await;
        assert_problem(world.refresh(&phone_cookie).await, 401).await;
        assert_eq!(world.me(&laptop_access).await.status(), 200);
    }

    async fn logout_everywhere_ends_every_session(backend) {
        let world = World::activated(backend).await;
        let (phone_access, phone_cookie) = world.session().await;
        let (laptop_access, _) = world.session().await;
        let response = world.app.http.post(world.url("/api/v1/auth/logout-all")).bearer_auth(&laptop_access).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_problem(world.me(&phone_access).await, 401).await;
        assert_problem(world.me(&laptop_access).await, 401).await;
        assert_problem(world.refresh(&phone_cookie).await, 401).await;
    }

    async fn forgot_password_always_answers_202_and_mails_only_active_accounts(backend) {
        let world = World::activated(backend).await;
        let invitations = world.smtp.received().len();
        assert_eq!(world.request_reset("niemand@bakkerij.nl").await.status(), 202);
        assert_eq!(world.request_reset("JAN.jansen@bakkerij.nl").await.status(), 202);
        let mails = world.smtp.wait_for(invitations + 1, Duration::from_secs(20)).await;
        // Give a wrongly queued second mail the chance to arrive before counting.
        let again = world.smtp.wait_for(invitations + 2, Duration::from_millis(500)).await;
        assert_eq!(again.len(), invitations + 1);
        let reset = mails[invitations].parsed();
        assert_eq!(reset.subject(), Some("Nieuw wachtwoord instellen"));
        assert!(reset.body_text(0).unwrap().contains("http://verzuim.test/reset-password/"));
    }

    async fn password_reset_sets_the_password_ends_sessions_and_lifts_the_block(backend) {
        let world = World::activated(backend).await;
        let (access, cookie) = world.session().await;
        for _ in 0..3 {
            world.login(&world.email, "fout").await;
        }
        assert_problem(world.login(&world.email, PASSWORD).await, 429).await;
        let token = world.reset_token().await;
        assert_problem(world.complete_reset(&token, "qwertyuiop").await, 400).await;
        assert_eq!(world.complete_reset(&token, "een nieuw lang wachtwoord").await.status(), 204);
        assert_problem(world.me(&access).await, 401).await;
        assert_problem(world.refresh(&cookie).await, 401).await;
        assert_problem(world.login(&world.email, PASSWORD).await, 401).await;
        assert_eq!(world.login(&world.email, "een nieuw lang wachtwoord").await.status(), 200);
    }

    async fn reset_link_works_once_and_expires(backend) {
        use diesel::prelude::*;
        let world = World::activated(backend).await;
        let token = world.reset_token().await;
        assert_eq!(world.complete_reset(&token, "een nieuw lang wachtwoord").await.status(), 204);
        assert_problem(world.complete_reset(&token, "nog een ander wachtwoord").await, 404).await;
        let expiring = world.reset_token().await;
        let past = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1);
        diesel::update(verzuim::db::schema::password_resets::table)
            .set(verzuim::db::schema::password_resets::expires_at.eq(past))
            .execute(&mut world.app.db()).unwrap();
        assert_problem(world.complete_reset(&expiring, "nog een ander wachtwoord").await, 410).await;
    }

    async fn invitation_activation_and_reset_tokens_are_not_interchangeable(backend) {
        let world = World::new(backend).await;
        let invitation = world.invitation_token().await;
        assert_problem(world.complete_reset(&invitation, "een nieuw lang wachtwoord").await, 404).await;
        assert_eq!(world.activate(&invitation, PASSWORD).await.status(), 201);
        let reset = world.reset_token().await;
        assert_problem(world.verify(&reset, &world.email, DATE_OF_BIRTH).await, 404).await;
        let (access, cookie) = world.session().await;
        assert_problem(world.verify(&cookie, &world.email, DATE_OF_BIRTH).await, 404).await;
        assert_problem(world.me(&cookie).await, 401).await;
        assert_problem(world.me(&world.employer.token).await, 401).await;
        let employer_api = world.app.http.get(world.url("/api/v1/employer")).bearer_auth(&access).send().await.unwrap();
        assert_problem(employer_api, 401).await;
    }

    async fn profile_shows_the_employers_data_and_changes_only_preferences(backend) {
        let world = World::activated(backend).await;
        let (access, _) = world.session().await;
        let me: Value = world.me(&access).await.json().await.unwrap();
        assert_eq!(me["email"], world.email.as_str());
        assert_eq!(me["first_name"], "Jan");
        assert_eq!(me["date_of_birth"], DATE_OF_BIRTH);
        assert_eq!(me["language"], "nl");
        assert_eq!(me["notify_new_documents"], true);
        assert_eq!(me["employer_name"], "Bakkerij de Vries");
        let patched: Value = world.app.http.patch(world.url("/api/v1/me")).bearer_auth(&access)
            .json(&json!({"language": "en", "notify_new_documents": false})).send().await.unwrap().json().await.unwrap();
        assert_eq!(patched["language"], "en");
        assert_eq!(patched["notify_new_documents"], false);
        let refused = world.app.http.patch(world.url("/api/v1/me")).bearer_auth(&access)
            .json(&json!({"first_name": "Piet"})).send().await.unwrap();
        assert_problem(refused, 400).await;
        let refused = world.app.http.patch(world.url("/api/v1/me")).bearer_auth(&access)
            .json(&json!({"language": "de"})).send().await.unwrap();
        assert_problem(refused, 400).await;
        let me: Value = world.me(&access).await.json().await.unwrap();
        assert_eq!(me["first_name"], "Jan");
        assert_eq!(me["language"], "en");
    }

    async fn change_password_asks_the_current_one_and_ends_other_sessions(backend) {
        let world = World::activated(backend).await;
        let (phone, _) = world.session().await;
        let (laptop, _) = world.session().await;
        let change = |current: &str, new: &str| {
            world.app.http.put(world.url("/api/v1/me/password")).bearer_auth(&laptop)
                .json(&json!({"current_password": current, "new_password": new})).send()
        };
        let wrong = assert_problem(change("fout", "een nieuw lang wachtwoord").await.unwrap(), 400).await;
        assert_eq!(wrong["errors"][0]["field"], "current_password");
        let weak = assert_problem(change(PASSWORD, "1234567890").await.unwrap(), 400).await;
        assert_eq!(weak["errors"][0]["field"], "new_password");
        assert_eq!(change(PASSWORD, "een nieuw lang wachtwoord").await.unwrap().status(), 204);
        assert_eq!(world.me(&laptop).await.status(), 200);
        assert_problem(world.me(&phone).await, 401).await;
        assert_eq!(world.login(&world.email, "een nieuw lang wachtwoord").await.status(), 200);
    }

    async fn deleted_employee_cannot_log_in_and_loses_every_session(backend) {
        let world = World::activated(backend).await;
        let (access, cookie) = world.session().await;
        let deleted = world.app.http.delete(world.url(&format!("/api/v1/employees/{}", world.employee_id)))
            .bearer_auth(&world.employer.token).send().await.unwrap();
        assert_eq!(deleted.status(), 204);
        assert_problem(world.me(&access).await, 401).await;
        assert_problem(world.refresh(&cookie).await, 401).await;
        assert_problem(world.login(&world.email, PASSWORD).await, 401).await;
    }

    async fn invitation_for_another_employers_employee_answers_404(backend) {
        let world = World::new(backend).await;
        let other = world.app.employer_session().await;
        let response = world.app.http.post(world.url(&format!("/api/v1/employees/{}/invitation", world.employee_id)))
            .bearer_auth(&other.token).send().await.unwrap();
        assert_problem(response, 404).await;
        assert!(world.smtp.wait_for(1, Duration::from_millis(500)).await.is_empty());
    }

    async fn inviting_an_active_account_answers_409(backend) {
        let world = World::activated(backend).await;
        assert_problem(world.invite().await, 409).await;
    }

    async fn sensitive_endpoints_are_rate_limited_per_ip(backend) {
        let world = World::with(backend, |env| {
            env.insert("VERZUIM_RATE_LIMIT_PER_MINUTE".into(), "5".into());
        }).await;
        // Setting up the world fetched one employer token from the same limited bucket.
        // Different addresses each time, so the per-address lockout plays no part.
        for attempt in 0..4 {
            assert_problem(world.login(&format!("iemand{attempt}@b.nl"), "x").await, 401).await;
        }
        let limited = world.login("c@d.nl", "x").await;
        assert!(limited.headers().contains_key("retry-after"));
        let problem = assert_problem(limited, 429).await;
        assert_eq!(problem["type"], "/problems/rate-limited");
        // Other endpoints are not limited.
        assert_eq!(world.app.http.get(world.url("/health")).send().await.unwrap().status(), 200);
    }

    async fn service_status_set_by_the_operator_is_public(backend) {
        let app = TestApp::spawn(backend).await;
        let status: Value = app.http.get(app.url("/api/v1/status")).send().await.unwrap().json().await.unwrap();
        assert!(status["message"].is_null());
        app.cli(&["status", "set", "--message", "Onderhoud vanavond 22:00–23:00"]).unwrap();
        let status: Value = app.http.get(app.url("/api/v1/status")).send().await.unwrap().json().await.unwrap();
        assert_eq!(status["message"], "Onderhoud vanavond 22:00–23:00");
        app.cli(&["status", "clear"]).unwrap();
        let status: Value = app.http.get(app.url("/api/v1/status")).send().await.unwrap().json().await.unwrap();
        assert!(status["message"].is_null());
        assert!(app.cli(&["status", "set", "--message", "  "]).is_err());
    }

    async fn profile_names_whom_to_ask_about_the_dossier_with_per_employee_overrides(backend) {
        let world = World::activated(backend).await;
        let (access, _) = world.session().await;
        let me: Value = world.me(&access).await.json().await.unwrap();
        assert!(me["dossier_contacts"]["hr_contact"].is_null());
        assert!(me["dossier_contacts"]["case_manager"].is_null());

        let hr = json!({"name": "Anna de Vries", "email": "hr@bakkerij.nl", "phone": null});
        let arbo = json!({"name": "Pieter Bos", "email": null, "phone": "020-1234567"});
        let response = world.app.http.patch(world.url("/api/v1/employer")).bearer_auth(&world.employer.token)
            .json(&json!({"hr_contact": hr, "case_manager": arbo})).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let me: Value = world.me(&access).await.json().await.unwrap();
        assert_eq!(me["dossier_contacts"]["hr_contact"], hr);
        assert_eq!(me["dossier_contacts"]["case_manager"], arbo);

        // Another case manager for this employee only; the HR contact stays the default.
        let own = json!({"name": "Fatima El Amrani", "email": "f.elamrani@arbodienst.nl", "phone": null});
        let path = format!("/api/v1/employees/{}/dossier-contacts", world.employee_id);
        let response = world.app.http.patch(world.url(&path)).bearer_auth(&world.employer.token)
            .json(&json!({"case_manager": own})).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let named: Value = response.json().await.unwrap();
        assert_eq!(named["case_manager"], own);
        assert!(named["hr_contact"].is_null(), "the employee has no HR contact of their own");
        let me: Value = world.me(&access).await.json().await.unwrap();
        assert_eq!(me["dossier_contacts"]["hr_contact"], hr);
        assert_eq!(me["dossier_contacts"]["case_manager"], own);

        // null returns the role to the employer's default.
        let response = world.app.http.patch(world.url(&path)).bearer_auth(&world.employer.token)
            .json(&json!({"case_manager": null})).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let me: Value = world.me(&access).await.json().await.unwrap();
        assert_eq!(me["dossier_contacts"]["case_manager"], arbo);
    }

    async fn dossier_contacts_of_another_employers_employee_answer_404(backend) {
        let world = World::new(backend).await;
        let other_id = world.app.create_employer("Concurrent BV");
        let other_token = world.app.token(&world.app.create_client(&other_id, None)).await;
        let path = format!("/api/v1/employees/{}/dossier-contacts", world.employee_id);
        let response = world.app.http.get(world.url(&path)).bearer_auth(&other_token).send().await.unwrap();
        assert_problem(response, 404).await;
        let response = world.app.http.patch(world.url(&path)).bearer_auth(&other_token)
            .json(&json!({"hr_contact": {"name": "Indringer"}})).send().await.unwrap();
        assert_problem(response, 404).await;
        let own: Value = world.app.http.get(world.url(&path)).bearer_auth(&world.employer.token).send().await.unwrap().json().await.unwrap();
        assert!(own["hr_contact"].is_null(), "nothing was stored for the employee");
    }
}
