//! Absences as stored and as the API shows them. No field holds anything medical.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::{ExpectedDuration, QuarterHours};
use super::timeline::Milestone;
use crate::db::schema::{absence_corrections, absence_partial_recoveries, absences};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AbsenceStatus {
    Open,
    Recovered,
    Cancelled,
}

impl AbsenceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AbsenceStatus::Open => "open",
            AbsenceStatus::Recovered => "recovered",
            AbsenceStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            AbsenceStatus::Open,
            AbsenceStatus::Recovered,
            AbsenceStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Who made the sick report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportedBy {
    Employee,
    Employer,
}

impl ReportedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportedBy::Employee => "employee",
            ReportedBy::Employer => "employer",
        }
    }

    pub fn parse(text: &str) -> Self {
        if text == "employer" {
            ReportedBy::Employer
        } else {
            ReportedBy::Employee
        }
    }
}

/// One row of `absences` (also its insert form).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = absences, treat_none_as_default_value = false)]
pub struct AbsenceRow {
    pub id: String,
    pub employer_id: String,
    pub employee_id: String,
    pub first_sick_day: NaiveDate,
    pub recovered_on: Option<NaiveDate>,
    pub status: String,
    pub linked_to: Option<String>,
    pub counting_from: NaiveDate,
    pub hours_worked_quarters: Option<i32>,
    pub phone: Option<String>,
    pub care_address: Option<String>,
    pub expected_duration: Option<String>,
    pub safety_net: Option<bool>,
    pub occupational_accident: Option<bool>,
    pub third_party_accident: Option<bool>,
    pub reported_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl AbsenceRow {
    pub fn status(&self) -> AbsenceStatus {
        AbsenceStatus::parse(&self.status).unwrap_or(AbsenceStatus::Open)
    }

    pub fn hours_worked(&self) -> Option<f64> {
        self.hours_worked_quarters
            .map(|q| QuarterHours::from_quarters(q).hours())
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = absence_partial_recoveries)]
pub struct PartialRecoveryRow {
    pub id: String,
    pub absence_id: String,
    pub from_date: NaiveDate,
    pub percentage: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = absence_corrections, treat_none_as_default_value = false)]
pub struct CorrectionRow {
    pub id: String,
    pub absence_id: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A partial recovery: from this date the employee works this percentage of the contract.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartialRecovery {
    pub from: NaiveDate,
    #[schema(minimum = 1, maximum = 99)]
    pub percentage: i32,
}

/// One employer correction (or the cancellation) of an absence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Correction {
    /// `first_sick_day`, `recovered_on` or `status` (cancellation).
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// An absence (sick report) as the employee sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Absence {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub employee_id: String,
    pub first_sick_day: NaiveDate,
    /// The date the employee is fully back at work; null while open.
    pub recovered_on: Option<NaiveDate>,
    pub status: AbsenceStatus,
    /// The previous absence when this one is a linked spell (first sick day within 4 weeks of
    /// its end).
    #[schema(format = Uuid)]
    pub linked_to: Option<String>,
    /// The first sick day of the first linked spell: the Poortwachter timeline and the 104-week
    /// count run from here.
    pub counting_from: NaiveDate,
    pub hours_worked_first_day: Option<f64>,
    pub phone: Option<String>,
    pub care_address: Option<String>,
    pub expected_duration: Option<ExpectedDuration>,
    pub safety_net: Option<bool>,
    pub occupational_accident: Option<bool>,
    pub third_party_accident: Option<bool>,
    /// Oldest first.
    pub partial_recoveries: Vec<PartialRecovery>,
    pub reported_by: ReportedBy,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Absence {
    pub fn new(row: AbsenceRow, partial_recoveries: Vec<PartialRecovery>) -> Self {
        Absence {
            status: row.status(),
            hours_worked_first_day: row.hours_worked(),
            expected_duration: row
                .expected_duration
                .as_deref()
                .and_then(ExpectedDuration::parse),
            reported_by: ReportedBy::parse(&row.reported_by),
            id: row.id,
            employee_id: row.employee_id,
            first_sick_day: row.first_sick_day,
            recovered_on: row.recovered_on,
            linked_to: row.linked_to,
            counting_from: row.counting_from,
            phone: row.phone,
            care_address: row.care_address,
            safety_net: row.safety_net,
            occupational_accident: row.occupational_accident,
            third_party_accident: row.third_party_accident,
            partial_recoveries,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// An absence as the employer sees it: with the history of corrections.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployerAbsence {
    #[serde(flatten)]
    pub absence: Absence,
    /// The employer the employee works for (an arbodienst's client sees several).
    #[schema(format = Uuid)]
    pub employer_id: String,
    /// Oldest first.
    pub corrections: Vec<Correction>,
}

/// One page of the employee's own absences, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbsencePage {
    pub items: Vec<Absence>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One page of the employer's absences, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployerAbsencePage {
    pub items: Vec<EmployerAbsence>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The Poortwachter timeline of one absence.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineResponse {
    #[schema(format = Uuid)]
    pub absence_id: String,
    /// The first sick day of the first linked spell.
    pub counting_from: NaiveDate,
    /// The current week (week 1 starts on `counting_from`); for a recovered absence, the week
    /// of the recovery.
    pub current_week: u32,
    /// Every step of the law in date order, each `done`, `due` (the next one to do), `late`,
    /// `upcoming` or `not_applicable` (after a recovery).
    pub milestones: Vec<Milestone>,
}
