//! Changes to absences: report, recovery, partial recovery, correction and cancellation. Each
//! runs in one transaction, after the employer lock, together with its event, its audit entry
//! and its e-mails, so they commit together or not at all; each names the employee whose
//! cached reads it makes stale.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde_json::json;

use super::domain::{
    CorrectionInput, PartialRecoveryReport, Recovery, SickReport, StepRecord, LINK_WINDOW_DAYS,
};
use super::models::{AbsenceRow, AbsenceStatus, CorrectionRow, PartialRecoveryRow, ReportedBy};
use super::queries::{find, find_open, Owner};
use crate::audit::{self, Actor};
use crate::db::schema::{absence_corrections, absence_partial_recoveries, absences};
use crate::db::{is_unique_violation, now, ChangedEmployees, DbConnection};
use crate::employers::employees::lock_employer;
use crate::employers::recipients;
use crate::error::ApiError;
use crate::events::email::{enqueue_email, EmailMessage};
use crate::events::feed::{self, EventKind};

/// Who acts.
#[derive(Debug, Clone)]
pub struct Change {
    pub actor: Actor,
}

impl Change {
    fn reported_by(&self) -> ReportedBy {
        match self.actor {
            Actor::Employee(_) => ReportedBy::Employee,
            Actor::Client(_) => ReportedBy::Employer,
        }
    }
}

fn open_conflict() -> ApiError {
    ApiError::Conflict("This employee already has an open absence; report recovery first.".into())
}

/// Ids and dates only: never anything medical, nor the optional contact fields.
fn event_data(row: &AbsenceRow) -> serde_json::Value {
    json!({
        "absence_id": row.id,
        "employee_id": row.employee_id,
        "first_sick_day": row.first_sick_day,
        "recovered_on": row.recovered_on,
        "status": row.status,
        "linked_to": row.linked_to,
        "counting_from": row.counting_from,
        "reported_by": row.reported_by,
    })
}

/// Writes the change's event and audit row, and names the employee whose cached reads it
/// makes stale.
fn record(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    row: &AbsenceRow,
    change: &Change,
    kind: EventKind,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    changed.employee(&row.employee_id);
    feed::record(conn, &row.employer_id, kind, data)?;
    audit::record(
        conn,
        &row.employer_id,
        &change.actor,
        kind.as_str(),
        ("absence", &row.id),
    )
}

/// Records a new sick report for `employee_id`, linking it to the previous absence when its
/// first sick day lies within 4 weeks of that one's recovery date.
pub fn report(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    employer_id: &str,
    employee_id: &str,
    report: SickReport,
    reported_by: ReportedBy,
    change: &Change,
) -> Result<AbsenceRow, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        lock_employer(conn, employer_id)?;
        if find_open(conn, employer_id, employee_id)?.is_some() {
            return Err(open_conflict());
        }
        let previous = absences::table
            .filter(absences::employer_id.eq(employer_id))
            .filter(absences::employee_id.eq(employee_id))
            .filter(absences::status.ne(AbsenceStatus::Cancelled.as_str()))
            .order((absences::first_sick_day.desc(), absences::created_at.desc()))
            .select(AbsenceRow::as_select())
            .first(conn)
            .optional()?;
        let mut linked_to = None;
        let mut counting_from = report.first_sick_day;
        if let Some(previous) = previous {
            if let Some(ended) = previous.recovered_on {
                if report.first_sick_day < ended {
                    return Err(ApiError::invalid(
                        "first_sick_day",
                        format!(
                            "must not be before the recovery date of the previous absence ({ended})"
                        ),
                    ));
                }
                if report.first_sick_day - ended <= TimeDelta::days(LINK_WINDOW_DAYS) {
                    linked_to = Some(previous.id.clone());
                    counting_from = previous.counting_from;
                }
            }
        }
        let at = now();
        let row = AbsenceRow {
            id: uuid::Uuid::new_v4().to_string(),
            employer_id: employer_id.to_string(),
            employee_id: employee_id.to_string(),
            first_sick_day: report.first_sick_day,
            recovered_on: None,
            status: AbsenceStatus::Open.as_str().into(),
            linked_to,
            counting_from,
            hours_worked_quarters: report.hours_worked.map(|h| h.quarters()),
            phone: report.phone.clone(),
            care_address: report.care_address.clone(),
            expected_duration: report.expected_duration.map(|d| d.as_str().to_string()),
            safety_net: report.safety_net,
            occupational_accident: report.occupational_accident,
            third_party_accident: report.third_party_accident,
            reported_by: reported_by.as_str().into(),
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(absences::table)
            .values(&row)
            .execute(conn)
            .map_err(|e| {
                if is_unique_violation(&e) {
                    open_conflict()
                } else {
                    e.into()
                }
            })?;
        record(
            conn,
            changed,
            &row,
            change,
            EventKind::AbsenceReported,
            event_data(&row),
        )?;
        let notified = recipients::notified(conn, employer_id, employee_id)?;
        if notified.informs_arbodienst {
            // The e-mail below is the week-1 report to the arbodienst (Poortwachter step 1).
            insert_step(
                conn,
                &row.id,
                "arbodienst_report",
                crate::domain::calendar::dutch_date_of(at),
                None,
                &change.actor,
            )?;
        }
        for to in notified.recipients {
            enqueue_email(
                conn,
                &EmailMessage::AbsenceReported {
                    to,
                    language: notified.language,
                    employer_name: notified.employer_name.clone(),
                    personnel_number: notified.personnel_number.clone(),
                    employee_name: notified.employee_name.clone(),
                    first_sick_day: row.first_sick_day,
                    hours_worked_first_day: row.hours_worked(),
                    phone: row.phone.clone(),
                    care_address: row.care_address.clone(),
                    expected_duration: report
                        .expected_duration
                        .map(|d| d.label(notified.language).into()),
                    safety_net: row.safety_net,
                    occupational_accident: row.occupational_accident,
                    third_party_accident: row.third_party_accident,
                    reported_by: reported_by.as_str().into(),
                },
            )?;
        }
        Ok(row)
    })
}

