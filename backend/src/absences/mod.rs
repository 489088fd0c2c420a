//! Sick and recovery reports, partial recovery, linked spells and the Poortwachter timeline.
//!
//! - [`domain`]: what callers send, parsed into values that are valid once they exist;
//! - [`timeline`]: the Poortwachter milestones, one pure function;
//! - [`changes`]: every change, each in one transaction with its event, audit entry and
//!   e-mails;
//! - [`queries`]: reads and the views built from them;
//! - [`overdue`]: the background job that raises `poortwachter.step_overdue` once per late step;
//! - [`employee`] and [`employer`]: the handlers.

pub mod changes;
pub mod domain;
pub mod employee;
pub mod employer;
pub mod models;
pub mod overdue;
pub mod queries;
pub mod timeline;

use utoipa_actix_web::service_config::ServiceConfig;

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
        .service(employer::record_step)
        .service(employer::correct)
        .service(employer::report_for_employee)
        .service(employer::recover)
        .service(employer::cancel);
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::domain::Language;
    use crate::events::email::{build_message, EmailMessage, Templates};

    fn reported(language: Language, hours: Option<f64>) -> EmailMessage {
        EmailMessage::AbsenceReported {
            to: "verzuim@employer.test".into(),
            language,
            employer_name: "Bakkerij de Vries".into(),
            personnel_number: Some("P-0042".into()),
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
        }
    }

    #[test]
    fn the_sick_report_email_names_employer_personnel_number_and_the_lawful_fields_given() {
        let templates = Templates::new().unwrap();
        let rendered = templates
            .render(&reported(Language::Nl, Some(7.25)))
            .unwrap();
        assert_eq!(rendered.subject, "Nieuwe ziekmelding");
        assert!(rendered
            .text
            .contains("Jan <Jansen> van Bakkerij de Vries is ziek gemeld."));
        assert!(rendered.html.contains("Jan &lt;Jansen&gt;"));
        for body in [&rendered.text, &rendered.html] {
            for given in [
                "Bakkerij de Vries",
                "P-0042",
                "24 november 2026",
                "de werkgever",
                "7,25",
                "+31 6 12345678",
                "tot 2 weken",
                "vangnetregeling",
                "regres",
            ] {
                assert!(body.contains(given), "{given} in {body}");
            }
            // Not given, so not shown; and no link, because neither recipient has a portal.
            for absent in [
                "Verpleegadres",
                "arbeidsongeval",
                "href=",
                "http://",
                "https://",
            ] {
                assert!(!body.contains(absent), "{absent} in {body}");
            }
        }
        build_message(rendered, "Verzuim <no-reply@verzuim.test>", "abc").unwrap();
        // Zero hours worked is shown, not dropped.
        let rendered = templates
            .render(&reported(Language::Nl, Some(0.0)))
            .unwrap();
        assert!(
            rendered.text.contains("eerste ziektedag: 0\n"),
            "{}",
            rendered.text
        );
    }

    #[test]
    fn the_sick_report_email_is_in_english_when_the_employer_chose_it() {
        let templates = Templates::new().unwrap();
        let rendered = templates
            .render(&reported(Language::En, Some(7.25)))
            .unwrap();
        assert_eq!(rendered.subject, "New sick report");
        for body in [&rendered.text, &rendered.html] {
            for given in [
                "Personnel number",
                "P-0042",
                "24 November 2026",
                "the employer",
                "7.25",
                "Phone number during the absence",
            ] {
                assert!(body.contains(given), "{given} in {body}");
            }
            assert!(!body.contains("Eerste ziektedag"), "{body}");
        }
    }

    #[test]
    fn the_recovery_email_names_employer_personnel_number_and_who_reported_it() {
        let templates = Templates::new().unwrap();
        for (language, subject, expected) in [
            (
                Language::Nl,
                "Herstelmelding",
                "Hersteld per: 1 december 2026",
            ),
            (
                Language::En,
                "Recovery report",
                "Recovered as of: 1 December 2026",
            ),
        ] {
            let recovered = EmailMessage::AbsenceRecovered {
                to: "arbo@arbodienst.test".into(),
                language,
                employer_name: "Bakkerij de Vries".into(),
                personnel_number: None,
                employee_name: "Jan Jansen".into(),
                first_sick_day: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                recovered_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                reported_by: "employee".into(),
            };
            let rendered = templates.render(&recovered).unwrap();
            assert_eq!(rendered.subject, subject);
            assert!(rendered.text.contains(expected), "{}", rendered.text);
            assert!(rendered.text.contains("Bakkerij de Vries"));
            assert!(
                !rendered.text.contains("ersoneel"),
                "no number given, none shown"
            );
            assert!(!rendered.html.contains("href="));
        }
    }

    /// A message queued by the previous version (without the new fields, with a link) still
    /// renders after an upgrade: nothing in the outbox is lost.
    #[test]
    fn a_sick_report_queued_before_the_upgrade_still_renders() {
        let queued = r#"{"template":"absence_reported","to":"hr@employer.test","employee_name":"Jan Jansen","first_sick_day":"2026-11-24","hours_worked_first_day":null,"phone":null,"care_address":null,"expected_duration":null,"safety_net":null,"occupational_accident":null,"third_party_accident":null,"reported_by":"employee","portal_url":"http://localhost:8080/"}"#;
        let message: EmailMessage = serde_json::from_str(queued).unwrap();
        let rendered = Templates::new().unwrap().render(&message).unwrap();
        assert!(rendered.text.contains("Jan Jansen"), "{}", rendered.text);
    }
}
