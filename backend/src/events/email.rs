//! E-mails as data: what the rest of the app enqueues ([`enqueue_email`]), and how the worker
//! turns a queued message into a multipart text + HTML e-mail from the templates in
//! `backend/templates/email/` (embedded in the binary, so it runs from any directory).
//!
//! No e-mail ever says anything medical: the templates only invite, and reset passwords.

use chrono::{Datelike, NaiveDate};
use lettre::message::{header, Mailbox, MultiPart, SinglePart};
use minijinja::{context, AutoEscape, Environment};

use crate::db::DbConnection;
use crate::domain::Language;
use crate::error::ApiError;
use crate::events::outbox;

/// An e-mail to send, as data: the worker renders it from templates in `language` when it
/// delivers it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum EmailMessage {
    Invitation {
        to: String,
        language: Language,
        first_name: String,
        employer_name: String,
        activation_url: String,
        expires_on: NaiveDate,
    },
    PasswordReset {
        to: String,
        language: Language,
        first_name: String,
        reset_url: String,
        valid_minutes: i64,
        /// Sent by the move to one login per address: this account's password was replaced
        /// by that of the address's other, more recently used account.
        #[serde(default)]
        logins_merged: bool,
    },
    /// The employer changed the address of an active employee: to the new address, the link
    /// that moves the login there.
    EmailChangeConfirmation {
        to: String,
        language: Language,
        first_name: String,
        employer_name: String,
        confirm_url: String,
        valid_hours: i64,
    },
    /// The same change, told to the old address (the login's until the new one is confirmed).
    EmailChangeNotice {
        to: String,
        language: Language,
        first_name: String,
        employer_name: String,
        portal_url: String,
    },
    /// The employer removed the employee's second factors (a lost phone); the next login asks
    /// to set one up again.
    MfaReset {
        to: String,
        language: Language,
        first_name: String,
        employer_name: String,
        portal_url: String,
    },
    /// A new sick report, to the employer's absence address and the arbodienst, in the
    /// employer's notification language. Only the fields an employer may lawfully ask for,
    /// never anything medical; enough for a case manager to act on the e-mail alone. No link:
    /// neither recipient has a portal to open.
    AbsenceReported {
        to: String,
        // Defaults: messages queued before these fields existed still render (in Dutch).
        #[serde(default)]
        language: Language,
        #[serde(default)]
        employer_name: String,
        /// The employer's own number for the employee (`external_id`).
        #[serde(default)]
        personnel_number: Option<String>,
        employee_name: String,
        first_sick_day: NaiveDate,
        hours_worked_first_day: Option<f64>,
        phone: Option<String>,
        care_address: Option<String>,
        /// The label of the expected duration class, in the message's language.
        expected_duration: Option<String>,
        safety_net: Option<bool>,
        occupational_accident: Option<bool>,
        third_party_accident: Option<bool>,
        /// `employee` or `employer`.
        reported_by: String,
    },
    /// A recovery, to the same recipients as the sick report, in the same way.
    AbsenceRecovered {
        to: String,
        #[serde(default)]
        language: Language,
        #[serde(default)]
        employer_name: String,
        #[serde(default)]
        personnel_number: Option<String>,
        employee_name: String,
        first_sick_day: NaiveDate,
        recovered_on: NaiveDate,
        /// `employee` or `employer`; empty in messages queued before it was kept.
        #[serde(default)]
        reported_by: String,
    },
    /// The employee answered a document that asked for it, to the employer's absence address
    /// and the arbodienst: whether they agree and whether they gave their own view — not the
    /// view itself, which is read through the API (`GET /documents/{id}/responses`).
    DocumentResponded {
        to: String,
        language: Language,
        employer_name: String,
        personnel_number: Option<String>,
        employee_name: String,
        /// The category of the document answered (`plan_of_action`, …).
        category: String,
        document_date: NaiveDate,
        document_id: String,
        agreed: bool,
        with_own_view: bool,
    },
    /// A document was made visible in the employee's dossier. Carries only a link to the
    /// dossier: never the document, never its title (which could be medical).
    DocumentPublished {
        to: String,
        language: Language,
        first_name: String,
        portal_url: String,
    },
}

