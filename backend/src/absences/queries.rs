//! Reads of absences, always scoped to one employer (and, for employee calls, to one
//! employee), and the views the employee and the employer get of them. The changes are in
//! [`super::changes`].

use crate::auth::Party;
use crate::domain::calendar::{dutch_date_of, start_of_dutch_day};
use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::models::{
    Absence, AbsenceRow, AbsenceStatus, Correction, CorrectionRow, EmployerAbsence,
    PartialRecovery, PartialRecoveryRow, TimelineResponse,
};
use super::timeline::{self, Completion, Completions};
use crate::audit::{self, Actor};
use crate::db::schema::{absence_corrections, absence_partial_recoveries, absences};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::web::page::split_page;

/// Where an absence list continues: the last item's `(created_at, id)`.
pub type Position = (chrono::NaiveDateTime, String);

/// Which absences a caller may touch: the employer's, and for an employee only their own.
#[derive(Debug, Clone)]
pub struct Owner {
    pub employer_id: String,
    pub employee_id: Option<String>,
}

/// How the steps of `row`'s timeline were completed (SPEC §9): a document of a step's category
/// uploaded for the employee while the chain of spells ran (from its first sick day to the
/// recovery) completes that step, in upload order for the evaluations (the n-th completes
/// `evaluation_n`); and the steps the employer recorded for any spell of the chain.
pub fn completions(conn: &mut DbConnection, row: &AbsenceRow) -> Result<Completions, ApiError> {
    use crate::db::schema::{absence_steps, documents};
    let from = start_of_dutch_day(row.counting_from);
    let until = row
        .recovered_on
        .map(|day| start_of_dutch_day(day + chrono::TimeDelta::days(1)));
    // The dossier's table read directly: which documents exist is all a step needs to know.
    let uploaded: Vec<(String, String, chrono::NaiveDateTime)> = documents::table
        .filter(documents::employer_id.eq(&row.employer_id))
        .filter(documents::employee_id.eq(&row.employee_id))
        .filter(documents::category.eq_any(STEP_CATEGORIES))
        .filter(documents::created_at.ge(from))
        .order((documents::created_at.asc(), documents::id.asc()))
        .select((documents::id, documents::category, documents::created_at))
        .load(conn)?;
    let mut completions = Completions::new();
    let mut evaluations = 0;
    for (document_id, category, uploaded_at) in uploaded {
        if until.is_some_and(|until| uploaded_at >= until) {
            continue;
        }
        let key = if category == "evaluation" {
            evaluations += 1;
            format!("evaluation_{evaluations}")
        } else {
            category
        };
        completions.entry(key).or_insert(Completion {
            done_on: dutch_date_of(uploaded_at),
            document_id: Some(document_id),
        });
    }
    let recorded: Vec<(String, NaiveDate)> = absence_steps::table
        .inner_join(absences::table)
        .filter(absences::employee_id.eq(&row.employee_id))
        .filter(absences::counting_from.eq(row.counting_from))
        .select((absence_steps::step_key, absence_steps::done_on))
        .load(conn)?;
    for (key, done_on) in recorded {
        completions.entry(key).or_insert(Completion {
            done_on,
            document_id: None,
        });
    }
    Ok(completions)
}

/// The dossier categories whose documents complete the step of the same name.
const STEP_CATEGORIES: [&str; 5] = [
    "problem_analysis",
    "plan_of_action",
    "evaluation",
    "first_year_evaluation",
    "reintegration_report",
];

/// The timeline of `row` as of `today`, with how its steps were completed.
pub fn timeline_view(
    conn: &mut DbConnection,
    row: &AbsenceRow,
    today: NaiveDate,
) -> Result<TimelineResponse, ApiError> {
    let completions = completions(conn, row)?;
    let reference = row.recovered_on.map_or(today, |r| r.min(today));
    Ok(TimelineResponse {
        absence_id: row.id.clone(),
        counting_from: row.counting_from,
        current_week: timeline::week_of(row.counting_from, reference),
        milestones: timeline::timeline(row.counting_from, today, row.recovered_on, &completions),
    })
}

