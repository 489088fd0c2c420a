//! The Poortwachter (Gatekeeper Act) timeline of SPEC §2.11, as one pure function.
//!
//! Conventions:
//! - Week 1 is the week that starts on `counting_from` (the first sick day of the first spell
//!   of a chain of linked spells), so "week N" covers days `7(N-1) .. 7N-1`.
//! - A milestone "in week N" is due by the end of that week: `due_date = counting_from + N
//!   weeks` (e.g. the problem analysis, week 6, is due on `counting_from + 42 days`). Only
//!   whole days are added, so leap days are counted like any other day.
//! - The first-year evaluation has a window, weeks 46–52: `due_date` is the end of week 46 and
//!   `due_date_end` the end of week 52.
//! - Evaluations of the plan of action: every 6 weeks after the plan (week 8), in weeks 14,
//!   20, 26, 32, 38 and 44 — the last one before the first-year evaluation takes over. The law
//!   asks for "at least every 6 weeks"; more often is always allowed.
//! - The weeks follow UWV's published deadlines ("Poortwachter: stappen en termijnen",
//!   uwv.nl, werkgevers/ziekte): the 42nd-week report (ziekmelding bij UWV) is due on the first
//!   day after week 42; the first-year evaluation falls between weeks 46 and 52; UWV's letter
//!   about the WIA application comes in week 88; the WIA application is due by week 93 (the
//!   re-integration report, a copy of which the employee has by week 91, goes with it).
//! - Each step is trackable (SPEC §9): `done` once a document of its category was uploaded
//!   during the absence or the employer recorded it (`completions`); otherwise `late` when its
//!   due date (the end of its window) is before `today`, `due` for the first one still open,
//!   `upcoming` after that. Two steps happen by themselves and are never late: UWV's letter
//!   and the end of wage continuation are `done` once their date has come.
//! - After a recovery, the steps due after the recovery date are `not_applicable`.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeDelta};
use serde::Serialize;
use utoipa::ToSchema;

/// Weeks of the evaluations of the plan of action.
pub const EVALUATION_WEEKS: [u32; 6] = [14, 20, 26, 32, 38, 44];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    /// Week 1: sick report to the arbodienst.
    ArbodienstReport,
    /// Week 6: problem analysis by the company doctor.
    ProblemAnalysis,
    /// Week 8: plan of action agreed with the employee.
    PlanOfAction,
    /// Every 6 weeks after the plan: evaluation of the plan of action.
    Evaluation,
    /// Week 42: notification of long-term absence to UWV.
    UwvNotification,
    /// Weeks 46–52: first-year evaluation.
    FirstYearEvaluation,
    /// Week 88: UWV sends the employee the WIA letter.
    UwvLetter,
    /// Week 91: copy of the re-integration report to the employee.
    ReintegrationReportCopy,
    /// Week 93: latest date for the WIA application.
    WiaApplication,
    /// Week 104: end of the wage continuation.
    EndOfWageContinuation,
}