impl EmailMessage {
    /// The template name, also the outbox row's `kind`.
    pub fn template(&self) -> &'static str {
        match self {
            EmailMessage::Invitation { .. } => "invitation",
            EmailMessage::PasswordReset { .. } => "password_reset",
            EmailMessage::EmailChangeConfirmation { .. } => "email_change_confirmation",
            EmailMessage::EmailChangeNotice { .. } => "email_change_notice",
            EmailMessage::MfaReset { .. } => "mfa_reset",
            EmailMessage::AbsenceReported { .. } => "absence_reported",
            EmailMessage::AbsenceRecovered { .. } => "absence_recovered",
            EmailMessage::DocumentPublished { .. } => "document_published",
            EmailMessage::DocumentResponded { .. } => "document_responded",
        }
    }

    pub fn to(&self) -> &str {
        match self {
            EmailMessage::Invitation { to, .. }
            | EmailMessage::PasswordReset { to, .. }
            | EmailMessage::EmailChangeConfirmation { to, .. }
            | EmailMessage::EmailChangeNotice { to, .. }
            | EmailMessage::MfaReset { to, .. }
            | EmailMessage::AbsenceReported { to, .. }
            | EmailMessage::AbsenceRecovered { to, .. }
            | EmailMessage::DocumentPublished { to, .. }
            | EmailMessage::DocumentResponded { to, .. } => to,
        }
    }

    pub fn language(&self) -> Language {
        match self {
            EmailMessage::Invitation { language, .. }
            | EmailMessage::PasswordReset { language, .. }
            | EmailMessage::EmailChangeConfirmation { language, .. }
            | EmailMessage::EmailChangeNotice { language, .. }
            | EmailMessage::MfaReset { language, .. }
            | EmailMessage::AbsenceReported { language, .. }
            | EmailMessage::AbsenceRecovered { language, .. }
            | EmailMessage::DocumentPublished { language, .. }
            | EmailMessage::DocumentResponded { language, .. } => *language,
        }
    }

    /// The page the message links to, where its recipient can open one.
    fn link(&self) -> Option<&str> {
        match self {
            EmailMessage::Invitation { activation_url, .. } => Some(activation_url),
            EmailMessage::PasswordReset { reset_url, .. } => Some(reset_url),
            EmailMessage::EmailChangeConfirmation { confirm_url, .. } => Some(confirm_url),
            EmailMessage::EmailChangeNotice { portal_url, .. }
            | EmailMessage::MfaReset { portal_url, .. }
            | EmailMessage::DocumentPublished { portal_url, .. } => Some(portal_url),
            EmailMessage::AbsenceReported { .. }
            | EmailMessage::AbsenceRecovered { .. }
            | EmailMessage::DocumentResponded { .. } => None,
        }
    }

    pub fn subject(&self) -> &'static str {
        match (self, self.language()) {
            (EmailMessage::Invitation { .. }, Language::Nl) => "Activeer je account bij Verzuim",
            (EmailMessage::Invitation { .. }, Language::En) => "Activate your Verzuim account",
            (EmailMessage::PasswordReset { .. }, Language::Nl) => "Nieuw wachtwoord instellen",
            (EmailMessage::PasswordReset { .. }, Language::En) => "Set a new password",
            (EmailMessage::EmailChangeConfirmation { .. }, Language::Nl) => {
                "Bevestig je nieuwe e-mailadres"
            }
            (EmailMessage::EmailChangeConfirmation { .. }, Language::En) => {
                "Confirm your new e-mail address"
            }
            (EmailMessage::EmailChangeNotice { .. }, Language::Nl) => {
                "Je e-mailadres bij Verzuim wordt gewijzigd"
            }
            (EmailMessage::EmailChangeNotice { .. }, Language::En) => {
                "Your e-mail address at Verzuim is being changed"
            }
            (EmailMessage::MfaReset { .. }, Language::Nl) => {
                "Je inloggen in twee stappen is gewist"
            }
            (EmailMessage::MfaReset { .. }, Language::En) => "Your two-step login was reset",
            (EmailMessage::AbsenceReported { .. }, Language::Nl) => "Nieuwe ziekmelding",
            (EmailMessage::AbsenceReported { .. }, Language::En) => "New sick report",
            (EmailMessage::AbsenceRecovered { .. }, Language::Nl) => "Herstelmelding",
            (EmailMessage::AbsenceRecovered { .. }, Language::En) => "Recovery report",
            (EmailMessage::DocumentPublished { .. }, Language::Nl) => {
                "Nieuw document in je dossier"
            }
            (EmailMessage::DocumentPublished { .. }, Language::En) => {
                "New document in your dossier"
            }
            (EmailMessage::DocumentResponded { .. }, Language::Nl) => {
                "Reactie van een medewerker op een document"
            }
            (EmailMessage::DocumentResponded { .. }, Language::En) => {
                "An employee answered a document"
            }
        }
    }

    /// What the outbox keeps once the message is delivered (or given up): the links carry
    /// one-time tokens that must otherwise exist only as hashes, so everything but the template
    /// name and the recipient is dropped.
    pub fn redacted_payload(template: &str, to: &str) -> String {
        serde_json::json!({ "template": template, "to": to, "redacted": true }).to_string()
    }
}

