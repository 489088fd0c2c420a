//! Mail delivery that loses nothing: messages enqueued with `enqueue_email` (as the accounts
//! code does, inside its transaction) reach a real SMTP server on loopback, or the mail folder,
//! exactly once, also while SMTP is down for a while and with two instances on one database.

use std::collections::HashSet;
use std::time::Duration;

use chrono::NaiveDate;
use diesel::Connection;
use mail_parser::{MimeHeaders, PartType};
use verzuim::domain::Language;
use verzuim::error::ApiError;
use verzuim::events::email::{enqueue_email, EmailMessage};
use verzuim::events::outbox::{self, OutboxRow};
use verzuim_tests::smtp::{ReceivedMail, SmtpCapture};
use verzuim_tests::{on_both_databases, quick_outbox, TestApp};

const WAIT: Duration = Duration::from_secs(20);

fn token() -> String {
    format!("tok{}", uuid::Uuid::new_v4().simple())
}

fn invitation(to: &str, language: Language, token: &str) -> EmailMessage {
    EmailMessage::Invitation {
        to: to.into(),
        language,
        first_name: "Sanne".into(),
        employer_name: "Bakkerij de Vries".into(),
        activation_url: format!("http://verzuim.test/activate/{token}"),
        expires_on: NaiveDate::from_ymd_opt(2026, 12, 9).expect("date"),
    }
}

fn enqueue(app: &TestApp, message: &EmailMessage) {
    enqueue_email(&mut app.db(), message).expect("enqueued");
}

fn addressed_to<'a>(received: &'a [ReceivedMail], to: &str) -> &'a ReceivedMail {
    let found: Vec<_> = received.iter().filter(|m| m.rcpt_to == [to]).collect();
    assert_eq!(found.len(), 1, "one e-mail to {to}");
    found[0]
}

