//! What callers send, and the parsed values the rest of the module works with: once a
//! [`SickReport`] (or [`Recovery`], [`PartialRecoveryReport`], [`CorrectionInput`]) exists, it
//! is valid. Every problem of a request is reported at once, one entry per field.
//!
//! There is no field for a diagnosis, the nature or the cause of an illness, and unknown
//! fields are refused, so such data cannot be sent in by accident.

use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Language;
use crate::error::{ApiError, FieldError};

/// How far back a first sick day may lie (SPEC §2.6).
pub const REPORT_WINDOW_DAYS: i64 = 14;
/// How far ahead a recovery date may lie (SPEC §2.7).
pub const RECOVERY_AHEAD_DAYS: i64 = 14;
/// A report whose first sick day lies within this many days of the previous absence's
/// recovery date is a linked spell (SPEC §2.6: "within 4 weeks").
pub const LINK_WINDOW_DAYS: i64 = 28;

const PHONE_MAX: usize = 40;
const CARE_ADDRESS_MAX: usize = 300;
const REASON_MAX: usize = 1000;

/// How long the employee expects to be absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ExpectedDuration {
    #[serde(rename = "up_to_1_week")]
    UpTo1Week,
    #[serde(rename = "up_to_2_weeks")]
    UpTo2Weeks,
    #[serde(rename = "up_to_6_weeks")]
    UpTo6Weeks,
    #[serde(rename = "longer_than_6_weeks")]
    LongerThan6Weeks,
    #[serde(rename = "unknown")]
    Unknown,
}

impl ExpectedDuration {
    pub const ALL: [ExpectedDuration; 5] = [
        ExpectedDuration::UpTo1Week,
        ExpectedDuration::UpTo2Weeks,
        ExpectedDuration::UpTo6Weeks,
        ExpectedDuration::LongerThan6Weeks,
        ExpectedDuration::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExpectedDuration::UpTo1Week => "up_to_1_week",
            ExpectedDuration::UpTo2Weeks => "up_to_2_weeks",
            ExpectedDuration::UpTo6Weeks => "up_to_6_weeks",
            ExpectedDuration::LongerThan6Weeks => "longer_than_6_weeks",
            ExpectedDuration::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// The label used in e-mails to the employer and the arbodienst.
    pub fn label(self, language: Language) -> &'static str {
        match language {
            Language::Nl => self.label_nl(),
            Language::En => match self {
                ExpectedDuration::UpTo1Week => "up to 1 week",
                ExpectedDuration::UpTo2Weeks => "up to 2 weeks",
                ExpectedDuration::UpTo6Weeks => "up to 6 weeks",
                ExpectedDuration::LongerThan6Weeks => "longer than 6 weeks",
                ExpectedDuration::Unknown => "unknown",
            },
        }
    }

    fn label_nl(self) -> &'static str {
        match self {
            ExpectedDuration::UpTo1Week => "tot 1 week",
            ExpectedDuration::UpTo2Weeks => "tot 2 weken",
            ExpectedDuration::UpTo6Weeks => "tot 6 weken",
            ExpectedDuration::LongerThan6Weeks => "langer dan 6 weken",
            ExpectedDuration::Unknown => "onbekend",
        }
    }
}

/// A sick report as sent by the employee (or by the employer on the employee's behalf).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SickReportRequest {
    /// Today, or up to 14 days back; never in the future.
    #[schema(required = true, value_type = String, format = Date, example = "2026-11-24")]
    pub first_sick_day: Option<String>,
    /// Hours worked on the first sick day: 0–24 in steps of 0.25.
    #[schema(minimum = 0, maximum = 24, multiple_of = 0.25, example = 2.5)]
    pub hours_worked_first_day: Option<f64>,
    /// A phone number where the employee can be reached during the absence.
    #[schema(max_length = 40, example = "+31 6 12345678")]
    pub phone: Option<String>,
    /// Where the employee is cared for, when that is not the home address.
    #[schema(max_length = 300)]
    pub care_address: Option<String>,
    #[schema(value_type = Option<ExpectedDuration>)]
    pub expected_duration: Option<String>,
    /// The absence falls under a safety-net provision of the Sickness Benefits Act (never which
    /// one).
    pub safety_net: Option<bool>,
    /// The absence follows an occupational accident.
    pub occupational_accident: Option<bool>,
    /// The absence follows an accident caused by a third party (for recourse).
    pub third_party_accident: Option<bool>,
}

