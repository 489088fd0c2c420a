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
//! - A milestone is `past` once its due date (the end of its window) is before `today`; the
//!   first one that is not past is `next`, the rest `upcoming`. So an open absence younger than
//!   104 weeks has exactly one `next`.
//! - After a recovery, milestones due after the recovery date no longer apply and are left
//!   out; a recovery before week 6 leaves only the week-1 report.

use chrono::{NaiveDate, TimeDelta};
use serde::Serialize;
use utoipa::ToSchema;

/// Weeks of the evaluations of the plan of action.
pub const EVALUATION_WEEKS: [u32; 6] = [14, 20, 26, 32, 38, 44];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKey {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneStatus {
    Past,
    Next,
    Upcoming,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Milestone {
    pub key: MilestoneKey,
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
    pub status: MilestoneStatus,
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

/// The milestones of an absence counted from `counting_from`, their status as of `today`, and
/// without those due after `recovered_on` (if the absence ended).
pub fn timeline(
    counting_from: NaiveDate,
    today: NaiveDate,
    recovered_on: Option<NaiveDate>,
) -> Vec<Milestone> {
    let mut plan: Vec<(MilestoneKey, u32, Option<u32>)> = vec![
        (MilestoneKey::ArbodienstReport, 1, None),
        (MilestoneKey::ProblemAnalysis, 6, None),
        (MilestoneKey::PlanOfAction, 8, None),
        (MilestoneKey::UwvNotification, 42, None),
        (MilestoneKey::FirstYearEvaluation, 46, Some(52)),
        (MilestoneKey::UwvLetter, 88, None),
        (MilestoneKey::ReintegrationReportCopy, 91, None),
        (MilestoneKey::WiaApplication, 93, None),
        (MilestoneKey::EndOfWageContinuation, 104, None),
    ];
    plan.extend(
        EVALUATION_WEEKS
            .iter()
            .map(|&week| (MilestoneKey::Evaluation, week, None)),
    );
    plan.sort_by_key(|&(_, week, _)| week);

    let mut next_given = false;
    plan.into_iter()
        .filter(|&(_, week, _)| {
            recovered_on.is_none_or(|recovered| end_of_week(counting_from, week) <= recovered)
        })
        .map(|(key, week, week_end)| {
            let due_date = end_of_week(counting_from, week);
            let due_date_end = week_end.map(|w| end_of_week(counting_from, w));
            let status = if due_date_end.unwrap_or(due_date) < today {
                MilestoneStatus::Past
            } else if !next_given {
                next_given = true;
                MilestoneStatus::Next
            } else {
                MilestoneStatus::Upcoming
            };
            Milestone {
                key,
                week,
                week_end,
                due_date,
                due_date_end,
                status,
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

    fn find(milestones: &[Milestone], key: MilestoneKey) -> &Milestone {
        milestones.iter().find(|m| m.key == key).unwrap()
    }

    fn nexts(milestones: &[Milestone]) -> usize {
        milestones
            .iter()
            .filter(|m| m.status == MilestoneStatus::Next)
            .count()
    }

    #[test]
    fn due_dates_for_a_known_first_sick_day() {
        let from = day("2026-01-05");
        let t = timeline(from, from, None);
        assert_eq!(t.len(), 9 + EVALUATION_WEEKS.len());
        assert_eq!(
            find(&t, MilestoneKey::ArbodienstReport).due_date,
            day("2026-01-12")
        );
        assert_eq!(
            find(&t, MilestoneKey::ProblemAnalysis).due_date,
            day("2026-02-16")
        );
        assert_eq!(
            find(&t, MilestoneKey::PlanOfAction).due_date,
            day("2026-03-02")
        );
        assert_eq!(
            find(&t, MilestoneKey::UwvNotification).due_date,
            day("2026-10-26")
        );
        let fye = find(&t, MilestoneKey::FirstYearEvaluation);
        assert_eq!((fye.week, fye.week_end), (46, Some(52)));
        assert_eq!(fye.due_date, day("2026-11-23"));
        assert_eq!(fye.due_date_end, Some(day("2027-01-04")));
        assert_eq!(
            find(&t, MilestoneKey::WiaApplication).due_date,
            day("2027-10-18")
        );
        assert_eq!(
            find(&t, MilestoneKey::EndOfWageContinuation).due_date,
            day("2028-01-03")
        );
        let evaluations: Vec<u32> = t
            .iter()
            .filter(|m| m.key == MilestoneKey::Evaluation)
            .map(|m| m.week)
            .collect();
        assert_eq!(evaluations, EVALUATION_WEEKS);
    }

    #[test]
    fn milestones_are_in_date_order() {
        let t = timeline(day("2026-01-05"), day("2026-01-05"), None);
        assert!(t.windows(2).all(|w| w[0].due_date <= w[1].due_date));
    }

    #[test]
    fn exactly_one_next_while_open() {
        let from = day("2026-01-05");
        for offset in [0, 6, 7, 8, 41, 42, 43, 300, 330, 364, 365, 700, 727, 728] {
            let today = from + TimeDelta::days(offset);
            let t = timeline(from, today, None);
            assert_eq!(nexts(&t), 1, "offset {offset}");
            // Everything before `next` is past, everything after upcoming.
            let next = t
                .iter()
                .position(|m| m.status == MilestoneStatus::Next)
                .unwrap();
            assert!(t[..next].iter().all(|m| m.status == MilestoneStatus::Past));
            assert!(t[next + 1..]
                .iter()
                .all(|m| m.status == MilestoneStatus::Upcoming));
        }
        // After week 104 every milestone is past.
        let t = timeline(from, from + TimeDelta::days(729), None);
        assert_eq!(nexts(&t), 0);
    }

    #[test]
    fn due_date_itself_is_not_past() {
        let from = day("2026-01-05");
        let t = timeline(from, day("2026-01-12"), None);
        assert_eq!(
            find(&t, MilestoneKey::ArbodienstReport).status,
            MilestoneStatus::Next
        );
        let t = timeline(from, day("2026-01-13"), None);
        assert_eq!(
            find(&t, MilestoneKey::ArbodienstReport).status,
            MilestoneStatus::Past
        );
        assert_eq!(
            find(&t, MilestoneKey::ProblemAnalysis).status,
            MilestoneStatus::Next
        );
    }

    #[test]
    fn first_year_window_stays_next_until_it_closes() {
        let from = day("2026-01-05");
        // Between the end of week 46 and the end of week 52.
        let t = timeline(from, day("2026-12-15"), None);
        assert_eq!(
            find(&t, MilestoneKey::FirstYearEvaluation).status,
            MilestoneStatus::Next
        );
    }

    #[test]
    fn linked_spells_count_from_the_first_spell() {
        // The second spell starts 2026-03-01 but is linked to a chain that began 2026-01-05:
        // the caller passes the chain's first day, and the weeks run from there.
        let chain_start = day("2026-01-05");
        let t = timeline(chain_start, day("2026-03-01"), None);
        assert_eq!(
            find(&t, MilestoneKey::ProblemAnalysis).status,
            MilestoneStatus::Past
        );
        assert_eq!(
            find(&t, MilestoneKey::PlanOfAction).status,
            MilestoneStatus::Next
        );
        assert_eq!(week_of(chain_start, day("2026-03-01")), 8);
    }

    #[test]
    fn recovery_before_week_6_leaves_only_the_first_report() {
        let from = day("2026-01-05");
        let t = timeline(from, day("2026-02-01"), Some(day("2026-01-30")));
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].key, MilestoneKey::ArbodienstReport);
        assert_eq!(t[0].status, MilestoneStatus::Past);
        // Recovered within the first week: nothing was due yet.
        assert!(timeline(from, day("2026-01-09"), Some(day("2026-01-08"))).is_empty());
    }

    #[test]
    fn leap_years_count_every_day() {
        // 2027-12-01 + 104 weeks (728 days) crosses 29 February 2028.
        let from = day("2027-12-01");
        let t = timeline(from, from, None);
        assert_eq!(
            find(&t, MilestoneKey::EndOfWageContinuation).due_date,
            day("2029-11-28")
        );
        // Week 13 ends right after 29 February 2028.
        assert_eq!(end_of_week(day("2027-12-01"), 13), day("2028-03-01"));
        let from = day("2028-02-29");
        let t = timeline(from, from, None);
        assert_eq!(
            find(&t, MilestoneKey::ArbodienstReport).due_date,
            day("2028-03-07")
        );
        assert_eq!(
            find(&t, MilestoneKey::FirstYearEvaluation).due_date_end,
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
    }
}