/// Polls the outbox until `count` rows are sent; panics after [`WAIT`].
async fn wait_until_sent(app: &TestApp, count: usize) -> Vec<OutboxRow> {
    let mut conn = app.db();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = outbox::all(&mut conn).expect("outbox rows");
        if rows.iter().filter(|r| r.sent_at.is_some()).count() >= count {
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox not delivered in time: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Checks the shape every e-mail has: multipart/alternative with one text and one HTML part,
/// from the configured sender, and returns (subject, text, html).
fn text_and_html(app: &TestApp, mail: &ReceivedMail) -> (String, String, String) {
    let parsed = mail.parsed();
    let content_type = parsed.parts[0].content_type().expect("content type");
    assert_eq!(content_type.ctype(), "multipart");
    assert_eq!(content_type.subtype(), Some("alternative"));
    let texts: Vec<&str> = parsed
        .parts
        .iter()
        .filter_map(|p| match &p.body {
            PartType::Text(text) => Some(text.as_ref()),
            _ => None,
        })
        .collect();
    let htmls: Vec<&str> = parsed
        .parts
        .iter()
        .filter_map(|p| match &p.body {
            PartType::Html(html) => Some(html.as_ref()),
            _ => None,
        })
        .collect();
    assert_eq!(
        (texts.len(), htmls.len()),
        (1, 1),
        "one text and one HTML part"
    );
    let from = parsed
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .expect("from address");
    assert!(app.settings.mail_from.contains(from), "from {from}");
    assert!(parsed.message_id().is_some(), "a Message-ID");
    (
        parsed.subject().expect("subject").to_string(),
        texts[0].to_string(),
        htmls[0].to_string(),
    )
}

on_both_databases! {
    async fn invitation_arrives_over_smtp_as_text_and_html_in_the_recipients_language(backend) {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let (dutch, english) = (token(), token());
        enqueue(&app, &invitation("sanne@example.test", Language::Nl, &dutch));
        enqueue(&app, &invitation("sam@example.test", Language::En, &english));

        let received = smtp.wait_for(2, WAIT).await;
        assert_eq!(received.len(), 2, "both e-mails arrived");
        let nl = addressed_to(&received, "sanne@example.test");
        let (subject, text, html) = text_and_html(&app, nl);
        assert_eq!(subject, "Activeer je account bij Verzuim");
        let link = format!("http://verzuim.test/activate/{dutch}");
        assert!(text.contains(&link) && html.contains(&format!("href=\"{link}\"")), "{text}\n{html}");
        assert!(text.contains("Beste Sanne") && text.contains("9 december 2026"), "{text}");
        assert!(html.contains("lang=\"nl\""));

        let en = addressed_to(&received, "sam@example.test");
        let (subject, text, html) = text_and_html(&app, en);
        assert_eq!(subject, "Activate your Verzuim account");
        let link = format!("http://verzuim.test/activate/{english}");
        assert!(text.contains(&link) && html.contains(&format!("href=\"{link}\"")), "{text}\n{html}");
        assert!(text.contains("Dear Sanne") && text.contains("9 December 2026"), "{text}");
        assert!(html.contains("lang=\"en\""));
    }

    async fn password_reset_arrives_in_the_recipients_language(backend) {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        for (to, language) in [("nl@example.test", Language::Nl), ("en@example.test", Language::En)] {
            enqueue(&app, &EmailMessage::PasswordReset {
                to: to.into(),
                language,
                first_name: "Sanne".into(),
                reset_url: format!("http://verzuim.test/reset/{language:?}-token"),
                valid_minutes: 60,
                logins_merged: false,
            });
        }
        let received = smtp.wait_for(2, WAIT).await;
        assert_eq!(received.len(), 2, "both e-mails arrived");
        let (subject, text, _) = text_and_html(&app, addressed_to(&received, "nl@example.test"));
        assert_eq!(subject, "Nieuw wachtwoord instellen");
        assert!(text.contains("http://verzuim.test/reset/Nl-token") && text.contains("60 minuten"), "{text}");
        let (subject, text, _) = text_and_html(&app, addressed_to(&received, "en@example.test"));
        assert_eq!(subject, "Set a new password");
        assert!(text.contains("http://verzuim.test/reset/En-token") && text.contains("60 minutes"), "{text}");
    }

    async fn without_smtp_url_mail_is_written_to_the_mail_folder(backend) {
        let app = TestApp::spawn_with(backend, quick_outbox).await;
        assert!(app.settings.smtp_url.is_none());
        let secret = token();
        enqueue(&app, &invitation("sanne@example.test", Language::Nl, &secret));

        let rows = wait_until_sent(&app, 1).await;
        let file = app.settings.mail_dir().join(format!("{}.eml", rows[0].delivery_id));
        let files: Vec<_> = std::fs::read_dir(app.settings.mail_dir())
            .expect("mail folder")
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .collect();
        assert_eq!(files.len(), 1, "exactly one .eml");
        let mail = ReceivedMail {
            mail_from: String::new(),
            rcpt_to: vec![],
            data: std::fs::read(&file).expect("the .eml named after the delivery"),
        };
        let (subject, text, html) = text_and_html(&app, &mail);
        assert_eq!(subject, "Activeer je account bij Verzuim");
        assert!(text.contains(&secret) && html.contains(&secret));
    }

    async fn smtp_down_then_up_delivers_the_message_exactly_once(backend) {
        let smtp = SmtpCapture::start_down();
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        enqueue(&app, &invitation("sanne@example.test", Language::Nl, &token()));

        // Wait until the worker has tried and failed at least twice while SMTP was down.
        let mut conn = app.db();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let rows = outbox::all(&mut conn).expect("rows");
            assert_eq!(rows.len(), 1);
            assert!(rows[0].sent_at.is_none() && rows[0].failed_at.is_none(), "{rows:?}");
            if rows[0].attempts >= 2 && rows[0].last_error.is_some() {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "no failed attempts: {rows:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(smtp.received().is_empty());

        smtp.come_up();
        let rows = wait_until_sent(&app, 1).await;
        let received = smtp.wait_for(1, WAIT).await;
        assert_eq!(received.len(), 1, "sent exactly once");
        assert_eq!(received[0].rcpt_to, ["sanne@example.test"]);
        let message_id = received[0].parsed().message_id().map(str::to_string);
        assert_eq!(message_id, Some(format!("{}@verzuim.localhost", rows[0].delivery_id)));
        // Marked sent: nothing more can be claimed, so nothing more is sent.
        assert!(outbox::due_ids(&mut conn, outbox::EMAIL, verzuim::db::now(), 10)
            .expect("due")
            .is_empty());
    }

    async fn two_instances_on_one_database_send_each_message_exactly_once(backend) {
        let smtp = SmtpCapture::start().await;
        let first = TestApp::spawn_with_smtp(backend, &smtp).await;
        let url = smtp.url();
        let second = TestApp::spawn_sharing_database(&first, |env| {
            env.insert("SMTP_URL".into(), url);
            quick_outbox(env);
        })
        .await;
        assert_eq!(first.settings.database.kind, second.settings.database.kind);

        // All at once, in one transaction, so both workers see them in the same poll.
        let count = 20;
        first
            .db()
            .transaction::<_, ApiError, _>(|conn| {
                for i in 0..count {
                    enqueue_email(conn, &invitation(&format!("p{i}@example.test"), Language::En, &token()))?;
                }
                Ok(())
            })
            .expect("enqueued");

        let rows = wait_until_sent(&second, count).await;
        assert!(rows.iter().all(|r| r.attempts == 1), "each claimed once: {rows:?}");
        let received = smtp.received();
        assert_eq!(received.len(), count, "each message sent exactly once");
        let ids: HashSet<String> = received
            .iter()
            .filter_map(|m| m.parsed().message_id().map(str::to_string))
            .collect();
        assert_eq!(ids.len(), count, "distinct Message-IDs");
        let recipients: HashSet<String> = received.iter().flat_map(|m| m.rcpt_to.clone()).collect();
        assert_eq!(recipients.len(), count, "every recipient once");
    }

    async fn a_message_leased_by_a_crashed_instance_is_sent_after_the_lease_runs_out(backend) {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let lease = Duration::from_millis(700);
        let claimed_at = tokio::time::Instant::now();
        // Enqueued and claimed by an instance that then "dies", in one transaction, so the
        // running worker never sees the row unleased.
        app.db()
            .transaction::<_, ApiError, _>(|conn| {
                enqueue_email(conn, &invitation("sanne@example.test", Language::Nl, &token()))?;
                let id = outbox::all(conn)?[0].id;
                let lease = chrono::TimeDelta::from_std(lease).expect("lease");
                let row = outbox::claim(conn, id, "crashed-instance", verzuim::db::now(), lease)?;
                assert!(row.is_some(), "claimed");
                Ok(())
            })
            .expect("enqueued and claimed");

        let received = smtp.wait_for(1, WAIT).await;
        assert_eq!(received.len(), 1, "the e-mail arrived");
        assert!(claimed_at.elapsed() >= lease, "not sent while the lease held");
        let rows = wait_until_sent(&app, 1).await;
        assert_eq!(rows[0].attempts, 2, "the lost attempt counts: {rows:?}");
        assert_ne!(rows[0].locked_by.as_deref(), Some("crashed-instance"));
        assert_eq!(received.len(), 1);
    }

    async fn a_message_failing_past_the_give_up_age_is_marked_failed_and_scrubbed(backend) {
        use diesel::prelude::*;
        use verzuim::db::schema::outbox as table;
        let smtp = SmtpCapture::start_down();
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let secret = token();
        let mut conn = app.db();
        conn.transaction::<_, ApiError, _>(|conn| {
            enqueue_email(conn, &invitation("sanne@example.test", Language::Nl, &secret))?;
            // Queued 73 hours ago: past the default give-up age of 72 hours.
            let long_ago = verzuim::db::now() - chrono::TimeDelta::hours(73);
            diesel::update(table::table).set(table::created_at.eq(long_ago)).execute(conn)?;
            Ok(())
        })
        .expect("enqueued");

        let deadline = tokio::time::Instant::now() + WAIT;
        let row = loop {
            let rows = outbox::all(&mut conn).expect("rows");
            if rows[0].failed_at.is_some() {
                break rows[0].clone();
            }
            assert!(tokio::time::Instant::now() < deadline, "not given up: {rows:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(row.sent_at.is_none() && row.last_error.is_some(), "{row:?}");
        assert!(!row.payload.contains(&secret), "payload scrubbed: {}", row.payload);
        assert!(smtp.received().is_empty());
    }

    async fn a_sent_message_leaves_no_token_in_the_database(backend) {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let secret = token();
        enqueue(&app, &invitation("sanne@example.test", Language::Nl, &secret));

        let received = smtp.wait_for(1, WAIT).await;
        assert_eq!(received.len(), 1, "the e-mail arrived");
        let (_, text, _) = text_and_html(&app, &received[0]);
        assert!(text.contains(&secret), "the e-mail carries the token");
        let rows = wait_until_sent(&app, 1).await;
        assert!(!rows[0].payload.contains(&secret), "payload scrubbed: {}", rows[0].payload);
        let payload: serde_json::Value = serde_json::from_str(&rows[0].payload).expect("json");
        assert_eq!(
            payload,
            serde_json::json!({"template": "invitation", "to": "sanne@example.test", "redacted": true})
        );
    }

    async fn an_email_enqueued_in_a_rolled_back_transaction_is_never_sent(backend) {
        let smtp = SmtpCapture::start().await;
        let app = TestApp::spawn_with_smtp(backend, &smtp).await;
        let mut conn = app.db();
        let rolled_back = conn.transaction::<(), ApiError, _>(|conn| {
            enqueue_email(conn, &invitation("never@example.test", Language::Nl, &token()))?;
            Err(ApiError::Conflict("the change failed".into()))
        });
        assert!(rolled_back.is_err());
        enqueue(&app, &invitation("later@example.test", Language::Nl, &token()));

        // The later message arriving shows the worker ran; the rolled-back one never existed.
        let rows = wait_until_sent(&app, 1).await;
        assert_eq!(rows.len(), 1);
        let received = smtp.wait_for(1, WAIT).await;
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].rcpt_to, ["later@example.test"]);
    }
}
