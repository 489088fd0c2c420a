//! Passkeys and step-up (SPEC §8): a passkey is a second factor and a login of its own; every
//! answer is checked once, against the login's lockout; removing one asks for a confirmation
//! in the last five minutes. The authenticator is the tests' own (`support::authenticator`).

use serde_json::{json, Value};
use verzuim_tests::authenticator::SoftAuthenticator;
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::{
    assert_problem, on_both_databases, refresh_cookie, Backend, EmployerSession, NewEmployee,
    TestApp,
};

const ORIGIN: &str = "http://verzuim.test";
const PERSON: NewEmployee = NewEmployee {
    email: "fatima.elamrani@example.nl",
    date_of_birth: "1988-07-14",
    language: "nl",
    password: "blauwe tram naar het strand",
};

struct World {
    app: TestApp,
    smtp: SmtpCapture,
}

impl World {
    async fn new(backend: Backend) -> World {
        let smtp = SmtpCapture::start().await;
        let url = smtp.url();
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("SMTP_URL".into(), url);
            verzuim_tests::quick_outbox(env);
        })
        .await;
        World { app, smtp }
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
        let mut request = self.app.http.post(self.app.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        let request = self.app.http.get(self.app.url(path)).bearer_auth(token);
        request.send().await.unwrap()
    }

    async fn delete(&self, path: &str, token: &str) -> reqwest::Response {
        let request = self.app.http.delete(self.app.url(path)).bearer_auth(token);
        request.send().await.unwrap()
    }

    /// PERSON, activated at a new employer (two-step login off unless `mfa`), logged in with
    /// the password: answers the access token.
    async fn person(&self, mfa: bool) -> (EmployerSession, String) {
        let employer = if mfa {
            self.app.employer_session_requiring_mfa().await
        } else {
            self.app.employer_session().await
        };
        self.app
            .activated_employee(&self.smtp, &employer.token, &PERSON)
            .await;
        let login = self.app.login(PERSON.email, PERSON.password).await;
        assert_eq!(login.status(), 200);
        let body: Value = login.json().await.unwrap();
        (employer, access_token(&body))
    }

    /// Registers a passkey of `authenticator` for the employee holding `token`.
    async fn register(&self, token: &str, authenticator: &mut SoftAuthenticator) -> Value {
        let start = self
            .post("/api/v1/me/passkeys/register/start", Some(token), json!({}))
            .await;
        assert_eq!(start.status(), 200);
        let ceremony: Value = start.json().await.unwrap();
        let credential = authenticator.register(&ceremony["public_key"]);
        let finish = self
            .post(
                "/api/v1/me/passkeys/register/finish",
                Some(token),
                json!({"ceremony_id": ceremony["ceremony_id"], "name": "Telefoon", "credential": credential}),
            )
            .await;
        assert_eq!(finish.status(), 201, "registered");
        finish.json().await.unwrap()
    }

    /// Starts a passkey login (`mfa_token` for the second step, or none); answers the ceremony.
    async fn start_login(&self, mfa_token: Option<&str>) -> Value {
        let body = match mfa_token {
            Some(token) => json!({"mfa_token": token}),
            None => json!({}),
        };
        let start = self.post("/api/v1/auth/passkey/start", None, body).await;
        assert_eq!(start.status(), 200);
        start.json().await.unwrap()
    }

    async fn finish_login(&self, ceremony: &Value, credential: &Value) -> reqwest::Response {
        self.post(
            "/api/v1/auth/passkey/finish",
            None,
            json!({"ceremony_id": ceremony["ceremony_id"], "credential": credential}),
        )
        .await
    }

    /// The `mfa_token` of a right password.
    async fn password_step(&self) -> String {
        let login = self.app.login(PERSON.email, PERSON.password).await;
        assert_eq!(login.status(), 200);
        let body: Value = login.json().await.unwrap();
        assert_eq!(body["mfa_required"], true, "{body}");
        body["mfa_token"].as_str().unwrap().to_string()
    }

    /// Moves the session's last confirmation `minutes` into the past, as if time had passed.
    fn age_step_ups(&self, minutes: i64) {
        use diesel::prelude::*;
        let mut conn = self.app.db();
        let shift = if matches!(self.app.backend(), Backend::Sqlite) {
            format!("UPDATE session_step_ups SET stepped_up_at = datetime(stepped_up_at, '-{minutes} minutes')")
        } else {
            format!("UPDATE session_step_ups SET stepped_up_at = stepped_up_at - INTERVAL '{minutes} minutes'")
        };
        diesel::sql_query(shift).execute(&mut conn).unwrap();
    }
}

