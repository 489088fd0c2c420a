//! Count before you check (SPEC §8 "Lockout that holds under concurrency"): however many wrong
//! guesses arrive at once, at most the allowed number is evaluated; the rest answer 429 (or,
//! for an invitation, find it void).

use futures_util::future::join_all;
use serde_json::json;
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::{on_both_databases, Backend, EmployerSession, NewEmployee, TestApp};

const PARALLEL: usize = 40;
const PASSWORD: &str = "paarse fiets op de dijk";
const EMPLOYEE: NewEmployee = NewEmployee {
    email: "Jan.Jansen@Bakkerij.nl",
    date_of_birth: "1985-04-12",
    language: "nl",
    password: PASSWORD,
};

struct World {
    app: TestApp,
    smtp: SmtpCapture,
    employer: EmployerSession,
}

impl World {
    async fn new(backend: Backend) -> World {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let employer = app.employer_session().await;
        World {
            app,
            smtp,
            employer,
        }
    }

    async fn activated(backend: Backend) -> World {
        let world = World::new(backend).await;
        world
            .app
            .activated_employee(&world.smtp, &world.employer.token, &EMPLOYEE)
            .await;
        world
    }

    async fn access_token(&self) -> String {
        let response = self.app.login(EMPLOYEE.email, PASSWORD).await;
        assert_eq!(response.status(), 200, "logged in");
        let body: serde_json::Value = response.json().await.expect("json");
        body["access_token"].as_str().expect("token").to_string()
    }
}

/// The statuses of `PARALLEL` requests sent at once, counted: (status, how many).
async fn statuses<F, Fut>(send: F) -> Vec<(u16, usize)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let responses = join_all((0..PARALLEL).map(|_| send())).await;
    let mut counted: Vec<(u16, usize)> = Vec::new();
    for response in responses {
        let status = response.status().as_u16();
        match counted.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => counted.push((status, 1)),
        }
    }
    counted.sort();
    counted
}

fn count(statuses: &[(u16, usize)], status: u16) -> usize {
    statuses
        .iter()
        .find(|(s, _)| *s == status)
        .map_or(0, |(_, n)| *n)
}

/// At most `allowed` were evaluated (`evaluated` status), at least one was, and every other
/// answer is `refused`.
fn assert_at_most(statuses: &[(u16, usize)], evaluated: u16, allowed: usize, refused: u16) {
    let (evaluated_n, refused_n) = (count(statuses, evaluated), count(statuses, refused));
    assert!(
        (1..=allowed).contains(&evaluated_n),
        "{evaluated_n} evaluated, allowed {allowed}: {statuses:?}"
    );
    assert_eq!(evaluated_n + refused_n, PARALLEL, "{statuses:?}");
}

on_both_databases! {
    async fn parallel_wrong_passwords_evaluate_at_most_three_and_then_block(backend) {
        let world = World::activated(backend).await;
        let answers = statuses(|| world.app.login(EMPLOYEE.email, "verkeerd wachtwoord")).await;
        assert_at_most(&answers, 401, 3, 429);
        let right = world.app.login(EMPLOYEE.email, PASSWORD).await;
        assert_eq!(right.status(), 429, "the right password after the burst is blocked too");
        assert!(right.headers().contains_key("retry-after"));
    }

    async fn parallel_guesses_at_an_unknown_address_are_counted_alike(backend) {
        let world = World::new(backend).await;
        let answers = statuses(|| world.app.login("niemand@bakkerij.nl", "verkeerd")).await;
        assert_at_most(&answers, 401, 3, 429);
    }

    async fn parallel_wrong_current_passwords_evaluate_at_most_three_and_then_block(backend) {
        let world = World::activated(backend).await;
        let token = world.access_token().await;
        let change = || {
            world.app.http.put(world.app.url("/api/v1/me/password")).bearer_auth(&token)
                .json(&json!({"current_password": "niet mijn wachtwoord",
                              "new_password": "een heel ander wachtwoord"}))
                .send()
        };
        let answers = statuses(|| async { change().await.expect("request") }).await;
        assert_at_most(&answers, 400, 3, 429);
        let right = world.app.http.put(world.app.url("/api/v1/me/password")).bearer_auth(&token)
            .json(&json!({"current_password": PASSWORD,
                          "new_password": "een heel ander wachtwoord"}))
            .send().await.expect("request");
        assert_eq!(right.status(), 429, "the right current password after the burst is blocked");
        // The same lockout as the login's: a stolen session cannot reset it by logging in.
        assert_eq!(world.app.login(EMPLOYEE.email, PASSWORD).await.status(), 429);
    }

    async fn parallel_wrong_identity_answers_are_compared_at_most_five_times(backend) {
        let world = World::new(backend).await;
        let employee_id = world.app.create_employee(&world.employer.token, &EMPLOYEE).await;
        let invitation = world.app
            .invitation_token(&world.smtp, &world.employer.token, &employee_id, EMPLOYEE.email)
            .await;
        let verify = |date_of_birth: &'static str| {
            world.app.http.post(world.app.url(&format!("/api/v1/activation/{invitation}/verify")))
                .json(&json!({"email": EMPLOYEE.email, "date_of_birth": date_of_birth}))
                .send()
        };
        let answers = statuses(|| async { verify("1970-01-01").await.expect("request") }).await;
        assert_at_most(&answers, 400, 5, 410);
        let right = verify(EMPLOYEE.date_of_birth).await.expect("request");
        assert_eq!(right.status(), 410, "the invitation is void after five wrong answers");
    }

    async fn the_right_password_among_as_many_parallel_guesses_as_allowed_logs_in(backend) {
        let world = World::activated(backend).await;
        // Two wrong answers and the right one at once: all three fit under the threshold, so
        // all are evaluated, and the right one logs in whatever the order.
        let (first, second, right) = tokio::join!(
            world.app.login(EMPLOYEE.email, "fout een"),
            world.app.login(EMPLOYEE.email, "fout twee"),
            world.app.login(EMPLOYEE.email, PASSWORD),
        );
        let three = (first.status().as_u16(), second.status().as_u16(), right.status().as_u16());
        assert_eq!(three, (401, 401, 200));
        let answers = statuses(|| world.app.login(EMPLOYEE.email, "verkeerd")).await;
        assert_at_most(&answers, 401, 3, 429);
    }
}