/// The absence with this id if `owner` may see it; foreign, unknown and malformed ids are the
/// same 404.
/// Who owns absence `id` as far as `party` may know: its employer, when the party may act for
/// it (404 otherwise, as for an absence that does not exist).
pub fn owner_for(conn: &mut DbConnection, party: &Party, id: &str) -> Result<Owner, ApiError> {
    let employer_id = party.employer_of_record(conn, |conn| {
        absences::table
            .find(id)
            .select(absences::employer_id)
            .first(conn)
            .optional()
    })?;
    Ok(Owner {
        employer_id,
        employee_id: None,
    })
}

pub fn find(conn: &mut DbConnection, owner: &Owner, id: &str) -> Result<AbsenceRow, ApiError> {
    let mut query = absences::table
        .filter(absences::id.eq(id.to_string()))
        .filter(absences::employer_id.eq(owner.employer_id.clone()))
        .select(AbsenceRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(employee_id) = &owner.employee_id {
        query = query.filter(absences::employee_id.eq(employee_id.clone()));
    }
    query.first(conn).optional()?.ok_or(ApiError::NotFound)
}

/// The employee's open absence, if any.
pub fn find_open(
    conn: &mut DbConnection,
    employer_id: &str,
    employee_id: &str,
) -> Result<Option<AbsenceRow>, ApiError> {
    Ok(absences::table
        .filter(absences::employer_id.eq(employer_id))
        .filter(absences::employee_id.eq(employee_id))
        .filter(absences::status.eq(AbsenceStatus::Open.as_str()))
        .select(AbsenceRow::as_select())
        .first(conn)
        .optional()?)
}

fn partials_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<PartialRecovery>>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = absence_partial_recoveries::table
        .filter(absence_partial_recoveries::absence_id.eq_any(ids))
        .order((
            absence_partial_recoveries::created_at.asc(),
            absence_partial_recoveries::id.asc(),
        ))
        .select(PartialRecoveryRow::as_select())
        .load(conn)?;
    Ok(by_absence(rows))
}

/// Partial recoveries keyed by their absence, each list in the order of `rows`.
fn by_absence(rows: Vec<PartialRecoveryRow>) -> HashMap<String, Vec<PartialRecovery>> {
    let mut map: HashMap<String, Vec<PartialRecovery>> = HashMap::new();
    for row in rows {
        map.entry(row.absence_id)
            .or_default()
            .push(PartialRecovery {
                from: row.from_date,
                percentage: row.percentage,
            });
    }
    map
}

/// Each row as the employee sees it, with its partial recoveries from `partials`.
fn with_partials(
    rows: Vec<AbsenceRow>,
    mut partials: HashMap<String, Vec<PartialRecovery>>,
) -> Vec<Absence> {
    rows.into_iter()
        .map(|row| {
            let own = partials.remove(&row.id).unwrap_or_default();
            Absence::new(row, own)
        })
        .collect()
}

/// The page of `limit` rows and where the next starts, from the `limit + 1` rows loaded.
fn cut(rows: Vec<AbsenceRow>, limit: i64) -> (Vec<AbsenceRow>, Option<Position>) {
    split_page(rows, limit, |last| (last.created_at, last.id.clone()))
}

fn corrections_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<Correction>>, ApiError> {
    let mut map: HashMap<String, Vec<Correction>> = HashMap::new();
    if ids.is_empty() {
        return Ok(map);
    }
    let rows = absence_corrections::table
        .filter(absence_corrections::absence_id.eq_any(ids))
        .order((
            absence_corrections::created_at.asc(),
            absence_corrections::id.asc(),
        ))
        .select(CorrectionRow::as_select())
        .load(conn)?;
    for row in rows {
        map.entry(row.absence_id).or_default().push(Correction {
            field: row.field,
            old: row.old_value,
            new: row.new_value,
            reason: row.reason,
            at: row.created_at.and_utc(),
        });
    }
    Ok(map)
}

/// The employee's view of these rows.
pub fn absences_view(
    conn: &mut DbConnection,
    rows: Vec<AbsenceRow>,
) -> Result<Vec<Absence>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let partials = partials_of(conn, &ids)?;
    Ok(with_partials(rows, partials))
}

/// The employer's view of these rows (with corrections).
pub fn employer_view(
    conn: &mut DbConnection,
    rows: Vec<AbsenceRow>,
) -> Result<Vec<EmployerAbsence>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let employer_ids: Vec<String> = rows.iter().map(|r| r.employer_id.clone()).collect();
    let mut corrections = corrections_of(conn, &ids)?;
    Ok(absences_view(conn, rows)?
        .into_iter()
        .zip(employer_ids)
        .map(|(absence, employer_id)| EmployerAbsence {
            corrections: corrections.remove(&absence.id).unwrap_or_default(),
            employer_id,
            absence,
        })
        .collect())
}