/// A valid sick report.
#[derive(Debug, Clone, PartialEq)]
pub struct SickReport {
    pub first_sick_day: NaiveDate,
    pub hours_worked: Option<QuarterHours>,
    pub phone: Option<String>,
    pub care_address: Option<String>,
    pub expected_duration: Option<ExpectedDuration>,
    pub safety_net: Option<bool>,
    pub occupational_accident: Option<bool>,
    pub third_party_accident: Option<bool>,
}

/// Hours in quarter-hour steps, 0–24, stored as a whole number of quarters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuarterHours(i32);

impl QuarterHours {
    pub fn parse(hours: f64) -> Result<Self, String> {
        if !hours.is_finite() || !(0.0..=24.0).contains(&hours) {
            return Err("must be between 0 and 24".into());
        }
        let quarters = hours * 4.0;
        if (quarters - quarters.round()).abs() > 1e-9 {
            return Err("must be in steps of 0.25 hours".into());
        }
        // In 0..=96 after the checks above, so the cast cannot truncate.
        Ok(QuarterHours(quarters.round() as i32))
    }

    pub fn from_quarters(quarters: i32) -> Self {
        QuarterHours(quarters)
    }

    pub fn quarters(self) -> i32 {
        self.0
    }

    pub fn hours(self) -> f64 {
        f64::from(self.0) / 4.0
    }
}

