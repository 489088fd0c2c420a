//! Sick and recovery reports, partial recovery, linked spells and the Poortwachter timeline.
//!
//! - [`domain`]: what callers send, parsed into values that are valid once they exist;
//! - [`timeline`]: the Poortwachter milestones, one pure function;
//! - [`changes`]: every change, each in one transaction with its event, audit entry and
//!   e-mails;
//! - [`queries`]: reads and the views built from them;
//! - [`employee`] and [`employer`]: the handlers.

pub mod changes;
pub mod domain;
pub mod employee;
pub mod employer;
pub mod models;
pub mod queries;
pub mod timeline;

use chrono::NaiveDate;
use utoipa_actix_web::service_config::ServiceConfig;

use models::{AbsenceRow, TimelineResponse};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(employee::report_sick)
        .service(employee::list_mine)
        .service(employee::get_mine)
        .service(employee::recover_mine)
        .service(employee::partially_recover_mine)
        .service(employee::my_timeline)
        .service(employer::list)
        .service(employer::get_one)
        .service(employer::timeline)
        .service(employer::correct)
        .service(employer::report_for_employee)
        .service(employer::recover)
        .service(employer::cancel);
}

/// The timeline of `row` as of `today` (counted from the chain's first sick day).
fn timeline_response(row: &AbsenceRow, today: NaiveDate) -> TimelineResponse {
    let reference = row.recovered_on.map_or(today, |r| r.min(today));
    TimelineResponse {
        absence_id: row.id.clone(),
        counting_from: row.counting_from,
        current_week: timeline::week_of(row.counting_from, reference),
        milestones: timeline::timeline(row.counting_from, today, row.recovered_on),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::events::email::{build_message, EmailMessage, Templates};

    fn reported(hours: Option<f64>) -> EmailMessage {
        EmailMessage::AbsenceReported {
            to: "verzuim@employer.test".into(),
            employee_name: "Jan <Jansen>".into(),
            first_sick_day: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            hours_worked_first_day: hours,
            phone: Some("+31 6 12345678".into()),
            care_address: None,
            expected_duration: Some("tot 2 weken".into()),
            safety_net: Some(false),
            occupational_accident: None,
            third_party_accident: Some(true),
            reported_by: "employer".into(),
            portal_url: "https://verzuim.test/".into(),
        }
    }

    #[test]
    fn absence_emails_render_in_dutch_text_and_html() {
        let templates = Templates::new().unwrap();
        let rendered = templates.render(&reported(Some(7.25))).unwrap();
        assert_eq!(rendered.subject, "Nieuwe ziekmelding");
        assert!(rendered
            .text
            .contains("Jan <Jansen> is ziek gemeld door de werkgever"));
        assert!(rendered.html.contains("Jan &lt;Jansen&gt;"));
        for body in [&rendered.text, &rendered.html] {
            assert!(body.contains("24 november 2026"), "{body}");
            assert!(body.contains("7,25"), "{body}");
            assert!(body.contains("tot 2 weken"), "{body}");
            assert!(body.contains("https://verzuim.test/"), "{body}");
            assert!(!body.contains("Verpleegadres"), "{body}");
            assert!(!body.contains("arbeidsongeval"), "{body}");
        }
        build_message(rendered, "Verzuim <no-reply@verzuim.test>", "abc").unwrap();
        // Zero hours worked is shown, not dropped.
        let rendered = templates.render(&reported(Some(0.0))).unwrap();
        assert!(
            rendered.text.contains("eerste ziektedag: 0\n"),
            "{}",
            rendered.text
        );

        let recovered = EmailMessage::AbsenceRecovered {
            to: "arbo@arbodienst.test".into(),
            employee_name: "Jan Jansen".into(),
            first_sick_day: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            recovered_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            portal_url: "https://verzuim.test/".into(),
        };
        let rendered = templates.render(&recovered).unwrap();
        assert_eq!(rendered.subject, "Herstelmelding");
        assert!(rendered.text.contains("Hersteld per: 1 december 2026"));
        assert!(rendered.html.contains("1 december 2026"));
    }
}