/// Re-reads the absence inside the transaction, after the employer lock, so two changes to
/// one absence are applied one after the other.
fn lock_and_find(conn: &mut DbConnection, owner: &Owner, id: &str) -> Result<AbsenceRow, ApiError> {
    lock_employer(conn, &owner.employer_id)?;
    find(conn, owner, id)
}

fn require_open(row: &AbsenceRow) -> Result<(), ApiError> {
    match row.status() {
        AbsenceStatus::Open => Ok(()),
        AbsenceStatus::Recovered => Err(ApiError::Conflict(
            "This absence is already closed by a recovery.".into(),
        )),
        AbsenceStatus::Cancelled => Err(ApiError::Conflict("This absence was cancelled.".into())),
    }
}

fn touch(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(absences::table.find(id))
        .set(absences::updated_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Closes an open absence; `parse` checks the date against the stored first sick day.
pub fn recover(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    owner: &Owner,
    id: &str,
    parse: impl FnOnce(NaiveDate) -> Result<Recovery, ApiError>,
    change: &Change,
) -> Result<AbsenceRow, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let row = lock_and_find(conn, owner, id)?;
        require_open(&row)?;
        let recovery = parse(row.first_sick_day)?;
        let at = now();
        diesel::update(absences::table.find(&row.id))
            .set((
                absences::recovered_on.eq(Some(recovery.recovered_on)),
                absences::status.eq(AbsenceStatus::Recovered.as_str()),
                absences::updated_at.eq(at),
            ))
            .execute(conn)?;
        let row = find(conn, owner, id)?;
        record(
            conn,
            changed,
            &row,
            change,
            EventKind::AbsenceRecovered,
            event_data(&row),
        )?;
        let notified = recipients::notified(conn, &row.employer_id, &row.employee_id)?;
        for to in notified.recipients {
            enqueue_email(
                conn,
                &EmailMessage::AbsenceRecovered {
                    to,
                    language: notified.language,
                    employer_name: notified.employer_name.clone(),
                    personnel_number: notified.personnel_number.clone(),
                    employee_name: notified.employee_name.clone(),
                    first_sick_day: row.first_sick_day,
                    recovered_on: recovery.recovered_on,
                    reported_by: change.reported_by().as_str().into(),
                },
            )?;
        }
        Ok(row)
    })
}

