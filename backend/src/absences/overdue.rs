//! The background job of SPEC §9: every open absence's steps are checked against today, and a
//! step that passed its due date undone raises `poortwachter.step_overdue` once (webhook and
//! feed). Raising is `changes::raise_overdue`, one transaction per step, so a crash or a
//! `kill -9` mid-run loses nothing and repeats nothing: the next run raises what is left.

use std::time::Duration;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::changes;
use super::models::{AbsenceRow, AbsenceStatus};
use super::queries;
use super::timeline::{self, StepStatus};
use crate::db::schema::{absences, overdue_steps};
use crate::db::{Db, DbConnection};
use crate::error::ApiError;

/// Open absences read per query.
const BATCH: i64 = 500;

/// One run over every open absence as of `today`; answers how many events it raised.
pub fn raise_all(conn: &mut DbConnection, today: NaiveDate) -> Result<u64, ApiError> {
    let mut raised = 0;
    let mut after = String::new();
    loop {
        let batch: Vec<AbsenceRow> = absences::table
            .filter(absences::status.eq(AbsenceStatus::Open.as_str()))
            .filter(absences::id.gt(&after))
            .order(absences::id.asc())
            .limit(BATCH)
            .select(AbsenceRow::as_select())
            .load(conn)?;
        let Some(last) = batch.last() else {
            return Ok(raised);
        };
        after = last.id.clone();
        for row in &batch {
            raised += raise_for(conn, row, today)?;
        }
    }
}

/// Raises the late steps of one absence that were not raised before (for any spell of its
/// chain: a linked spell does not raise a step again).
fn raise_for(conn: &mut DbConnection, row: &AbsenceRow, today: NaiveDate) -> Result<u64, ApiError> {
    let completions = queries::completions(conn, row)?;
    let late: Vec<timeline::Milestone> =
        timeline::timeline(row.counting_from, today, row.recovered_on, &completions)
            .into_iter()
            .filter(|step| step.status == StepStatus::Late)
            .collect();
    if late.is_empty() {
        return Ok(0);
    }
    let raised_before: Vec<String> = overdue_steps::table
        .inner_join(absences::table)
        .filter(absences::employee_id.eq(&row.employee_id))
        .filter(absences::counting_from.eq(row.counting_from))
        .select(overdue_steps::step_key)
        .load(conn)?;
    let mut raised = 0;
    for step in late {
        if raised_before.contains(&step.key) {
            continue;
        }
        if changes::raise_overdue(conn, row, &step.key, step.due_on)? {
            raised += 1;
        }
    }
    Ok(raised)
}

/// The job inside `verzuim serve`: a run at start and then every `every`.
pub struct OverdueSteps {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for OverdueSteps {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl OverdueSteps {
    pub fn start(db: Db, every: Duration) -> OverdueSteps {
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                match db
                    .run(|conn| raise_all(conn, crate::domain::calendar::today()))
                    .await
                {
                    Ok(0) => {}
                    Ok(raised) => tracing::info!(raised, "overdue Poortwachter steps raised"),
                    Err(e) => tracing::warn!(error = %e, "overdue step check failed"),
                }
            }
        });
        OverdueSteps { task }
    }
}
