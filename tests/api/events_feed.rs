//! The event feed `GET /events?after=`: durable, strictly ordered per employer, and a consumer
//! that stores the cursor never misses or repeats an event.

use serde_json::{json, Value};
use verzuim::events::feed::{self, EventKind};
use verzuim_tests::{assert_problem, on_both_databases, TestApp};

fn record(app: &TestApp, employer_id: &str, n: usize) -> String {
    feed::record(
        &mut app.db(),
        employer_id,
        EventKind::AbsenceReported,
        json!({"absence_id": format!("a-{n}")}),
    )
    .expect("recorded")
}

async fn page(app: &TestApp, token: &str, after: i64, limit: i64) -> Value {
    let response = app
        .http
        .get(app.url(&format!("/api/v1/events?after={after}&limit={limit}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// Reads the whole feed from `after` with pages of `limit`; returns the event ids, the pages
/// read and the final cursor.
async fn read_all(
    app: &TestApp,
    token: &str,
    mut after: i64,
    limit: i64,
) -> (Vec<String>, usize, i64) {
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let body = page(app, token, after, limit).await;
        let items = body["items"].as_array().expect("items").clone();
        if items.is_empty() {
            assert_eq!(body["next_cursor"], after, "an empty page keeps the cursor");
            return (ids, pages, after);
        }
        pages += 1;
        let mut last = after;
        for item in &items {
            let id = item["id"].as_i64().expect("id");
            assert!(id > last, "strictly increasing ids");
            last = id;
            ids.push(item["event_id"].as_str().expect("event_id").to_string());
        }
        assert_eq!(body["next_cursor"], last);
        after = last;
    }
}

on_both_databases! {
    async fn feed_is_ordered_paged_by_cursor_and_per_employer(backend) {
        let app = TestApp::spawn(backend).await;
        let mine = app.employer_session().await;
        let other = app.employer_session().await;
        let mut expected = Vec::new();
        let mut others = Vec::new();
        for n in 0..7 {
            expected.push(record(&app, &mine.employer_id, n));
            if n % 2 == 0 {
                others.push(record(&app, &other.employer_id, n));
            }
        }

        let first = page(&app, &mine.token, 0, 3).await;
        let item = &first["items"][0];
        assert_eq!(item["type"], "absence.reported");
        assert_eq!(item["data"], json!({"absence_id": "a-0"}));
        assert!(item["created_at"].is_string());

        let (ids, pages, cursor) = read_all(&app, &mine.token, 0, 3).await;
        assert_eq!(pages, 3);
        assert_eq!(ids, expected, "every event once, in order");

        // New events after the stored cursor: only those.
        let later = vec![record(&app, &mine.employer_id, 7), record(&app, &mine.employer_id, 8)];
        let (ids, _, _) = read_all(&app, &mine.token, cursor, 3).await;
        assert_eq!(ids, later);

        let (theirs, _, _) = read_all(&app, &other.token, 0, 50).await;
        assert_eq!(theirs, others, "another employer sees only its own events");
    }

    async fn concurrent_writers_never_make_a_reader_miss_an_event(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let mut conn = app.db();
                let employer_id = session.employer_id.clone();
                std::thread::spawn(move || {
                    (0..15)
                        .map(|n| {
                            feed::record(&mut conn, &employer_id, EventKind::AbsenceRecovered,
                                json!({"n": w * 100 + n}))
                                .expect("recorded")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // Read while they write, storing the cursor as a consumer would.
        let mut seen = Vec::new();
        let mut cursor = 0;
        let mut done = false;
        while !done {
            done = writers.iter().all(|w| w.is_finished());
            let (ids, _, next) = read_all(&app, &session.token, cursor, 7).await;
            seen.extend(ids);
            cursor = next;
        }
        let mut written: Vec<String> = writers.into_iter().flat_map(|w| w.join().expect("writer")).collect();
        let (rest, _, _) = read_all(&app, &session.token, cursor, 7).await;
        seen.extend(rest);
        let unique: std::collections::HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no event repeated");
        written.sort();
        seen.sort();
        assert_eq!(seen, written, "no event missed");
    }

    async fn bad_limit_or_cursor_is_400(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        for query in ["limit=0", "limit=201", "after=-1", "after=abc", "cursor=1"] {
            let response = app.http.get(app.url(&format!("/api/v1/events?{query}")))
                .bearer_auth(&session.token).send().await.expect("request");
            assert_problem(response, 400).await;
        }
    }

    async fn an_invitation_appears_in_the_feed(backend) {
        let app = TestApp::spawn(backend).await;
        let session = app.employer_session().await;
        let created: Value = app.http.post(app.url("/api/v1/employees")).bearer_auth(&session.token)
            .json(&json!({
                "email": "jan@example.nl", "date_of_birth": "1990-05-17", "first_name": "Jan",
                "last_name": "Jansen", "language": "nl",
            }))
            .send().await.expect("request").json().await.expect("json");
        let employee_id = created["id"].as_str().expect("id");
        let response = app.http.post(app.url(&format!("/api/v1/employees/{employee_id}/invitation")))
            .bearer_auth(&session.token).send().await.expect("request");
        assert!(response.status().is_success(), "{}", response.status());
        let feed = page(&app, &session.token, 0, 50).await;
        let items = feed["items"].as_array().expect("items");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["type"], "employee.invited");
        assert_eq!(items[0]["data"]["employee_id"], employee_id);
    }
}