/// Writes the message to the outbox on `conn`; call it inside the transaction of the change
/// that causes the e-mail, so both commit or neither does.
///
/// The message is checked here (recipient address, absolute http(s) link) so that a bad one
/// fails the caller's transaction instead of sitting in the outbox.
pub fn enqueue_email(conn: &mut DbConnection, message: &EmailMessage) -> Result<(), ApiError> {
    message
        .to()
        .parse::<lettre::Address>()
        .map_err(|e| ApiError::internal(anyhow::anyhow!("e-mail recipient is invalid: {e}")))?;
    if let Some(link) = message.link() {
        let link = url::Url::parse(link)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("e-mail link is not absolute: {e}")))?;
        if !matches!(link.scheme(), "http" | "https") {
            return Err(ApiError::internal(anyhow::anyhow!(
                "e-mail link must be http(s)"
            )));
        }
    }
    let payload = serde_json::to_string(message)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("cannot serialise e-mail: {e}")))?;
    outbox::enqueue(conn, outbox::EMAIL, message.template(), &payload)?;
    Ok(())
}

/// The embedded templates, compiled once when the worker starts.
pub struct Templates {
    env: Environment<'static>,
}

const TEMPLATES: &[(&str, &str)] = &[
    (
        "email/layout.html",
        include_str!("../../templates/email/layout.html"),
    ),
    (
        "email/invitation.nl.txt",
        include_str!("../../templates/email/invitation.nl.txt"),
    ),
    (
        "email/invitation.nl.html",
        include_str!("../../templates/email/invitation.nl.html"),
    ),
    (
        "email/invitation.en.txt",
        include_str!("../../templates/email/invitation.en.txt"),
    ),
    (
        "email/invitation.en.html",
        include_str!("../../templates/email/invitation.en.html"),
    ),
    (
        "email/password_reset.nl.txt",
        include_str!("../../templates/email/password_reset.nl.txt"),
    ),
    (
        "email/password_reset.nl.html",
        include_str!("../../templates/email/password_reset.nl.html"),
    ),
    (
        "email/password_reset.en.txt",
        include_str!("../../templates/email/password_reset.en.txt"),
    ),
    (
        "email/password_reset.en.html",
        include_str!("../../templates/email/password_reset.en.html"),
    ),
    (
        "email/email_change_confirmation.nl.txt",
        include_str!("../../templates/email/email_change_confirmation.nl.txt"),
    ),
    (
        "email/email_change_confirmation.nl.html",
        include_str!("../../templates/email/email_change_confirmation.nl.html"),
    ),
    (
        "email/email_change_confirmation.en.txt",
        include_str!("../../templates/email/email_change_confirmation.en.txt"),
    ),
    (
        "email/email_change_confirmation.en.html",
        include_str!("../../templates/email/email_change_confirmation.en.html"),
    ),
    (
        "email/email_change_notice.nl.txt",
        include_str!("../../templates/email/email_change_notice.nl.txt"),
    ),
    (
        "email/email_change_notice.nl.html",
        include_str!("../../templates/email/email_change_notice.nl.html"),
    ),
    (
        "email/email_change_notice.en.txt",
        include_str!("../../templates/email/email_change_notice.en.txt"),
    ),
    (
        "email/email_change_notice.en.html",
        include_str!("../../templates/email/email_change_notice.en.html"),
    ),
    (
        "email/mfa_reset.nl.txt",
        include_str!("../../templates/email/mfa_reset.nl.txt"),
    ),
    (
        "email/mfa_reset.nl.html",
        include_str!("../../templates/email/mfa_reset.nl.html"),
    ),
    (
        "email/mfa_reset.en.txt",
        include_str!("../../templates/email/mfa_reset.en.txt"),
    ),
    (
        "email/mfa_reset.en.html",
        include_str!("../../templates/email/mfa_reset.en.html"),
    ),
    (
        "email/absence_reported.nl.txt",
        include_str!("../../templates/email/absence_reported.nl.txt"),
    ),
    (
        "email/absence_reported.nl.html",
        include_str!("../../templates/email/absence_reported.nl.html"),
    ),
    (
        "email/absence_recovered.nl.txt",
        include_str!("../../templates/email/absence_recovered.nl.txt"),
    ),
    (
        "email/absence_recovered.nl.html",
        include_str!("../../templates/email/absence_recovered.nl.html"),
    ),
    (
        "email/absence_reported.en.txt",
        include_str!("../../templates/email/absence_reported.en.txt"),
    ),
    (
        "email/absence_reported.en.html",
        include_str!("../../templates/email/absence_reported.en.html"),
    ),
    (
        "email/absence_recovered.en.txt",
        include_str!("../../templates/email/absence_recovered.en.txt"),
    ),
    (
        "email/absence_recovered.en.html",
        include_str!("../../templates/email/absence_recovered.en.html"),
    ),
    (
        "email/document_responded.nl.txt",
        include_str!("../../templates/email/document_responded.nl.txt"),
    ),
    (
        "email/document_responded.nl.html",
        include_str!("../../templates/email/document_responded.nl.html"),
    ),
    (
        "email/document_responded.en.txt",
        include_str!("../../templates/email/document_responded.en.txt"),
    ),
    (
        "email/document_responded.en.html",
        include_str!("../../templates/email/document_responded.en.html"),
    ),
    (
        "email/document_published.nl.txt",
        include_str!("../../templates/email/document_published.nl.txt"),
    ),
    (
        "email/document_published.nl.html",
        include_str!("../../templates/email/document_published.nl.html"),
    ),
    (
        "email/document_published.en.txt",
        include_str!("../../templates/email/document_published.en.txt"),
    ),
    (
        "email/document_published.en.html",
        include_str!("../../templates/email/document_published.en.html"),
    ),
];