/// Adds a partial recovery to an open absence, which stays open.
pub fn partially_recover(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    owner: &Owner,
    id: &str,
    parse: impl FnOnce(NaiveDate) -> Result<PartialRecoveryReport, ApiError>,
    change: &Change,
) -> Result<AbsenceRow, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let row = lock_and_find(conn, owner, id)?;
        require_open(&row)?;
        let partial = parse(row.first_sick_day)?;
        let at = now();
        diesel::insert_into(absence_partial_recoveries::table)
            .values(&PartialRecoveryRow {
                id: uuid::Uuid::new_v4().to_string(),
                absence_id: row.id.clone(),
                from_date: partial.from,
                percentage: partial.percentage,
                created_at: at,
            })
            .execute(conn)?;
        touch(conn, &row.id, at)?;
        let row = find(conn, owner, id)?;
        let mut data = event_data(&row);
        data["from"] = json!(partial.from);
        data["percentage"] = json!(partial.percentage);
        record(
            conn,
            changed,
            &row,
            change,
            EventKind::AbsencePartiallyRecovered,
            data,
        )?;
        Ok(row)
    })
}

fn insert_correction(
    conn: &mut DbConnection,
    absence_id: &str,
    field: &str,
    old: Option<String>,
    new: Option<String>,
    reason: Option<String>,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(absence_corrections::table)
        .values(&CorrectionRow {
            id: uuid::Uuid::new_v4().to_string(),
            absence_id: absence_id.to_string(),
            field: field.to_string(),
            old_value: old,
            new_value: new,
            reason,
            created_at: at,
        })
        .execute(conn)?;
    Ok(())
}

/// Corrects the dates of an absence and keeps the reason. When the first sick day of a
/// chain's first spell moves, every spell counting from it moves along.
///
/// Linking is decided when a report is made; a correction does not link or unlink spells.
pub fn correct(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    owner: &Owner,
    id: &str,
    parse: impl FnOnce(NaiveDate, Option<NaiveDate>) -> Result<CorrectionInput, ApiError>,
    change: &Change,
) -> Result<AbsenceRow, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let row = lock_and_find(conn, owner, id)?;
        if row.status() == AbsenceStatus::Cancelled {
            return Err(ApiError::Conflict("This absence was cancelled.".into()));
        }
        let input = parse(row.first_sick_day, row.recovered_on)?;
        let at = now();
        let mut fields = Vec::new();
        if let Some(first) = input.first_sick_day.filter(|d| *d != row.first_sick_day) {
            insert_correction(
                conn,
                &row.id,
                "first_sick_day",
                Some(row.first_sick_day.to_string()),
                Some(first.to_string()),
                Some(input.reason.clone()),
                at,
            )?;
            diesel::update(absences::table.find(&row.id))
                .set(absences::first_sick_day.eq(first))
                .execute(conn)?;
            if row.linked_to.is_none() {
                // This spell starts its chain: it and every spell counting from it move.
                diesel::update(
                    absences::table
                        .filter(absences::employee_id.eq(&row.employee_id))
                        .filter(absences::counting_from.eq(row.counting_from)),
                )
                .set(absences::counting_from.eq(first))
                .execute(conn)?;
            }
            fields.push("first_sick_day");
        }
        if let Some(recovered) = input.recovered_on.filter(|d| Some(*d) != row.recovered_on) {
            insert_correction(
                conn,
                &row.id,
                "recovered_on",
                row.recovered_on.map(|d| d.to_string()),
                Some(recovered.to_string()),
                Some(input.reason.clone()),
                at,
            )?;
            diesel::update(absences::table.find(&row.id))
                .set(absences::recovered_on.eq(Some(recovered)))
                .execute(conn)?;
            fields.push("recovered_on");
        }
        if fields.is_empty() {
            return Ok(row);
        }
        touch(conn, &row.id, at)?;
        let row = find(conn, owner, id)?;
        let mut data = event_data(&row);
        data["corrected_fields"] = json!(fields);
        record(
            conn,
            changed,
            &row,
            change,
            EventKind::AbsenceCorrected,
            data,
        )?;
        Ok(row)
    })
}