fn access_token(body: &Value) -> String {
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

on_both_databases! {
    async fn a_passkey_is_asked_for_after_the_password_and_logs_in(backend) {
        let world = World::new(backend).await;
        let (_, token) = world.person(false).await;
        let mut phone = SoftAuthenticator::new(ORIGIN);
        let registered = world.register(&token, &mut phone).await;
        assert_eq!(registered["passkey"]["name"], "Telefoon");

        let login = world.app.login(PERSON.email, PERSON.password).await;
        let body: Value = login.json().await.unwrap();
        assert_eq!(body["mfa_required"], true);
        assert!(body.get("access_token").is_none());
        assert_eq!(body["methods"], json!(["passkey", "recovery_code"]));

        let ceremony = world.start_login(body["mfa_token"].as_str()).await;
        let allowed = ceremony["public_key"]["allowCredentials"].as_array().unwrap();
        assert_eq!(allowed.len(), 1, "only this login's passkey is offered");
        let answer = phone.assert(&ceremony["public_key"]);
        let finished = world.finish_login(&ceremony, &answer).await;
        assert_eq!(finished.status(), 200);
        assert!(refresh_cookie(&finished).is_some(), "the refresh cookie is set");
        let token = access_token(&finished.json().await.unwrap());
        assert_eq!(world.get("/api/v1/me", &token).await.status(), 200);
    }

    async fn a_passkey_logs_in_on_its_own_without_an_address(backend) {
        let world = World::new(backend).await;
        let (_, token) = world.person(false).await;
        let me: Value = world.get("/api/v1/me", &token).await.json().await.unwrap();
        let mut phone = SoftAuthenticator::new(ORIGIN);
        world.register(&token, &mut phone).await;

        let ceremony = world.start_login(None).await;
        assert_eq!(ceremony["public_key"]["rpId"], "verzuim.test");
        assert!(ceremony["public_key"]["allowCredentials"].as_array().is_none_or(Vec::is_empty),
            "a login of its own names no credential (and so no person)");
        let answer = phone.assert(&ceremony["public_key"]);
        let finished = world.finish_login(&ceremony, &answer).await;
        assert_eq!(finished.status(), 200);
        let token = access_token(&finished.json().await.unwrap());
        let me_again: Value = world.get("/api/v1/me", &token).await.json().await.unwrap();
        assert_eq!(me_again["id"], me["id"]);
        let list: Value = world.get("/api/v1/me/passkeys", &token).await.json().await.unwrap();
        assert!(list["items"][0]["last_used_at"].is_string(), "{list}");
    }

    async fn an_answer_is_accepted_once(backend) {
        let world = World::new(backend).await;
        let (_, token) = world.person(false).await;
        let mut phone = SoftAuthenticator::new(ORIGIN);
        world.register(&token, &mut phone).await;
        let ceremony = world.start_login(None).await;
        let answer = phone.assert(&ceremony["public_key"]);
        assert_eq!(world.finish_login(&ceremony, &answer).await.status(), 200);

        // The same answer again: the ceremony is used.
        let again = assert_problem(world.finish_login(&ceremony, &answer).await, 401).await;
        assert_eq!(again["type"], "/problems/mfa-token-expired");
        // The old answer to a new ceremony: signed over another challenge.
        let fresh = world.start_login(None).await;
        let replayed = assert_problem(world.finish_login(&fresh, &answer).await, 401).await;
        assert_eq!(replayed["type"], "/problems/invalid-second-factor");
    }

    async fn thirty_parallel_finishes_of_one_ceremony_log_in_once(backend) {
        let world = World::new(backend).await;
        let (_, token) = world.person(false).await;
        let mut phone = SoftAuthenticator::new(ORIGIN);
        world.register(&token, &mut phone).await;
        let ceremony = world.start_login(None).await;
        let answer = phone.assert(&ceremony["public_key"]);
        let attempts = (0..30).map(|_| world.finish_login(&ceremony, &answer));
        let statuses: Vec<u16> = futures_util::future::join_all(attempts)
            .await
            .iter()
            .map(|r| r.status().as_u16())
            .collect();
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == 200 || *s == 401), "{statuses:?}");
    }

    async fn a_passkey_answer_for_another_site_is_refused_and_counted(backend) {
        let world = World::new(backend).await;
        let (_, token) = world.person(false).await;
        let mut phone = SoftAuthenticator::new(ORIGIN);
        world.register(&token, &mut phone).await;
        // A phishing page at another origin relays the challenge: the browser names its origin.
        phone.origin = "http://verzuim-login.example".into();
        for _ in 0..3 {
            let ceremony = world.start_login(None).await;
            let answer = phone.assert(&ceremony["public_key"]);
            let refused = assert_problem(world.finish_login(&ceremony, &answer).await, 401).await;
            assert_eq!(refused["type"], "/problems/invalid-second-factor");
        }
        // Three refused answers block the login, as three wrong passwords do.
        assert_eq!(world.app.login(PERSON.email, PERSON.password).await.status(), 429);
    }

    async fn a_first_passkey_comes_with_recovery_codes_and_a_second_does_not(backend) {
        let world = World::new(backend).await;
        let (_, token) = world.person(false).await;
        let first = world.register(&token, &mut SoftAuthenticator::new(ORIGIN)).await;
        let codes = first["recovery_codes"].as_array().expect("recovery codes");
        assert_eq!(codes.len(), 10);
        let second = world.register(&token, &mut SoftAuthenticator::new(ORIGIN)).await;
        assert!(second.get("recovery_codes").is_none(), "{second}");

        // A recovery code stands in for the passkey at the second step.
        let mfa_token = world.password_step().await;
        let recovered = world.post("/api/v1/auth/mfa", None,
            json!({"mfa_token": mfa_token, "recovery_code": codes[0]})).await;
        assert_eq!(recovered.status(), 200);
        let me: Value = world.get("/api/v1/me", &access_token(&recovered.json().await.unwrap()))
            .await.json().await.unwrap();
        assert_eq!(me["security"]["passkeys"], 2);
        assert_eq!(me["security"]["recovery_codes_left"], 9);
        assert_eq!(me["security"]["totp_enabled"], false);
    }

    async fn a_passkey_meets_the_employers_two_step_requirement(backend) {
        let world = World::new(backend).await;
        world.app.activated_employee(&world.smtp,
            &world.app.employer_session_requiring_mfa().await.token, &PERSON).await;
        let login = world.app.login(PERSON.email, PERSON.password).await;
        let cookie = refresh_cookie(&login).unwrap();
        let body: Value = login.json().await.unwrap();
        assert_eq!(body["mfa_enrolment_required"], true);
        let enrolling = access_token(&body);
        assert_eq!(world.get("/api/v1/me/absences", &enrolling).await.status(), 403);

        world.register(&enrolling, &mut SoftAuthenticator::new(ORIGIN)).await;
        let refreshed = world.app.refresh(&cookie).await;
        let body: Value = refreshed.json().await.unwrap();
        assert_eq!(body["mfa_enrolment_required"], false);
        assert_eq!(world.get("/api/v1/me/absences", &access_token(&body)).await.status(), 200);
    }

    async fn removing_a_passkey_asks_for_a_confirmation_in_the_last_five_minutes(backend) {
        let world = World::new(backend).await;
        let (_, token) = world.person(false).await;
        let mut phone = SoftAuthenticator::new(ORIGIN);
        let registered = world.register(&token, &mut phone).await;
        let id = registered["passkey"]["id"].as_str().unwrap().to_string();
        world.age_step_ups(6);

        let refused = assert_problem(world.delete(&format!("/api/v1/me/passkeys/{id}"), &token).await, 403).await;
        assert_eq!(refused["type"], "/problems/step-up-required");
        let list: Value = world.get("/api/v1/me/passkeys", &token).await.json().await.unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "nothing removed");

        // A wrong password confirms nothing.
        let wrong = world.post("/api/v1/me/step-up", Some(&token), json!({"password": "niet mijn wachtwoord"})).await;
        assert_problem(wrong, 400).await;
        assert_eq!(world.delete(&format!("/api/v1/me/passkeys/{id}"), &token).await.status(), 403);

        let confirmed = world.post("/api/v1/me/step-up", Some(&token), json!({"password": PERSON.password})).await;
        assert_eq!(confirmed.status(), 204);
        assert_eq!(world.delete(&format!("/api/v1/me/passkeys/{id}"), &token).await.status(), 204);
        let list: Value = world.get("/api/v1/me/passkeys", &token).await.json().await.unwrap();
        assert!(list["items"].as_array().unwrap().is_empty());
        // No factor left: the recovery codes went with it, and the password alone logs in.
        let login: Value = world.app.login(PERSON.email, PERSON.password).await.json().await.unwrap();
        assert!(login["access_token"].is_string(), "{login}");
    }

    async fn a_passkey_confirms_the_session_for_a_sensitive_change(backend) {
        let world = World::new(backend).await;
        let (_, token) = world.person(false).await;
        let mut phone = SoftAuthenticator::new(ORIGIN);
        world.register(&token, &mut phone).await;
        let second = world.register(&token, &mut SoftAuthenticator::new(ORIGIN)).await;
        world.age_step_ups(6);

        let start = world.post("/api/v1/me/step-up/passkey/start", Some(&token), json!({})).await;
        assert_eq!(start.status(), 200);
        let ceremony: Value = start.json().await.unwrap();
        let answer = phone.assert(&ceremony["public_key"]);
        let finish = world.post("/api/v1/me/step-up/passkey/finish", Some(&token),
            json!({"ceremony_id": ceremony["ceremony_id"], "credential": answer})).await;
        assert_eq!(finish.status(), 204);
        let id = second["passkey"]["id"].as_str().unwrap();
        assert_eq!(world.delete(&format!("/api/v1/me/passkeys/{id}"), &token).await.status(), 204);
    }

    async fn another_persons_passkey_and_ceremony_are_not_found(backend) {
        let world = World::new(backend).await;
        let (employer, token) = world.person(false).await;
        let registered = world.register(&token, &mut SoftAuthenticator::new(ORIGIN)).await;
        let theirs = registered["passkey"]["id"].as_str().unwrap().to_string();
        let other = NewEmployee { email: "joost.bakker@example.nl", ..PERSON };
        world.app.activated_employee(&world.smtp, &employer.token, &other).await;
        let login: Value = world.app.login(other.email, other.password).await.json().await.unwrap();
        let other_token = access_token(&login);

        let removal = world.delete(&format!("/api/v1/me/passkeys/{theirs}"), &other_token).await;
        assert_problem(removal, 404).await;
        // A registration ceremony started by one person cannot be finished by another.
        let start: Value = world.post("/api/v1/me/passkeys/register/start", Some(&token), json!({}))
            .await.json().await.unwrap();
        let credential = SoftAuthenticator::new(ORIGIN).register(&start["public_key"]);
        let hijack = world.post("/api/v1/me/passkeys/register/finish", Some(&other_token),
            json!({"ceremony_id": start["ceremony_id"], "credential": credential})).await;
        assert_problem(hijack, 404).await;
        let list: Value = world.get("/api/v1/me/passkeys", &other_token).await.json().await.unwrap();
        assert!(list["items"].as_array().unwrap().is_empty());
    }

    async fn a_malformed_answer_is_refused_at_the_door(backend) {
        let world = World::new(backend).await;
        let (_, token) = world.person(false).await;
        let bad_id = world.post("/api/v1/auth/passkey/finish", None,
            json!({"ceremony_id": "not-a-uuid", "credential": {}})).await;
        assert_eq!(assert_problem(bad_id, 400).await["errors"][0]["field"], "ceremony_id");
        let ceremony = world.start_login(None).await;
        let bad_credential = world.finish_login(&ceremony, &json!({"id": 5})).await;
        assert_eq!(assert_problem(bad_credential, 400).await["errors"][0]["field"], "credential");
        let long_name = world.post("/api/v1/me/passkeys/register/finish", Some(&token),
            json!({"ceremony_id": uuid::Uuid::new_v4(), "name": "x".repeat(61), "credential": {}})).await;
        assert_problem(long_name, 400).await;
    }

    async fn the_employers_factor_reset_removes_the_passkeys_too(backend) {
        let world = World::new(backend).await;
        let (employer, token) = world.person(false).await;
        let mut phone = SoftAuthenticator::new(ORIGIN);
        world.register(&token, &mut phone).await;
        let me: Value = world.get("/api/v1/me", &token).await.json().await.unwrap();
        let reset = world.post(&format!("/api/v1/employees/{}/mfa-reset", me["id"].as_str().unwrap()),
            Some(&employer.token), json!({})).await;
        assert_eq!(reset.status(), 204);
        let ceremony = world.start_login(None).await;
        let answer = phone.assert(&ceremony["public_key"]);
        assert_problem(world.finish_login(&ceremony, &answer).await, 401).await;
        let login: Value = world.app.login(PERSON.email, PERSON.password).await.json().await.unwrap();
        assert!(login["access_token"].is_string(), "{login}");
    }

    async fn a_login_with_only_passkeys_links_a_new_employment_with_a_recovery_code(backend) {
        let world = World::new(backend).await;
        let (_, token) = world.person(false).await;
        let registered = world.register(&token, &mut SoftAuthenticator::new(ORIGIN)).await;
        let recovery_code = registered["recovery_codes"][0].as_str().unwrap().to_string();
        let other_employer = world.app.employer_session().await;
        let at_other = world.app.create_employee(&other_employer.token, &PERSON).await;
        let invitation = world.app.invitation_token(&world.smtp, &other_employer.token, &at_other, PERSON.email).await;
        let answers = json!({"email": PERSON.email, "date_of_birth": PERSON.date_of_birth, "password": PERSON.password});
        let path = format!("/api/v1/activation/{invitation}");
        let activate = |extra: Value| {
            let mut body = answers.clone();
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            world.post(&path, None, body)
        };
        // The password alone does not link a login that has a second factor.
        let without = assert_problem(activate(json!({})).await, 400).await;
        assert_eq!(without["errors"][0]["field"], "code");
        let linked = activate(json!({"recovery_code": recovery_code})).await;
        assert_eq!(linked.status(), 201);
        assert_eq!(linked.json::<Value>().await.unwrap()["status"], "linked");
    }
}
