//! One login per person and two-step login (SPEC §8): one password and one lockout per
//! address across employers, TOTP with recovery codes, the `mfa_token`, the employer policy.

use serde_json::{json, Value};
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::totp::{base32_decode, code, current_step};
use verzuim_tests::{
    assert_problem, on_both_databases, refresh_cookie, Backend, EmployerSession, NewEmployee,
    TestApp,
};

const PASSWORD: &str = "paarse fiets op de dijk";
const OTHER_PASSWORD: &str = "groene boot in de haven";
const PERSON: NewEmployee = NewEmployee {
    email: "sanne.visser@example.nl",
    date_of_birth: "1990-02-03",
    language: "nl",
    password: PASSWORD,
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
        self.app
            .http
            .get(self.app.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// An employee of `employer` at `new.email` who activated with `new.password`.
    async fn activated(&self, employer: &EmployerSession, new: &NewEmployee<'_>) -> String {
        self.app
            .activated_employee(&self.smtp, &employer.token, new)
            .await
    }

    async fn login(&self, email: &str, password: &str) -> Value {
        let response = self.app.login(email, password).await;
        assert_eq!(response.status(), 200, "login");
        response.json().await.unwrap()
    }

    /// Sets up an authenticator app for the employee holding `token`; answers the secret and
    /// the recovery codes.
    async fn enrol(&self, token: &str) -> (Vec<u8>, Vec<String>) {
        let response = self
            .post("/api/v1/me/mfa/totp", Some(token), json!({}))
            .await;
        assert_eq!(response.status(), 201);
        let enrolment: Value = response.json().await.unwrap();
        let secret = base32_decode(enrolment["secret"].as_str().unwrap());
        assert!(enrolment["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Verzuim"));
        let confirm = code(&secret, current_step(), 6);
        let response = self
            .post(
                "/api/v1/me/mfa/totp/confirm",
                Some(token),
                json!({"code": confirm}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        let codes: Vec<String> = body["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        (secret, codes)
    }
}

fn access_token(body: &Value) -> String {
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// A code of a step no earlier code of the test used: the next one (accepted as clock drift).
fn fresh_code(secret: &[u8]) -> String {
    code(secret, current_step() + 1, 6)
}

on_both_databases! {
    async fn one_login_serves_every_employer_of_the_person_with_one_password(backend) {
        let world = World::new(backend).await;
        let a = world.app.employer_session().await;
        let b = world.app.employer_session().await;
        world.activated(&a, &PERSON).await;

        // Employer B invites the same address: the identity check says a login exists.
        let employee_b = world.app.create_employee(&b.token, &PERSON).await;
        let invitation = world.app.invitation_token(&world.smtp, &b.token, &employee_b, PERSON.email).await;
        let check = world.post(&format!("/api/v1/activation/{invitation}/verify"), None,
            json!({"email": PERSON.email, "date_of_birth": PERSON.date_of_birth})).await;
        assert_eq!(check.status(), 200);
        let check: Value = check.json().await.unwrap();
        assert_eq!(check["login_exists"], true);
        assert_eq!(check["login_has_mfa"], false);

        // A new password does not replace the login's: it is refused, and nothing changes.
        let second = NewEmployee { password: OTHER_PASSWORD, ..PERSON };
        let problem = assert_problem(world.app.activate(&invitation, &second).await, 400).await;
        assert_eq!(problem["errors"][0]["field"], "password");
        assert_eq!(world.app.login(PERSON.email, OTHER_PASSWORD).await.status(), 401);

        // The existing password links the employment.
        let linked = world.app.activate(&invitation, &PERSON).await;
        assert_eq!(linked.status(), 201);
        assert_eq!(linked.json::<Value>().await.unwrap()["status"], "linked");

        let body = world.login(PERSON.email, PERSON.password).await;
        let token = access_token(&body);
        let me: Value = world.get("/api/v1/me", &token).await.json().await.unwrap();
        let employments = me["employments"].as_array().unwrap();
        assert_eq!(employments.len(), 2);
        assert!(employments.iter().any(|e| e["employee_id"] == employee_b.as_str()));

        // Switching names the other employment; the old token of this session stops working.
        let other = employments.iter().find(|e| e["employee_id"] != me["id"]).unwrap();
        let switched = world.post("/api/v1/auth/switch", Some(&token), json!({"employee_id": other["employee_id"]})).await;
        assert_eq!(switched.status(), 200);
        let switched_token = access_token(&switched.json().await.unwrap());
        let me_there: Value = world.get("/api/v1/me", &switched_token).await.json().await.unwrap();
        assert_eq!(me_there["id"], other["employee_id"]);
        assert_eq!(world.get("/api/v1/me", &token).await.status(), 401);

        // An employment of someone else is not one to switch to.
        let stranger = world.app.create_employee(&b.token, &NewEmployee { email: "iemand@example.nl", ..PERSON }).await;
        let refused = world.post("/api/v1/auth/switch", Some(&switched_token), json!({"employee_id": stranger})).await;
        assert_problem(refused, 404).await;
    }

    async fn the_mule_attack_ends_in_a_block_at_the_third_wrong_guess(backend) {
        // Employer B activates an employee of its own, then moves that employee onto the
        // address of employer A's employee. B's password must never count at A's login.
        let world = World::new(backend).await;
        let a = world.app.employer_session().await;
        let b = world.app.employer_session().await;
        world.activated(&a, &PERSON).await;
        let mule = NewEmployee { email: "mule@example.nl", password: OTHER_PASSWORD, ..PERSON };
        let mule_id = world.activated(&b, &mule).await;
        let moved = world.app.http.patch(world.app.url(&format!("/api/v1/employees/{mule_id}")))
            .bearer_auth(&b.token).json(&json!({"email": PERSON.email})).send().await.unwrap();
        assert!(moved.status().is_success(), "{}", moved.status());

        for guess in ["wrong guess one", "wrong guess two", OTHER_PASSWORD] {
            assert_eq!(world.app.login(PERSON.email, guess).await.status(), 401, "{guess}");
        }
        // Blocked: even the right password waits.
        assert_eq!(world.app.login(PERSON.email, PERSON.password).await.status(), 429);
    }

    async fn no_employer_can_set_or_reset_another_employers_employees_password(backend) {
        let world = World::new(backend).await;
        let a = world.app.employer_session().await;
        let b = world.app.employer_session().await;
        world.activated(&a, &PERSON).await;
        // B registers the address and invites it; whoever answers cannot choose a password.
        let at_b = world.app.create_employee(&b.token, &PERSON).await;
        let invitation = world.app.invitation_token(&world.smtp, &b.token, &at_b, PERSON.email).await;
        let attempt = NewEmployee { password: OTHER_PASSWORD, ..PERSON };
        assert_problem(world.app.activate(&invitation, &attempt).await, 400).await;
        // B deletes its employee: A's employment and login are untouched.
        let deleted = world.app.http.delete(world.app.url(&format!("/api/v1/employees/{at_b}")))
            .bearer_auth(&b.token).send().await.unwrap();
        assert_eq!(deleted.status(), 204);
        let body = world.login(PERSON.email, PERSON.password).await;
        assert!(body["access_token"].is_string());
    }

    async fn two_step_login_is_required_by_default_and_the_first_token_reaches_only_enrolment(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session_requiring_mfa().await;
        let policy: Value = world.app.http.get(world.app.url("/api/v1/employer"))
            .bearer_auth(&employer.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(policy["mfa_required"], true);
        world.activated(&employer, &PERSON).await;

        let response = world.app.login(PERSON.email, PERSON.password).await;
        let cookie = refresh_cookie(&response).expect("a session to enrol in");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["mfa_enrolment_required"], true);
        let token = access_token(&body);
        assert_eq!(world.get("/api/v1/me", &token).await.status(), 200);
        let problem = assert_problem(world.get("/api/v1/me/absences", &token).await, 403).await;
        assert_eq!(problem["type"], "/problems/mfa-enrolment-required");
        // Refreshing does not widen it either, until a factor is confirmed.
        let refreshed = world.app.refresh(&cookie).await;
        let cookie = refresh_cookie(&refreshed).expect("rotated cookie");
        let refreshed: Value = refreshed.json().await.unwrap();
        assert_eq!(refreshed["mfa_enrolment_required"], true);

        world.enrol(&token).await;
        let full: Value = world.app.refresh(&cookie).await.json().await.unwrap();
        assert_eq!(full["mfa_enrolment_required"], false);
        assert_eq!(world.get("/api/v1/me/absences", &access_token(&full)).await.status(), 200);
        // The next login asks for the code.
        let challenge = world.login(PERSON.email, PERSON.password).await;
        assert_eq!(challenge["mfa_required"], true);
        assert!(challenge.get("access_token").is_none());
    }

    async fn a_login_with_totp_asks_for_the_code_computed_from_the_secret(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        let first = access_token(&world.login(PERSON.email, PERSON.password).await);
        let (secret, codes) = world.enrol(&first).await;
        assert_eq!(codes.len(), 10);

        let response = world.app.login(PERSON.email, PERSON.password).await;
        assert!(refresh_cookie(&response).is_none(), "no session before the second factor");
        let challenge: Value = response.json().await.unwrap();
        assert_eq!(challenge["mfa_required"], true);
        assert_eq!(challenge["methods"], json!(["totp", "recovery_code"]));
        let mfa_token = challenge["mfa_token"].as_str().unwrap();

        let wrong = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": mfa_token, "code": "000000"})).await;
        assert_eq!(assert_problem(wrong, 401).await["type"], "/problems/invalid-second-factor");
        let right = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": mfa_token, "code": fresh_code(&secret)})).await;
        assert_eq!(right.status(), 200);
        assert!(refresh_cookie(&right).is_some());
        let token = access_token(&right.json().await.unwrap());
        let me: Value = world.get("/api/v1/me", &token).await.json().await.unwrap();
        assert_eq!(me["security"]["totp_enabled"], true);
        assert_eq!(me["security"]["recovery_codes_left"], 10);
        assert_eq!(world.get("/api/v1/me/absences", &token).await.status(), 200);
        // The challenge is spent: the password comes first again.
        let again = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": mfa_token, "code": fresh_code(&secret)})).await;
        assert_eq!(assert_problem(again, 401).await["type"], "/problems/mfa-token-expired");
    }

    async fn a_code_is_accepted_once(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        let (secret, _) = world.enrol(&access_token(&world.login(PERSON.email, PERSON.password).await)).await;
        let used = fresh_code(&secret);
        for expected in [200, 401] {
            let challenge = world.login(PERSON.email, PERSON.password).await;
            let response = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": challenge["mfa_token"], "code": used})).await;
            assert_eq!(response.status(), expected, "the same code the second time is a replay");
        }
    }

    async fn a_recovery_code_works_once(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        let (_, codes) = world.enrol(&access_token(&world.login(PERSON.email, PERSON.password).await)).await;
        // As typed from paper: upper case, spaces for dashes.
        let typed = codes[3].to_uppercase().replace('-', " ");
        for expected in [200, 401] {
            let challenge = world.login(PERSON.email, PERSON.password).await;
            let response = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": challenge["mfa_token"], "recovery_code": typed})).await;
            assert_eq!(response.status(), expected);
            if expected == 200 {
                let token = access_token(&response.json().await.unwrap());
                let me: Value = world.get("/api/v1/me", &token).await.json().await.unwrap();
                assert_eq!(me["security"]["recovery_codes_left"], 9);
            }
        }
    }

    async fn the_mfa_token_is_refused_everywhere_else(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        let token = access_token(&world.login(PERSON.email, PERSON.password).await);
        let (secret, _) = world.enrol(&token).await;
        let challenge = world.login(PERSON.email, PERSON.password).await;
        let mfa_token = challenge["mfa_token"].as_str().unwrap();

        assert_eq!(world.get("/api/v1/me", mfa_token).await.status(), 401);
        assert_eq!(world.post("/api/v1/me/mfa/totp", Some(mfa_token), json!({})).await.status(), 401);
        assert_eq!(world.app.refresh(mfa_token).await.status(), 401);
        let employer_api = world.app.http.get(world.app.url("/api/v1/employer")).bearer_auth(mfa_token).send().await.unwrap();
        assert_eq!(employer_api.status(), 401);
        // And an access token is no mfa_token.
        let swapped = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": token, "code": fresh_code(&secret)})).await;
        assert_problem(swapped, 401).await;
    }

    async fn thirty_parallel_wrong_codes_evaluate_at_most_three(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        let (secret, _) = world.enrol(&access_token(&world.login(PERSON.email, PERSON.password).await)).await;
        let challenge = world.login(PERSON.email, PERSON.password).await;
        let mfa_token = challenge["mfa_token"].as_str().unwrap().to_string();
        let right = fresh_code(&secret);
        let guesses = (0..30).map(|n| {
            let guess = format!("{:06}", (right.parse::<u32>().unwrap() + 1 + n) % 1_000_000);
            let (http, url, mfa_token) = (world.app.http.clone(), world.app.url("/api/v1/auth/mfa"), mfa_token.clone());
            async move {
                http.post(url).json(&json!({"mfa_token": mfa_token, "code": guess})).send().await.unwrap().status().as_u16()
            }
        });
        let statuses = futures_util::future::join_all(guesses).await;
        let evaluated = statuses.iter().filter(|&&s| s == 401).count();
        assert!(evaluated <= 3, "{evaluated} wrong codes were evaluated: {statuses:?}");
        assert!(statuses.iter().all(|&s| s == 401 || s == 429), "{statuses:?}");
        // The right code now waits for the block too, and so does the password.
        let response = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": mfa_token, "code": right})).await;
        assert_eq!(response.status(), 429);
        assert_eq!(world.app.login(PERSON.email, PERSON.password).await.status(), 429);
    }

    async fn a_right_password_between_wrong_codes_does_not_reset_the_count(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        world.enrol(&access_token(&world.login(PERSON.email, PERSON.password).await)).await;
        for _ in 0..3 {
            let challenge = world.login(PERSON.email, PERSON.password).await;
            let response = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": challenge["mfa_token"], "code": "123456"})).await;
            assert!(matches!(response.status().as_u16(), 401 | 429));
        }
        assert_eq!(world.app.login(PERSON.email, PERSON.password).await.status(), 429);
    }

    async fn a_password_reset_keeps_the_second_factor(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        world.enrol(&access_token(&world.login(PERSON.email, PERSON.password).await)).await;
        let before = world.smtp.received().len();
        let asked = world.post("/api/v1/auth/password-reset", None, json!({"email": PERSON.email})).await;
        assert_eq!(asked.status(), 202);
        let token = world.smtp.newest_link_token(PERSON.email, "/reset-password/", before).await;
        let reset = world.post(&format!("/api/v1/auth/password-reset/{token}"), None, json!({"password": OTHER_PASSWORD})).await;
        assert_eq!(reset.status(), 204);
        let after = world.login(PERSON.email, OTHER_PASSWORD).await;
        assert_eq!(after["mfa_required"], true, "the e-mail alone never passes the second factor");
    }

    async fn removing_the_app_asks_for_the_password_and_a_code(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        let token = access_token(&world.login(PERSON.email, PERSON.password).await);
        let (secret, codes) = world.enrol(&token).await;
        let remove = |body: Value| {
            let request = world.app.http.delete(world.app.url("/api/v1/me/mfa/totp")).bearer_auth(&token).json(&body);
            async move { request.send().await.unwrap() }
        };
        let problem = assert_problem(remove(json!({"password": "not it at all", "code": fresh_code(&secret)})).await, 400).await;
        assert_eq!(problem["errors"][0]["field"], "password");
        let problem = assert_problem(remove(json!({"password": PERSON.password, "code": "000000"})).await, 400).await;
        assert_eq!(problem["errors"][0]["field"], "code");
        // Another session (another device) ends with the removal; this one stays.
        let challenge = world.login(PERSON.email, PERSON.password).await;
        let other = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": challenge["mfa_token"], "recovery_code": codes[0]})).await;
        let other = access_token(&other.json().await.unwrap());
        assert_eq!(remove(json!({"password": PERSON.password, "code": fresh_code(&secret)})).await.status(), 204);
        assert_eq!(world.get("/api/v1/me", &other).await.status(), 401);
        let me: Value = world.get("/api/v1/me", &token).await.json().await.unwrap();
        assert_eq!(me["security"]["totp_enabled"], false);
        assert!(world.login(PERSON.email, PERSON.password).await["access_token"].is_string());
    }

    async fn activating_a_second_employment_asks_the_existing_logins_code(backend) {
        let world = World::new(backend).await;
        let a = world.app.employer_session().await;
        let b = world.app.employer_session().await;
        world.activated(&a, &PERSON).await;
        let (secret, _) = world.enrol(&access_token(&world.login(PERSON.email, PERSON.password).await)).await;
        let at_b = world.app.create_employee(&b.token, &PERSON).await;
        let invitation = world.app.invitation_token(&world.smtp, &b.token, &at_b, PERSON.email).await;
        let path = format!("/api/v1/activation/{invitation}");
        let answers = json!({"email": PERSON.email, "date_of_birth": PERSON.date_of_birth, "password": PERSON.password});
        let problem = assert_problem(world.post(&path, None, answers.clone()).await, 400).await;
        assert_eq!(problem["errors"][0]["field"], "code");
        let mut with_code = answers.clone();
        with_code["code"] = json!(fresh_code(&secret));
        assert_eq!(world.post(&path, None, with_code).await.status(), 201);
    }

    async fn an_active_employees_new_address_waits_for_its_own_confirmation(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        let id = world.activated(&employer, &PERSON).await;
        let before = world.smtp.received().len();
        let patch = world.app.http.patch(world.app.url(&format!("/api/v1/employees/{id}")))
            .bearer_auth(&employer.token).json(&json!({"email": "Sanne@Nieuw.example"})).send().await.unwrap();
        assert_eq!(patch.status(), 200);
        let shown: Value = patch.json().await.unwrap();
        assert_eq!(shown["email"], PERSON.email, "the old address until confirmed");
        assert_eq!(shown["pending_email"], "Sanne@Nieuw.example");

        // Both addresses hear of it; the login still answers to the old one only.
        let token = world.smtp.newest_link_token("Sanne@Nieuw.example", "/confirm-email/", before).await;
        let mails = world.smtp.wait_for(before + 2, std::time::Duration::from_secs(10)).await;
        assert!(mails.iter().any(|m| m.parsed().to().unwrap().first().unwrap().address().unwrap() == PERSON.email));
        assert_eq!(world.app.login("sanne@nieuw.example", PERSON.password).await.status(), 401);
        assert_eq!(world.app.login(PERSON.email, PERSON.password).await.status(), 200);

        let path = format!("/api/v1/auth/email-change/{token}");
        assert_eq!(world.post(&path, None, json!({})).await.status(), 204);
        assert_problem(world.post(&path, None, json!({})).await, 404).await;
        assert_eq!(world.app.login("sanne@nieuw.example", PERSON.password).await.status(), 200);
        assert_eq!(world.app.login(PERSON.email, PERSON.password).await.status(), 401);
        let employee: Value = world.app.http.get(world.app.url(&format!("/api/v1/employees/{id}")))
            .bearer_auth(&employer.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(employee["email"], "Sanne@Nieuw.example");
        assert!(employee["pending_email"].is_null());
    }

    async fn an_address_that_is_another_persons_login_is_never_taken_over(backend) {
        let world = World::new(backend).await;
        let (a, b) = (world.app.employer_session().await, world.app.employer_session().await);
        world.activated(&a, &PERSON).await;
        let mule = NewEmployee { email: "mule@example.nl", password: OTHER_PASSWORD, ..PERSON };
        let mule_id = world.activated(&b, &mule).await;
        let before = world.smtp.received().len();
        world.app.http.patch(world.app.url(&format!("/api/v1/employees/{mule_id}")))
            .bearer_auth(&b.token).json(&json!({"email": PERSON.email})).send().await.unwrap();
        let token = world.smtp.newest_link_token(PERSON.email, "/confirm-email/", before).await;
        let problem = assert_problem(world.post(&format!("/api/v1/auth/email-change/{token}"), None, json!({})).await, 409).await;
        assert!(problem["detail"].as_str().unwrap().contains("another Verzuim login"));
        // Both logins are as they were.
        assert_eq!(world.app.login(PERSON.email, PERSON.password).await.status(), 200);
        assert_eq!(world.app.login(mule.email, OTHER_PASSWORD).await.status(), 200);
    }

    async fn the_employer_resets_lost_factors_audited_and_the_employee_is_told(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        let id = world.activated(&employer, &PERSON).await;
        let token = access_token(&world.login(PERSON.email, PERSON.password).await);
        world.enrol(&token).await;
        let before = world.smtp.received().len();
        let reset = world.post(&format!("/api/v1/employees/{id}/mfa-reset"), Some(&employer.token), json!({})).await;
        assert_eq!(reset.status(), 204);
        // Sessions ended; the next login needs the password only (this employer does not require a factor).
        assert_eq!(world.get("/api/v1/me", &token).await.status(), 401);
        assert!(world.login(PERSON.email, PERSON.password).await["access_token"].is_string());
        let mails = world.smtp.wait_for(before + 1, std::time::Duration::from_secs(10)).await;
        assert!(mails.iter().skip(before).any(|m| m.parsed().subject() == Some("Je inloggen in twee stappen is gewist")));
        let audit: Value = world.app.http.get(world.app.url("/api/v1/audit?resource_type=employee"))
            .bearer_auth(&employer.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(audit["items"][0]["action"], "employee.mfa_reset");
        assert_eq!(audit["items"][0]["resource_id"], id.as_str());
        // Another employer's id is 404.
        let other = world.app.employer_session().await;
        assert_problem(world.post(&format!("/api/v1/employees/{id}/mfa-reset"), Some(&other.token), json!({})).await, 404).await;
    }

    async fn a_login_shared_with_another_employer_is_not_one_employers_to_reset(backend) {
        let world = World::new(backend).await;
        let (a, b) = (world.app.employer_session().await, world.app.employer_session().await);
        world.activated(&a, &PERSON).await;
        let at_b = world.app.create_employee(&b.token, &PERSON).await;
        let invitation = world.app.invitation_token(&world.smtp, &b.token, &at_b, PERSON.email).await;
        assert_eq!(world.app.activate(&invitation, &PERSON).await.status(), 201);
        let (secret, _) = world.enrol(&access_token(&world.login(PERSON.email, PERSON.password).await)).await;
        assert_problem(world.post(&format!("/api/v1/employees/{at_b}/mfa-reset"), Some(&b.token), json!({})).await, 409).await;
        let challenge = world.login(PERSON.email, PERSON.password).await;
        let ok = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": challenge["mfa_token"], "code": fresh_code(&secret)})).await;
        assert_eq!(ok.status(), 200, "the factor is still there");
    }

    async fn with_the_phone_lost_a_recovery_code_removes_the_app(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        let token = access_token(&world.login(PERSON.email, PERSON.password).await);
        let (_, codes) = world.enrol(&token).await;
        let removed = world.app.http.delete(world.app.url("/api/v1/me/mfa/totp")).bearer_auth(&token)
            .json(&json!({"password": PERSON.password, "recovery_code": codes[0]})).send().await.unwrap();
        assert_eq!(removed.status(), 204);
        // Set up anew: a new app, new codes; the old codes went with the old app.
        let (_, new_codes) = world.enrol(&token).await;
        assert!(new_codes.iter().all(|c| !codes.contains(c)));
        let challenge = world.login(PERSON.email, PERSON.password).await;
        let old = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": challenge["mfa_token"], "recovery_code": codes[1]})).await;
        assert_problem(old, 401).await;
    }

    async fn new_recovery_codes_need_a_code_as_well_as_the_password(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        let token = access_token(&world.login(PERSON.email, PERSON.password).await);
        let (secret, old) = world.enrol(&token).await;
        let path = "/api/v1/me/mfa/recovery-codes";
        let problem = assert_problem(world.post(path, Some(&token), json!({"password": PERSON.password})).await, 400).await;
        assert_eq!(problem["errors"][0]["field"], "code");
        let renewed = world.post(path, Some(&token), json!({"password": PERSON.password, "code": fresh_code(&secret)})).await;
        assert_eq!(renewed.status(), 200);
        let renewed: Value = renewed.json().await.unwrap();
        let new: Vec<&str> = renewed["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert_eq!(new.len(), 10);
        let challenge = world.login(PERSON.email, PERSON.password).await;
        let stale = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": challenge["mfa_token"], "recovery_code": old[0]})).await;
        assert_problem(stale, 401).await;
        let fresh = world.post("/api/v1/auth/mfa", None, json!({"mfa_token": challenge["mfa_token"], "recovery_code": new[0]})).await;
        assert_eq!(fresh.status(), 200);
    }

    async fn thirty_parallel_wrong_passwords_at_a_step_up_evaluate_at_most_three(backend) {
        let world = World::new(backend).await;
        let employer = world.app.employer_session().await;
        world.activated(&employer, &PERSON).await;
        let token = access_token(&world.login(PERSON.email, PERSON.password).await);
        let (secret, _) = world.enrol(&token).await;
        let attempts = (0..30).map(|n| {
            let request = world.app.http.post(world.app.url("/api/v1/me/mfa/recovery-codes")).bearer_auth(&token)
                .json(&json!({"password": format!("wrong password {n}"), "code": fresh_code(&secret)}));
            async move { request.send().await.unwrap().status().as_u16() }
        });
        let statuses = futures_util::future::join_all(attempts).await;
        let evaluated = statuses.iter().filter(|&&s| s == 400).count();
        assert!(evaluated <= 3, "{evaluated} wrong passwords were evaluated: {statuses:?}");
        assert!(statuses.iter().all(|&s| s == 400 || s == 429), "{statuses:?}");
        assert_eq!(world.app.login(PERSON.email, PERSON.password).await.status(), 429, "the login is blocked too");
    }

    async fn thirty_parallel_wrong_passwords_at_a_linking_activation_evaluate_at_most_three(backend) {
        let world = World::new(backend).await;
        let (a, b) = (world.app.employer_session().await, world.app.employer_session().await);
        world.activated(&a, &PERSON).await;
        let at_b = world.app.create_employee(&b.token, &PERSON).await;
        let invitation = world.app.invitation_token(&world.smtp, &b.token, &at_b, PERSON.email).await;
        let attempts = (0..30).map(|n| {
            let request = world.app.http.post(world.app.url(&format!("/api/v1/activation/{invitation}")))
                .json(&json!({"email": PERSON.email, "date_of_birth": PERSON.date_of_birth, "password": format!("wrong password {n}")}));
            async move { request.send().await.unwrap().status().as_u16() }
        });
        let statuses = futures_util::future::join_all(attempts).await;
        let evaluated = statuses.iter().filter(|&&s| s == 400).count();
        assert!(evaluated <= 3, "{evaluated} wrong passwords were evaluated: {statuses:?}");
        assert!(statuses.iter().all(|&s| s == 400 || s == 429), "{statuses:?}");
        assert_eq!(world.app.activate(&invitation, &PERSON).await.status(), 429, "the right password waits for the block");
    }
}