/// Withdraws a report made in error.
pub fn cancel(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    owner: &Owner,
    id: &str,
    reason: Option<String>,
    change: &Change,
) -> Result<AbsenceRow, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let row = lock_and_find(conn, owner, id)?;
        if row.status() == AbsenceStatus::Cancelled {
            return Err(ApiError::Conflict(
                "This absence is already cancelled.".into(),
            ));
        }
        let at = now();
        insert_correction(
            conn,
            &row.id,
            "status",
            Some(row.status.clone()),
            Some(AbsenceStatus::Cancelled.as_str().into()),
            reason,
            at,
        )?;
        diesel::update(absences::table.find(&row.id))
            .set((
                absences::status.eq(AbsenceStatus::Cancelled.as_str()),
                absences::updated_at.eq(at),
            ))
            .execute(conn)?;
        let row = find(conn, owner, id)?;
        record(
            conn,
            changed,
            &row,
            change,
            EventKind::AbsenceCancelled,
            event_data(&row),
        )?;
        Ok(row)
    })
}

/// Records a Poortwachter step done outside the dossier (the week-42 report to UWV, say), once
/// per step of the absence: 409 when it is done already (by a document or a record).
pub fn record_step(
    conn: &mut DbConnection,
    owner: &Owner,
    id: &str,
    step: &StepRecord,
    today: NaiveDate,
    actor: &Actor,
) -> Result<AbsenceRow, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let row = lock_and_find(conn, owner, id)?;
        if row.status() == AbsenceStatus::Cancelled {
            return Err(ApiError::Conflict("This absence was cancelled.".into()));
        }
        if step.done_on < row.counting_from || step.done_on > today {
            return Err(ApiError::invalid(
                "done_on",
                "must lie between the (linked) first sick day and today",
            ));
        }
        if super::queries::completions(conn, &row)?.contains_key(&step.key) {
            return Err(ApiError::Conflict(format!(
                "The step `{}` is done already.",
                step.key
            )));
        }
        insert_step(
            conn,
            &row.id,
            &step.key,
            step.done_on,
            step.note.as_deref(),
            actor,
        )?;
        audit::record(
            conn,
            &row.employer_id,
            actor,
            "poortwachter.step_recorded",
            ("absence", &row.id),
        )?;
        Ok(row)
    })
}

/// Keeps a step as done for one absence; 409 when that absence has it already.
fn insert_step(
    conn: &mut DbConnection,
    absence_id: &str,
    key: &str,
    done_on: NaiveDate,
    note: Option<&str>,
    actor: &Actor,
) -> Result<(), ApiError> {
    use crate::db::schema::absence_steps;
    let (actor_type, actor_id) = actor.parts();
    let inserted = diesel::insert_into(absence_steps::table)
        .values((
            absence_steps::absence_id.eq(absence_id),
            absence_steps::step_key.eq(key),
            absence_steps::done_on.eq(done_on),
            absence_steps::note.eq(note),
            absence_steps::recorded_by_type.eq(actor_type),
            absence_steps::recorded_by_id.eq(actor_id),
            absence_steps::created_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Err(e) if is_unique_violation(&e) => Err(ApiError::Conflict(format!(
            "The step `{key}` is done already."
        ))),
        other => other.map(drop).map_err(ApiError::from),
    }
}

/// Raises `poortwachter.step_overdue` for a late step, once: the `overdue_steps` row and the
/// event commit together, and a second attempt (another worker, a restart after a crash)
/// meets the row and raises nothing. Answers whether it raised.
pub fn raise_overdue(
    conn: &mut DbConnection,
    row: &AbsenceRow,
    step_key: &str,
    due_on: NaiveDate,
) -> Result<bool, ApiError> {
    use crate::db::schema::overdue_steps;
    crate::db::write_transaction(conn, |conn| {
        let inserted = diesel::insert_into(overdue_steps::table)
            .values((
                overdue_steps::absence_id.eq(&row.id),
                overdue_steps::step_key.eq(step_key),
                overdue_steps::due_on.eq(due_on),
                overdue_steps::raised_at.eq(now()),
            ))
            .execute(conn);
        match inserted {
            Err(e) if is_unique_violation(&e) => return Ok(false),
            other => {
                other?;
            }
        }
        feed::record(
            conn,
            &row.employer_id,
            EventKind::StepOverdue,
            json!({
                "absence_id": row.id,
                "employee_id": row.employee_id,
                "step": step_key,
                "due_on": due_on,
            }),
        )?;
        Ok(true)
    })
}