impl SickReport {
    /// Parses `request` as of `today`, listing every invalid field.
    pub fn parse(request: SickReportRequest, today: NaiveDate) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let first_sick_day = match request.first_sick_day.as_deref() {
            None => {
                errors.push(FieldError::new("first_sick_day", "is required"));
                None
            }
            Some(text) => match parse_date(text) {
                Err(message) => {
                    errors.push(FieldError::new("first_sick_day", message));
                    None
                }
                Ok(day) if day > today => {
                    errors.push(FieldError::new(
                        "first_sick_day",
                        "must not be in the future",
                    ));
                    None
                }
                Ok(day) if day < today - TimeDelta::days(REPORT_WINDOW_DAYS) => {
                    errors.push(FieldError::new(
                        "first_sick_day",
                        format!("must be at most {REPORT_WINDOW_DAYS} days ago"),
                    ));
                    None
                }
                Ok(day) => Some(day),
            },
        };
        let hours_worked = match request.hours_worked_first_day {
            None => None,
            Some(hours) => match QuarterHours::parse(hours) {
                Ok(h) => Some(h),
                Err(message) => {
                    errors.push(FieldError::new("hours_worked_first_day", message));
                    None
                }
            },
        };
        let phone = optional_text(request.phone, "phone", PHONE_MAX, &mut errors);
        if let Some(phone) = &phone {
            let allowed = |c: char| c.is_ascii_digit() || " +-()./".contains(c);
            if !phone.chars().all(allowed) || !phone.chars().any(|c| c.is_ascii_digit()) {
                errors.push(FieldError::new(
                    "phone",
                    "must be a phone number: digits, spaces and + - ( ) only",
                ));
            }
        }
        let care_address = optional_text(
            request.care_address,
            "care_address",
            CARE_ADDRESS_MAX,
            &mut errors,
        );
        let expected_duration = match request.expected_duration.as_deref() {
            None => None,
            Some(text) => match ExpectedDuration::parse(text.trim()) {
                Some(d) => Some(d),
                None => {
                    let names: Vec<&str> =
                        ExpectedDuration::ALL.iter().map(|d| d.as_str()).collect();
                    errors.push(FieldError::new(
                        "expected_duration",
                        format!("must be one of {}", names.join(", ")),
                    ));
                    None
                }
            },
        };
        match first_sick_day {
            Some(first_sick_day) if errors.is_empty() => Ok(SickReport {
                first_sick_day,
                hours_worked,
                phone,
                care_address,
                expected_duration,
                safety_net: request.safety_net,
                occupational_accident: request.occupational_accident,
                third_party_accident: request.third_party_accident,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

/// `{recovered_on}`: the date the employee is fully back at work.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRequest {
    /// Not before the first sick day, at most 14 days from today.
    #[schema(required = true, value_type = String, format = Date, example = "2026-11-30")]
    pub recovered_on: Option<String>,
}

/// A valid recovery date for one absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recovery {
    pub recovered_on: NaiveDate,
}

impl Recovery {
    pub fn parse(
        request: RecoveryRequest,
        first_sick_day: NaiveDate,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let recovered_on = match request.recovered_on.as_deref() {
            None => Err("is required".to_string()),
            Some(text) => parse_date(text)
                .and_then(|date| check_from_date(date, first_sick_day, today).map(|_| date)),
        }
        .map_err(|message| ApiError::invalid("recovered_on", message))?;
        Ok(Recovery { recovered_on })
    }
}

/// `{from, percentage}`: working again for a percentage of the contract from a date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartialRecoveryRequest {
    /// Not before the first sick day, at most 14 days from today.
    #[schema(required = true, value_type = String, format = Date, example = "2026-11-30")]
    pub from: Option<String>,
    /// Percentage of the contract worked again, 1–99.
    #[schema(required = true, minimum = 1, maximum = 99, example = 50)]
    pub percentage: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialRecoveryReport {
    pub from: NaiveDate,
    pub percentage: i32,
}

impl PartialRecoveryReport {
    pub fn parse(
        request: PartialRecoveryRequest,
        first_sick_day: NaiveDate,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let from = match request.from.as_deref() {
            None => Err("is required".to_string()),
            Some(text) => parse_date(text)
                .and_then(|date| check_from_date(date, first_sick_day, today).map(|_| date)),
        }
        .map_err(|message| errors.push(FieldError::new("from", message)))
        .ok();
        let percentage = match request.percentage {
            None => Err("is required".to_string()),
            Some(p) if (1..=99).contains(&p) => Ok(i32::try_from(p).unwrap_or(0)),
            Some(_) => Err("must be between 1 and 99".to_string()),
        }
        .map_err(|message| errors.push(FieldError::new("percentage", message)))
        .ok();
        match (from, percentage) {
            (Some(from), Some(percentage)) => Ok(PartialRecoveryReport { from, percentage }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

/// `PATCH /absences/{id}`: the employer corrects dates, and says why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    /// The corrected first sick day; not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    pub first_sick_day: Option<String>,
    /// The corrected recovery date (recovered absences only); not before the first sick day,
    /// at most 14 days from today.
    #[schema(value_type = Option<String>, format = Date)]
    pub recovered_on: Option<String>,
    /// Why the dates are corrected; kept in the absence's correction history.
    #[schema(required = true, max_length = 1000)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionInput {
    pub first_sick_day: Option<NaiveDate>,
    pub recovered_on: Option<NaiveDate>,
    pub reason: String,
}

impl CorrectionInput {
    /// Parses the correction of an absence that now has `first_sick_day` and `recovered_on`
    /// (`None` while open) as of `today`; the dates after the correction must still be in order.
    pub fn parse(
        request: CorrectionRequest,
        current_first_sick_day: NaiveDate,
        current_recovered_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let reason = match request.reason.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("reason", "is required"));
                None
            }
            Some(text) if text.chars().count() > REASON_MAX => {
                errors.push(FieldError::new(
                    "reason",
                    format!("must be at most {REASON_MAX} characters"),
                ));
                None
            }
            Some(text) => Some(text.to_string()),
        };
        let first_sick_day = match request.first_sick_day.as_deref().map(parse_date) {
            None => None,
            Some(Err(message)) => {
                errors.push(FieldError::new("first_sick_day", message));
                None
            }
            Some(Ok(day)) if day > today => {
                errors.push(FieldError::new(
                    "first_sick_day",
                    "must not be in the future",
                ));
                None
            }
            Some(Ok(day)) => Some(day),
        };
        let recovered_on = match request.recovered_on.as_deref().map(parse_date) {
            None => None,
            Some(Err(message)) => {
                errors.push(FieldError::new("recovered_on", message));
                None
            }
            Some(Ok(_)) if current_recovered_on.is_none() => {
                errors.push(FieldError::new(
                    "recovered_on",
                    "the absence is open: report the recovery instead of correcting it",
                ));
                None
            }
            Some(Ok(day)) if day > today + TimeDelta::days(RECOVERY_AHEAD_DAYS) => {
                errors.push(FieldError::new(
                    "recovered_on",
                    format!("must be at most {RECOVERY_AHEAD_DAYS} days from today"),
                ));
                None
            }
            Some(Ok(day)) => Some(day),
        };
        if request.first_sick_day.is_none() && request.recovered_on.is_none() {
            errors.push(FieldError::new(
                "first_sick_day",
                "give first_sick_day, recovered_on or both",
            ));
        }
        if errors.is_empty() {
            let first = first_sick_day.unwrap_or(current_first_sick_day);
            if let Some(recovered) = recovered_on.or(current_recovered_on) {
                if recovered < first {
                    let field = if recovered_on.is_some() {
                        "recovered_on"
                    } else {
                        "first_sick_day"
                    };
                    errors.push(FieldError::new(
                        field,
                        "the recovery date must not be before the first sick day",
                    ));
                }
            }
        }
        match reason {
            Some(reason) if errors.is_empty() => Ok(CorrectionInput {
                first_sick_day,
                recovered_on,
                reason,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

/// `POST /absences/{id}/cancel`: the body may be left out.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why the report is withdrawn; kept in the correction history.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

impl CancelRequest {
    /// Parses an optional JSON body (empty means no reason).
    pub fn parse_body(body: &[u8]) -> Result<Option<String>, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        crate::web::input::refuse_control_characters_in_json(body)?;
        let request: CancelRequest = serde_json::from_slice(body).map_err(|e| {
            let message = e.to_string();
            let message = message
                .rfind(" at line ")
                .map_or(message.clone(), |at| message[..at].to_string());
            ApiError::invalid(
                if message.contains("unknown field") {
                    message.split('`').nth(1).unwrap_or("body").to_string()
                } else {
                    "body".to_string()
                },
                message.clone(),
            )
        })?;
        match request.reason.map(|r| r.trim().to_string()) {
            Some(r) if r.chars().count() > REASON_MAX => Err(ApiError::invalid(
                "reason",
                format!("must be at most {REASON_MAX} characters"),
            )),
            Some(r) if r.is_empty() => Ok(None),
            other => Ok(other),
        }
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| "must be a date written as YYYY-MM-DD".to_string())
}

/// A recovery (or partial recovery) date: not before the first sick day, at most
/// [`RECOVERY_AHEAD_DAYS`] from today.
fn check_from_date(
    date: NaiveDate,
    first_sick_day: NaiveDate,
    today: NaiveDate,
) -> Result<(), String> {
    if date < first_sick_day {
        Err(format!(
            "must not be before the first sick day ({first_sick_day})"
        ))
    } else if date > today + TimeDelta::days(RECOVERY_AHEAD_DAYS) {
        Err(format!(
            "must be at most {RECOVERY_AHEAD_DAYS} days from today"
        ))
    } else {
        Ok(())
    }
}

/// Trimmed; blank counts as not given; control characters (other than new lines) refused.
fn optional_text(
    value: Option<String>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let text = value?.trim().to_string();
    if text.is_empty() {
        return None;
    }
    if text.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
        return None;
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(FieldError::new(
            field,
            "must not contain control characters",
        ));
        return None;
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn quarter_hours() {
        assert_eq!(QuarterHours::parse(7.25).unwrap().quarters(), 29);
        assert_eq!(QuarterHours::parse(0.0).unwrap().quarters(), 0);
        assert_eq!(QuarterHours::parse(24.0).unwrap().quarters(), 96);
        assert!(QuarterHours::parse(7.3).is_err());
        assert!(QuarterHours::parse(0.3).is_err());
        assert!(QuarterHours::parse(25.0).is_err());
        assert!(QuarterHours::parse(-0.25).is_err());
        assert!(QuarterHours::parse(f64::NAN).is_err());
    }

    #[test]
    fn sick_report_window() {
        let today = day("2026-11-25");
        let report = |first: &str| {
            SickReport::parse(
                SickReportRequest {
                    first_sick_day: Some(first.into()),
                    ..Default::default()
                },
                today,
            )
        };
        assert!(report("2026-11-25").is_ok());
        assert!(report("2026-11-11").is_ok());
        assert_eq!(
            fields(report("2026-11-10").unwrap_err()),
            ["first_sick_day"]
        );
        assert_eq!(
            fields(report("2026-11-26").unwrap_err()),
            ["first_sick_day"]
        );
        assert_eq!(
            fields(report("25-11-2026").unwrap_err()),
            ["first_sick_day"]
        );
    }

    #[test]
    fn sick_report_lists_every_bad_field() {
        let error = SickReport::parse(
            SickReportRequest {
                first_sick_day: None,
                hours_worked_first_day: Some(25.0),
                phone: Some("call me".into()),
                expected_duration: Some("forever".into()),
                ..Default::default()
            },
            day("2026-11-25"),
        )
        .unwrap_err();
        assert_eq!(
            fields(error),
            [
                "first_sick_day",
                "hours_worked_first_day",
                "phone",
                "expected_duration"
            ]
        );
    }

    #[test]
    fn recovery_bounds() {
        let first = day("2026-11-20");
        let today = day("2026-11-25");
        let parse = |d: &str| {
            Recovery::parse(
                RecoveryRequest {
                    recovered_on: Some(d.into()),
                },
                first,
                today,
            )
        };
        assert!(parse("2026-11-20").is_ok());
        assert!(parse("2026-12-09").is_ok());
        assert!(parse("2026-12-10").is_err());
        assert!(parse("2026-11-19").is_err());
    }

    #[test]
    fn correction_keeps_dates_in_order() {
        let today = day("2026-11-25");
        let parse = |first: Option<&str>, recovered: Option<&str>, current: Option<&str>| {
            CorrectionInput::parse(
                CorrectionRequest {
                    first_sick_day: first.map(Into::into),
                    recovered_on: recovered.map(Into::into),
                    reason: Some("typo".into()),
                },
                day("2026-11-10"),
                current.map(day),
                today,
            )
        };
        assert!(parse(Some("2026-10-01"), None, None).is_ok());
        assert!(parse(Some("2026-11-21"), None, Some("2026-11-20")).is_err());
        assert!(parse(None, Some("2026-11-09"), Some("2026-11-20")).is_err());
        assert!(parse(None, Some("2026-11-12"), None).is_err());
        assert!(parse(None, None, None).is_err());
    }
}

/// The longest note on a recorded step, in characters.
pub const STEP_NOTE_MAX_CHARS: usize = 500;

/// `{done_on, note?}`: a Poortwachter step done outside the dossier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRecordRequest {
    /// When it was done: between the (linked) first sick day and today.
    #[schema(required = true, value_type = String, format = Date, example = "2026-11-30")]
    pub done_on: Option<String>,
    /// A work note (at most 500 characters), e.g. "gemeld via UWV werkgeversportaal". Never a
    /// diagnosis or anything about the nature of the illness.
    pub note: Option<String>,
}

/// A step record whose key names a step of the law and whose date and note are well formed;
/// the date's range is checked against the absence.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub key: String,
    pub done_on: NaiveDate,
    pub note: Option<String>,
}

impl StepRecord {
    pub fn parse(key: &str, request: StepRecordRequest) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        if !super::timeline::is_step(key) {
            errors.push(FieldError::new(
                "key",
                "is not a Poortwachter step (see the timeline's `key`s)",
            ));
        }
        let done_on = match request.done_on.as_deref() {
            None => Err("is required".to_string()),
            Some(text) => parse_date(text),
        }
        .map_err(|message| errors.push(FieldError::new("done_on", message)))
        .ok();
        let note = request
            .note
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        if note
            .as_ref()
            .is_some_and(|n| n.chars().count() > STEP_NOTE_MAX_CHARS)
        {
            errors.push(FieldError::new(
                "note",
                format!("must be at most {STEP_NOTE_MAX_CHARS} characters"),
            ));
        }
        match (errors.is_empty(), done_on) {
            (true, Some(done_on)) => Ok(StepRecord {
                key: key.to_string(),
                done_on,
                note,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}