pub fn absence_view(conn: &mut DbConnection, row: AbsenceRow) -> Result<Absence, ApiError> {
    absences_view(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("absence view missing")))
}

pub fn employer_absence_view(
    conn: &mut DbConnection,
    row: AbsenceRow,
) -> Result<EmployerAbsence, ApiError> {
    employer_view(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("absence view missing")))
}

/// Records that an employer client read this absence (SPEC §7).
pub fn audit_read(
    conn: &mut DbConnection,
    row: &AbsenceRow,
    actor: &Actor,
) -> Result<(), ApiError> {
    audit::record(
        conn,
        &row.employer_id,
        actor,
        "absence.read",
        ("absence", &row.id),
    )
}

/// What a list request asks for, already validated.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub employee_id: Option<String>,
    pub status: Option<AbsenceStatus>,
    /// First sick day on or after.
    pub from: Option<NaiveDate>,
    /// First sick day on or before.
    pub to: Option<NaiveDate>,
    pub after: Option<Position>,
    pub limit: i64,
}

/// One employee's own absences, newest first, as they see them: the hot read of the portal's
/// home and absences screens. Unlike [`list`] its queries have a fixed shape, so SQLite reuses
/// their prepared statements instead of rebuilding the SQL text on every request.
pub fn list_own(
    conn: &mut DbConnection,
    employer_id: &str,
    employee_id: &str,
    after: Option<&Position>,
    limit: i64,
) -> Result<(Vec<Absence>, Option<Position>), ApiError> {
    let newest_first = absences::table
        .filter(absences::employer_id.eq(employer_id))
        .filter(absences::employee_id.eq(employee_id))
        .select(AbsenceRow::as_select())
        .order((absences::created_at.desc(), absences::id.desc()))
        .limit(limit + 1);
    let rows: Vec<AbsenceRow> = match after {
        None => newest_first.load(conn)?,
        Some((created_at, id)) => newest_first
            .filter(
                absences::created_at.lt(*created_at).or(absences::created_at
                    .eq(*created_at)
                    .and(absences::id.lt(id))),
            )
            .load(conn)?,
    };
    let (rows, next) = cut(rows, limit);
    // All of the employee's partial recoveries (a handful) in one fixed-shape query, rather
    // than an `IN (…)` list whose length changes with the page.
    let partials = absence_partial_recoveries::table
        .inner_join(absences::table)
        .filter(absences::employer_id.eq(employer_id))
        .filter(absences::employee_id.eq(employee_id))
        .order((
            absence_partial_recoveries::created_at.asc(),
            absence_partial_recoveries::id.asc(),
        ))
        .select(PartialRecoveryRow::as_select())
        .load::<PartialRecoveryRow>(conn)?;
    Ok((with_partials(rows, by_absence(partials)), next))
}

/// One page of these employers' absences, newest first, and the cursor of the next page.
pub fn list(
    conn: &mut DbConnection,
    employer_ids: &[String],
    filter: &ListFilter,
) -> Result<(Vec<AbsenceRow>, Option<Position>), ApiError> {
    let mut query = absences::table
        .filter(absences::employer_id.eq_any(employer_ids.to_vec()))
        .select(AbsenceRow::as_select())
        .order((absences::created_at.desc(), absences::id.desc()))
        .limit(filter.limit + 1)
        .into_boxed::<MultiBackend>();
    if let Some(employee_id) = &filter.employee_id {
        query = query.filter(absences::employee_id.eq(employee_id.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(absences::status.eq(status.as_str()));
    }
    if let Some(from) = filter.from {
        query = query.filter(absences::first_sick_day.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(absences::first_sick_day.le(to));
    }
    if let Some((created_at, id)) = &filter.after {
        query = query.filter(
            absences::created_at.lt(*created_at).or(absences::created_at
                .eq(*created_at)
                .and(absences::id.lt(id.clone()))),
        );
    }
    let rows = query.load::<AbsenceRow>(conn)?;
    Ok(cut(rows, filter.limit))
}