impl MilestoneKind {
    /// Happens by itself (UWV's letter, the end of wage continuation): nobody can be late with
    /// it, and it is done once its date has come.
    fn happens_by_itself(self) -> bool {
        matches!(
            self,
            MilestoneKind::UwvLetter | MilestoneKind::EndOfWageContinuation
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Done,
    /// The first open step whose due date has not passed: what is to be done next.
    Due,
    /// Its due date passed and it was not done.
    Late,
    Upcoming,
    /// Due after the recovery: no longer needed.
    NotApplicable,
}

/// How a step was completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub done_on: NaiveDate,
    /// The document of the step's category that completed it, if one did.
    pub document_id: Option<String>,
}

/// Completions by step key.
pub type Completions = HashMap<String, Completion>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Milestone {
    /// The step, unique within the timeline: `arbodienst_report`, `problem_analysis`,
    /// `plan_of_action`, `evaluation_1` … `evaluation_6`, `uwv_sick_report`,
    /// `first_year_evaluation`, `uwv_letter`, `reintegration_report`, `wia_application`,
    /// `end_of_wage_continuation`.
    pub key: String,
    /// What kind of step it is (the evaluations share one).
    pub kind: MilestoneKind,
    /// The week (counted from the first sick day, week 1 first) the milestone falls in.
    pub week: u32,
    /// For a window (first-year evaluation): its last week.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub week_end: Option<u32>,
    /// Due by this date: the day after week `week` ends.
    pub due_date: NaiveDate,
    /// For a window: the day after week `week_end` ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date_end: Option<NaiveDate>,
    /// The last day the step is on time: `due_date`, or `due_date_end` for a window.
    pub due_on: NaiveDate,
    pub status: StepStatus,
    /// When it was done (the upload of its document, or the date the employer recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_on: Option<NaiveDate>,
    /// The document that completed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub document_id: Option<String>,
}

/// The week of `date` counted from `counting_from` (week 1 first; never below 1).
pub fn week_of(counting_from: NaiveDate, date: NaiveDate) -> u32 {
    let days = (date - counting_from).num_days().max(0);
    u32::try_from(days / 7 + 1).unwrap_or(u32::MAX)
}

/// The end of week `week`: `counting_from + week` weeks.
fn end_of_week(counting_from: NaiveDate, week: u32) -> NaiveDate {
    counting_from + TimeDelta::weeks(i64::from(week))
}

/// The steps of the law in date order: key, kind, week and (for a window) last week.
pub fn plan() -> Vec<(String, MilestoneKind, u32, Option<u32>)> {
    let mut plan: Vec<(String, MilestoneKind, u32, Option<u32>)> = vec![
        (
            "arbodienst_report".into(),
            MilestoneKind::ArbodienstReport,
            1,
            None,
        ),
        (
            "problem_analysis".into(),
            MilestoneKind::ProblemAnalysis,
            6,
            None,
        ),
        (
            "plan_of_action".into(),
            MilestoneKind::PlanOfAction,
            8,
            None,
        ),
        (
            "uwv_sick_report".into(),
            MilestoneKind::UwvNotification,
            42,
            None,
        ),
        (
            "first_year_evaluation".into(),
            MilestoneKind::FirstYearEvaluation,
            46,
            Some(52),
        ),
        ("uwv_letter".into(), MilestoneKind::UwvLetter, 88, None),
        (
            "reintegration_report".into(),
            MilestoneKind::ReintegrationReportCopy,
            91,
            None,
        ),
        (
            "wia_application".into(),
            MilestoneKind::WiaApplication,
            93,
            None,
        ),
        (
            "end_of_wage_continuation".into(),
            MilestoneKind::EndOfWageContinuation,
            104,
            None,
        ),
    ];
    plan.extend(EVALUATION_WEEKS.iter().enumerate().map(|(i, &week)| {
        (
            format!("evaluation_{}", i + 1),
            MilestoneKind::Evaluation,
            week,
            None,
        )
    }));
    plan.sort_by_key(|(_, _, week, _)| *week);
    plan
}

/// Whether `key` names a step of the law.
pub fn is_step(key: &str) -> bool {
    plan().iter().any(|(k, ..)| k == key)
}

/// The steps of an absence counted from `counting_from`, with their status as of `today`,
/// given how they were completed and when the absence ended (if it did).
pub fn timeline(
    counting_from: NaiveDate,
    today: NaiveDate,
    recovered_on: Option<NaiveDate>,
    completions: &Completions,
) -> Vec<Milestone> {
    let mut due_given = false;
    plan()
        .into_iter()
        .map(|(key, kind, week, week_end)| {
            let due_date = end_of_week(counting_from, week);
            let due_date_end = week_end.map(|w| end_of_week(counting_from, w));
            let due_on = due_date_end.unwrap_or(due_date);
            let applies = recovered_on.is_none_or(|recovered| due_date <= recovered);
            let completion = completions.get(&key).cloned().or_else(|| {
                (applies && kind.happens_by_itself() && due_date <= today).then_some(Completion {
                    done_on: due_date,
                    document_id: None,
                })
            });
            let status = match (&completion, applies) {
                (Some(_), _) => StepStatus::Done,
                (None, false) => StepStatus::NotApplicable,
                (None, true) if due_on < today => StepStatus::Late,
                (None, true) if !due_given && recovered_on.is_none() => {
                    due_given = true;
                    StepStatus::Due
                }
                (None, true) => StepStatus::Upcoming,
            };
            Milestone {
                key,
                kind,
                week,
                week_end,
                due_date,
                due_date_end,
                due_on,
                status,
                done_on: completion.as_ref().map(|c| c.done_on),
                document_id: completion.and_then(|c| c.document_id),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn find<'a>(milestones: &'a [Milestone], key: &str) -> &'a Milestone {
        milestones.iter().find(|m| m.key == key).unwrap()
    }

    fn open(from: NaiveDate, today: NaiveDate) -> Vec<Milestone> {
        timeline(from, today, None, &Completions::new())
    }

    fn count(milestones: &[Milestone], status: StepStatus) -> usize {
        milestones.iter().filter(|m| m.status == status).count()
    }

    #[test]
    fn due_dates_for_a_known_first_sick_day() {
        let from = day("2026-01-05");
        let t = open(from, from);
        assert_eq!(t.len(), 9 + EVALUATION_WEEKS.len());
        assert_eq!(find(&t, "arbodienst_report").due_date, day("2026-01-12"));
        assert_eq!(find(&t, "problem_analysis").due_date, day("2026-02-16"));
        assert_eq!(find(&t, "plan_of_action").due_date, day("2026-03-02"));
        // UWV: the 42nd-week report is due on the first day after week 42.
        assert_eq!(find(&t, "uwv_sick_report").due_date, day("2026-10-26"));
        let fye = find(&t, "first_year_evaluation");
        assert_eq!((fye.week, fye.week_end), (46, Some(52)));
        assert_eq!(fye.due_date, day("2026-11-23"));
        assert_eq!(fye.due_date_end, Some(day("2027-01-04")));
        assert_eq!(
            fye.due_on,
            day("2027-01-04"),
            "on time until the window closes"
        );
        assert_eq!(find(&t, "uwv_letter").week, 88);
        assert_eq!(find(&t, "wia_application").due_date, day("2027-10-18"));
        assert_eq!(
            find(&t, "end_of_wage_continuation").due_date,
            day("2028-01-03")
        );
        let evaluations: Vec<(String, u32)> = t
            .iter()
            .filter(|m| m.kind == MilestoneKind::Evaluation)
            .map(|m| (m.key.clone(), m.week))
            .collect();
        assert_eq!(
            evaluations,
            EVALUATION_WEEKS
                .iter()
                .enumerate()
                .map(|(i, w)| (format!("evaluation_{}", i + 1), *w))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn steps_are_in_date_order_and_keys_are_unique() {
        let t = open(day("2026-01-05"), day("2026-01-05"));
        assert!(t.windows(2).all(|w| w[0].due_date <= w[1].due_date));
        let mut keys: Vec<&str> = t.iter().map(|m| m.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), t.len());
    }

    #[test]
    fn an_undone_step_past_its_due_date_is_late_and_the_next_open_one_is_due() {
        let from = day("2026-01-05");
        // The day after the problem analysis was due (end of week 6).
        let t = open(from, day("2026-02-17"));
        assert_eq!(find(&t, "arbodienst_report").status, StepStatus::Late);
        assert_eq!(find(&t, "problem_analysis").status, StepStatus::Late);
        assert_eq!(find(&t, "plan_of_action").status, StepStatus::Due);
        assert_eq!(count(&t, StepStatus::Due), 1);
        assert_eq!(find(&t, "evaluation_1").status, StepStatus::Upcoming);
        // On the due date itself the step is still on time.
        let t = open(from, day("2026-02-16"));
        assert_eq!(find(&t, "problem_analysis").status, StepStatus::Due);
    }

    #[test]
    fn a_completed_step_is_done_with_its_date_and_document() {
        let from = day("2026-01-05");
        let mut done = Completions::new();
        done.insert(
            "problem_analysis".into(),
            Completion {
                done_on: day("2026-02-10"),
                document_id: Some("doc-1".into()),
            },
        );
        let t = timeline(from, day("2026-03-10"), None, &done);
        let analysis = find(&t, "problem_analysis");
        assert_eq!(analysis.status, StepStatus::Done);
        assert_eq!(analysis.done_on, Some(day("2026-02-10")));
        assert_eq!(analysis.document_id.as_deref(), Some("doc-1"));
        assert_eq!(find(&t, "plan_of_action").status, StepStatus::Late);
    }

    #[test]
    fn the_first_year_window_is_on_time_until_it_closes() {
        let from = day("2026-01-05");
        let t = open(from, day("2026-12-15"));
        assert_ne!(find(&t, "first_year_evaluation").status, StepStatus::Late);
        let t = open(from, day("2027-01-05"));
        assert_eq!(find(&t, "first_year_evaluation").status, StepStatus::Late);
    }

    #[test]
    fn what_happens_by_itself_is_never_late() {
        let from = day("2026-01-05");
        let t = open(from, from + TimeDelta::days(729));
        for key in ["uwv_letter", "end_of_wage_continuation"] {
            assert_eq!(find(&t, key).status, StepStatus::Done, "{key}");
        }
        assert_eq!(count(&t, StepStatus::Due), 0);
    }

    #[test]
    fn linked_spells_count_from_the_first_spell() {
        // The second spell starts 2026-03-01 but is linked to a chain that began 2026-01-05:
        // the caller passes the chain's first day, and the weeks run from there.
        let chain_start = day("2026-01-05");
        let t = open(chain_start, day("2026-03-01"));
        assert_eq!(find(&t, "problem_analysis").status, StepStatus::Late);
        assert_eq!(find(&t, "plan_of_action").status, StepStatus::Due);
        assert_eq!(week_of(chain_start, day("2026-03-01")), 8);
    }

    #[test]
    fn a_recovery_makes_the_later_steps_not_applicable() {
        let from = day("2026-01-05");
        let t = timeline(
            from,
            day("2026-02-01"),
            Some(day("2026-01-30")),
            &Completions::new(),
        );
        assert_eq!(
            t.len(),
            9 + EVALUATION_WEEKS.len(),
            "every step is still listed"
        );
        assert_eq!(find(&t, "arbodienst_report").status, StepStatus::Late);
        assert_eq!(count(&t, StepStatus::NotApplicable), t.len() - 1);
        assert_eq!(count(&t, StepStatus::Due), 0);
        // Recovered within the first week: nothing was due yet.
        let t = timeline(
            from,
            day("2026-01-09"),
            Some(day("2026-01-08")),
            &Completions::new(),
        );
        assert_eq!(count(&t, StepStatus::NotApplicable), t.len());
    }

    #[test]
    fn leap_years_count_every_day() {
        // 2027-12-01 + 104 weeks (728 days) crosses 29 February 2028.
        let from = day("2027-12-01");
        let t = open(from, from);
        assert_eq!(
            find(&t, "end_of_wage_continuation").due_date,
            day("2029-11-28")
        );
        assert_eq!(end_of_week(day("2027-12-01"), 13), day("2028-03-01"));
        let from = day("2028-02-29");
        let t = open(from, from);
        assert_eq!(find(&t, "arbodienst_report").due_date, day("2028-03-07"));
        assert_eq!(
            find(&t, "first_year_evaluation").due_date_end,
            Some(day("2029-02-27"))
        );
    }

    #[test]
    fn weeks_are_counted_from_one() {
        let from = day("2026-01-05");
        assert_eq!(week_of(from, from), 1);
        assert_eq!(week_of(from, day("2026-01-11")), 1);
        assert_eq!(week_of(from, day("2026-01-12")), 2);
        assert_eq!(week_of(from, day("2025-12-31")), 1);
        assert!(is_step("evaluation_3") && is_step("uwv_sick_report"));
        assert!(!is_step("evaluation_7") && !is_step("evaluation"));
    }
}