/// A message rendered in its recipient's language.
#[derive(Debug, Clone)]
pub struct RenderedEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        // `.html` templates are HTML-escaped, `.txt` ones are not (minijinja's default by name).
        // The HTML escaping is the minimal one, so links stay readable (`/` is not escaped).
        env.set_formatter(
            |out, state, value| match (state.auto_escape(), value.as_str()) {
                (AutoEscape::Html, Some(text)) if !value.is_safe() => {
                    out.write_str(&escape_html(text))?;
                    Ok(())
                }
                _ => minijinja::escape_formatter(out, state, value),
            },
        );
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Templates { env })
    }

    pub fn render(&self, message: &EmailMessage) -> Result<RenderedEmail, minijinja::Error> {
        let language = message.language();
        let subject = message.subject();
        let values = match message {
            EmailMessage::Invitation {
                first_name,
                employer_name,
                activation_url,
                expires_on,
                ..
            } => context! {
                first_name,
                employer_name,
                activation_url,
                expires_on => long_date(*expires_on, language),
            },
            EmailMessage::PasswordReset {
                first_name,
                reset_url,
                valid_minutes,
                logins_merged,
                ..
            } => context! { first_name, reset_url, valid_minutes, logins_merged },
            EmailMessage::EmailChangeConfirmation {
                first_name,
                employer_name,
                confirm_url,
                valid_hours,
                ..
            } => context! { first_name, employer_name, confirm_url, valid_hours },
            EmailMessage::EmailChangeNotice {
                first_name,
                employer_name,
                portal_url,
                ..
            }
            | EmailMessage::MfaReset {
                first_name,
                employer_name,
                portal_url,
                ..
            } => context! { first_name, employer_name, portal_url },
            EmailMessage::AbsenceReported {
                employer_name,
                personnel_number,
                employee_name,
                first_sick_day,
                hours_worked_first_day,
                phone,
                care_address,
                expected_duration,
                safety_net,
                occupational_accident,
                third_party_accident,
                reported_by,
                ..
            } => context! {
                employer_name,
                personnel_number,
                employee_name,
                first_sick_day => long_date(*first_sick_day, language),
                hours_worked => hours_worked_first_day.map(|h| dutch_hours(h, language)),
                phone,
                care_address,
                expected_duration,
                safety_net => safety_net.map(|b| yes_no(b, language)),
                occupational_accident => occupational_accident.map(|b| yes_no(b, language)),
                third_party_accident => third_party_accident.map(|b| yes_no(b, language)),
                reported_by,
            },
            EmailMessage::AbsenceRecovered {
                employer_name,
                personnel_number,
                employee_name,
                first_sick_day,
                recovered_on,
                reported_by,
                ..
            } => context! {
                employer_name,
                personnel_number,
                employee_name,
                first_sick_day => long_date(*first_sick_day, language),
                recovered_on => long_date(*recovered_on, language),
                reported_by,
            },
            EmailMessage::DocumentPublished {
                first_name,
                portal_url,
                ..
            } => context! { first_name, portal_url },
            EmailMessage::DocumentResponded {
                employer_name,
                personnel_number,
                employee_name,
                category,
                document_date,
                document_id,
                agreed,
                with_own_view,
                ..
            } => context! {
                employer_name,
                personnel_number,
                employee_name,
                category => category_label(category, language),
                document_date => long_date(*document_date, language),
                document_id,
                agreed,
                with_own_view,
            },
        };
        let values = context! { lang => language.as_str(), subject, ..values };
        let name = format!("email/{}.{}", message.template(), language.as_str());
        let text = self
            .env
            .get_template(&format!("{name}.txt"))?
            .render(&values)?;
        let html = self
            .env
            .get_template(&format!("{name}.html"))?
            .render(&values)?;
        Ok(RenderedEmail {
            to: message.to().to_string(),
            subject: subject.to_string(),
            text,
            html,
        })
    }
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A document category as the answer e-mail names it.
fn category_label(category: &str, language: Language) -> &'static str {
    match (category, language) {
        ("plan_of_action", Language::Nl) => "plan van aanpak",
        ("plan_of_action", Language::En) => "plan of action",
        ("evaluation", Language::Nl) => "evaluatie",
        ("evaluation", Language::En) => "evaluation",
        ("first_year_evaluation", Language::Nl) => "eerstejaarsevaluatie",
        ("first_year_evaluation", Language::En) => "first-year evaluation",
        ("reintegration_report", Language::Nl) => "re-integratieverslag",
        ("reintegration_report", Language::En) => "re-integration report",
        (_, Language::Nl) => "document",
        (_, Language::En) => "document",
    }
}

/// `7,25` / `7.25` (whole hours without decimals).
fn dutch_hours(hours: f64, language: Language) -> String {
    let text = if hours.fract() == 0.0 {
        format!("{hours:.0}")
    } else {
        format!("{hours}")
    };
    match language {
        Language::Nl => text.replace('.', ","),
        Language::En => text,
    }
}

fn yes_no(value: bool, language: Language) -> &'static str {
    match (value, language) {
        (true, Language::Nl) => "ja",
        (false, Language::Nl) => "nee",
        (true, Language::En) => "yes",
        (false, Language::En) => "no",
    }
}

/// `9 december 2026` / `9 December 2026`.
fn long_date(date: NaiveDate, language: Language) -> String {
    const NL: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let months = match language {
        Language::Nl => NL,
        Language::En => EN,
    };
    let month = months[date.month0() as usize % 12];
    format!("{} {month} {}", date.day(), date.year())
}

/// A multipart/alternative e-mail (text first, HTML preferred) with a Message-ID that stays the
/// same on every retry of the same delivery, so a receiver can tell a repeat from a new message.
pub fn build_message(
    rendered: RenderedEmail,
    from: &str,
    delivery_id: &str,
) -> Result<lettre::Message, anyhow::Error> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| anyhow::anyhow!("VERZUIM_MAIL_FROM is not a mailbox: {e}"))?;
    let to: Mailbox = rendered
        .to
        .parse()
        .map_err(|e| anyhow::anyhow!("recipient is not a mailbox: {e}"))?;
    let domain = from.email.domain().to_string();
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(format!("<{delivery_id}@{domain}>")))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_PLAIN)
                        .body(rendered.text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_HTML)
                        .body(rendered.html),
                ),
        )
        .map_err(|e| anyhow::anyhow!("cannot build e-mail: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(language: Language) -> EmailMessage {
        EmailMessage::Invitation {
            to: "jan@example.test".into(),
            language,
            first_name: "Jan <b>".into(),
            employer_name: "Bakkerij & Zn".into(),
            activation_url: "https://verzuim.test/activate/tok?a=1&b=2".into(),
            expires_on: NaiveDate::from_ymd_opt(2026, 12, 9).unwrap(),
        }
    }

    #[test]
    fn every_message_renders_in_both_languages() {
        let templates = Templates::new().unwrap();
        for language in [Language::Nl, Language::En] {
            let reset = EmailMessage::PasswordReset {
                to: "jan@example.test".into(),
                language,
                first_name: "Jan".into(),
                reset_url: "https://verzuim.test/reset/tok".into(),
                valid_minutes: 60,
                logins_merged: language == Language::En,
            };
            let confirmation = EmailMessage::EmailChangeConfirmation {
                to: "nieuw@example.test".into(),
                language,
                first_name: "Jan".into(),
                employer_name: "Bakkerij".into(),
                confirm_url: "https://verzuim.test/confirm-email/tok".into(),
                valid_hours: 24,
            };
            let notice = EmailMessage::EmailChangeNotice {
                to: "oud@example.test".into(),
                language,
                first_name: "Jan".into(),
                employer_name: "Bakkerij".into(),
                portal_url: "https://verzuim.test/".into(),
            };
            let mfa_reset = EmailMessage::MfaReset {
                to: "jan@example.test".into(),
                language,
                first_name: "Jan".into(),
                employer_name: "Bakkerij".into(),
                portal_url: "https://verzuim.test/".into(),
            };
            for message in [invitation(language), reset, confirmation, notice, mfa_reset] {
                let rendered = templates.render(&message).unwrap();
                assert!(rendered.text.contains("Jan"), "{}", rendered.text);
                assert!(rendered.text.contains("https://verzuim.test/"));
                assert!(rendered.html.contains("<a href=\"https://verzuim.test/"));
                assert!(rendered
                    .html
                    .contains(&format!("lang=\"{}\"", language.as_str())));
                build_message(rendered, "Verzuim <no-reply@verzuim.test>", "abc").unwrap();
            }
        }
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let rendered = Templates::new()
            .unwrap()
            .render(&invitation(Language::Nl))
            .unwrap();
        assert!(rendered.html.contains("Jan &lt;b&gt;"));
        assert!(rendered.html.contains("Bakkerij &amp; Zn"));
        assert!(rendered
            .html
            .contains("href=\"https://verzuim.test/activate/tok?a=1&amp;b=2\""));
        assert!(rendered.text.contains("Bakkerij & Zn"));
        assert!(rendered.text.contains("tot en met 9 december 2026"));
        assert_eq!(rendered.subject, "Activeer je account bij Verzuim");
    }

    #[test]
    fn redacted_payload_keeps_only_template_and_recipient() {
        let redacted: serde_json::Value =
            serde_json::from_str(&EmailMessage::redacted_payload("invitation", "a@b.test"))
                .unwrap();
        assert_eq!(
            redacted,
            serde_json::json!({"template": "invitation", "to": "a@b.test", "redacted": true})
        );
    }
}
