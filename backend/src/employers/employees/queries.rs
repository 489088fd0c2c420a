//! Database work on employees, always scoped to one employer. Other modules (invitations,
//! absences, documents) reuse these rather than querying `employees` themselves.

use crate::auth::Party;
use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Timestamp};

use super::models::{
    AccountState, AccountStatus, Employee, EmployeeChanges, EmployeeResponse, NewEmployee,
};
use super::validation::ValidEmployee;
use crate::accounts::email_change::{self, ChangeLinks};
use crate::db::schema::{
    email_changes, employees, employers, invitations, login_attempts, logins, refresh_tokens,
};
use crate::db::{ChangedEmployees, DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::web::page::split_page;

/// Bind parameters per `IN (…)` list: far below SQLite's and PostgreSQL's limits.
const IN_LIST_CHUNK: usize = 500;
/// Rows per multi-row `INSERT`: 500 × 12 columns stays far below both databases' limits on
/// bind parameters.
const INSERT_CHUNK: usize = 500;

/// The employer's employee with this id. Another employer's employee, a deleted one, an
/// unknown id and a malformed one are all the same 404.
/// The employer of (not deleted) employee `employee_id`, when `party` may act for it; 404
/// otherwise, as for an employee that does not exist.
pub fn employer_of_employee(
    conn: &mut DbConnection,
    party: &Party,
    employee_id: &str,
) -> Result<String, ApiError> {
    party.employer_of_record(conn, |conn| {
        employees::table
            .find(employee_id)
            .filter(employees::deleted_at.is_null())
            .select(employees::employer_id)
            .first(conn)
            .optional()
    })
}

pub fn find_employee(
    conn: &mut DbConnection,
    employer_id: &str,
    employee_id: &str,
) -> Result<Employee, ApiError> {
    employees::table
        .filter(employees::id.eq(employee_id))
        .filter(employees::employer_id.eq(employer_id))
        .filter(employees::deleted_at.is_null())
        .select(Employee::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// The employer's (not deleted) employee with this external id, if any.
pub fn find_by_external_id(
    conn: &mut DbConnection,
    employer_id: &str,
    external_id: &str,
) -> Result<Option<Employee>, ApiError> {
    Ok(employees::table
        .filter(employees::employer_id.eq(employer_id))
        .filter(employees::external_id.eq(external_id))
        .filter(employees::deleted_at.is_null())
        .select(Employee::as_select())
        .first(conn)
        .optional()?)
}

/// The id of the employer's (not deleted) employee using this e-mail address (compared
/// case-insensitively), other than `except`.
pub fn email_taken_by(
    conn: &mut DbConnection,
    employer_id: &str,
    email_normalised: &str,
    except: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let mut query = employees::table
        .filter(employees::employer_id.eq(employer_id))
        .filter(employees::email_normalised.eq(email_normalised))
        .filter(employees::deleted_at.is_null())
        .select(employees::id)
        .into_boxed::<MultiBackend>();
    if let Some(except) = except {
        query = query.filter(employees::id.ne(except.to_string()));
    }
    Ok(query.first::<String>(conn).optional()?)
}

/// The id of the employer's (not deleted) employee with this external id, other than `except`.
pub fn external_id_taken_by(
    conn: &mut DbConnection,
    employer_id: &str,
    external_id: &str,
    except: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let mut query = employees::table
        .filter(employees::employer_id.eq(employer_id))
        .filter(employees::external_id.eq(external_id))
        .filter(employees::deleted_at.is_null())
        .select(employees::id)
        .into_boxed::<MultiBackend>();
    if let Some(except) = except {
        query = query.filter(employees::id.ne(except.to_string()));
    }
    Ok(query.first::<String>(conn).optional()?)
}

pub fn email_conflict() -> ApiError {
    ApiError::Conflict(
        "Another employee of this employer already uses this e-mail address (compared without regard to case).".into(),
    )
}

pub fn external_id_conflict() -> ApiError {
    ApiError::Conflict("Another employee of this employer already has this external_id.".into())
}

/// Turns a unique violation from the partial unique indexes (a race the checks above could
/// not see) into the same 409 the checks give; any other error passes through.
pub fn conflict_from_unique_violation(error: diesel::result::Error) -> ApiError {
    if crate::db::is_unique_violation(&error) {
        // PostgreSQL names the index, SQLite the columns: both mention `external_id`.
        let mentions_external_id = match &error {
            diesel::result::Error::DatabaseError(_, info) => {
                info.message().contains("external_id")
                    || info
                        .constraint_name()
                        .is_some_and(|c| c.contains("external_id"))
            }
            _ => false,
        };
        if mentions_external_id {
            external_id_conflict()
        } else {
            email_conflict()
        }
    } else {
        error.into()
    }
}

/// The row for a new employee of `employer_id`; `nl` when no language was given.
pub fn new_employee(employer_id: &str, valid: &ValidEmployee, now: NaiveDateTime) -> NewEmployee {
    NewEmployee {
        id: uuid::Uuid::new_v4().to_string(),
        employer_id: employer_id.to_string(),
        external_id: valid.external_id.as_ref().map(|id| id.as_str().to_string()),
        email: valid.email.as_str().to_string(),
        email_normalised: valid.email.normalised(),
        first_name: valid.first_name.as_str().to_string(),
        last_name: valid.last_name.as_str().to_string(),
        date_of_birth: valid.date_of_birth.date(),
        language: valid.language.unwrap_or_default().as_str().to_string(),
        notify_new_documents: true,
        created_at: now,
        updated_at: now,
    }
}

/// Inserts rows (one statement per chunk of 500), mapping a unique violation to 409.
pub fn insert_employees(conn: &mut DbConnection, rows: &[NewEmployee]) -> Result<(), ApiError> {
    // Multi-row inserts do not compile against the multi-backend connection: go to the
    // concrete one (the statement is the same on both).
    for chunk in rows.chunks(INSERT_CHUNK) {
        let insert = diesel::insert_into(employees::table).values(chunk);
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c),
            DbConnection::Postgres(c) => insert.execute(c),
        }
        .map_err(conflict_from_unique_violation)?;
    }
    Ok(())
}

/// Applies `changes` (which must not be empty) to one employee, stamping `updated_at`.
pub fn update_employee(
    conn: &mut DbConnection,
    employee_id: &str,
    login_id: Option<&str>,
    mut changes: EmployeeChanges,
    now: NaiveDateTime,
    links: &ChangeLinks,
) -> Result<(), ApiError> {
    // An active employee's address is their login's user name: it moves only once the new
    // address confirms it. Only the spelling (case) changes at once.
    if let (Some(login_id), Some(new_normalised)) = (login_id, changes.email_normalised.take()) {
        if let Some(new_email) = changes.email.take() {
            email_change::request(
                conn,
                employee_id,
                login_id,
                &new_email,
                &new_normalised,
                links,
            )?;
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    changes.updated_at = Some(now);
    diesel::update(employees::table.find(employee_id))
        .set(&changes)
        .execute(conn)
        .map_err(conflict_from_unique_violation)?;
    Ok(())
}

/// Serialises changes to one employer's employees: the first statement of every writing
/// transaction here. It row-locks the employer on PostgreSQL and takes SQLite's write lock
/// before anything is read, so the uniqueness checks that follow cannot race another request
/// (the unique indexes remain the last line of defence) and SQLite never has to upgrade a
/// read transaction, which could fail with `SQLITE_BUSY`.
pub fn lock_employer(conn: &mut DbConnection, employer_id: &str) -> Result<(), ApiError> {
    diesel::update(employers::table.find(employer_id))
        .set(employers::updated_at.eq(employers::updated_at))
        .execute(conn)?;
    Ok(())
}

/// Ends every way in for this employee at once: refresh tokens revoked, open invitations
/// voided, unused password-reset links spent. Call inside the transaction that makes the
/// change.
pub fn revoke_access(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    employee_id: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    changed.employee(employee_id);
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::employee_id.eq(employee_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    diesel::update(
        invitations::table
            .filter(invitations::employee_id.eq(employee_id))
            .filter(invitations::used_at.is_null())
            .filter(invitations::voided_at.is_null()),
    )
    .set(invitations::voided_at.eq(now))
    .execute(conn)?;
    diesel::update(
        email_changes::table
            .filter(email_changes::employee_id.eq(employee_id))
            .filter(email_changes::used_at.is_null())
            .filter(email_changes::voided_at.is_null()),
    )
    .set(email_changes::voided_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// The account state of each given employee, keyed by id, in two queries however many
/// employees there are: active when activated (blocked while a login block runs for its
/// address), invited while an invitation is open, otherwise not invited.
pub fn account_states(
    conn: &mut DbConnection,
    list: &[Employee],
    now: NaiveDateTime,
) -> Result<HashMap<String, AccountState>, ApiError> {
    let mut open_invitations: HashMap<String, NaiveDateTime> = HashMap::new();
    let pending: Vec<&str> = list
        .iter()
        .filter(|e| e.activated_at.is_none())
        .map(|e| e.id.as_str())
        .collect();
    for chunk in pending.chunks(IN_LIST_CHUNK) {
        let rows: Vec<(String, NaiveDateTime)> = invitations::table
            .filter(invitations::employee_id.eq_any(chunk))
            .filter(invitations::used_at.is_null())
            .filter(invitations::voided_at.is_null())
            .filter(invitations::expires_at.gt(now))
            .select((invitations::employee_id, invitations::expires_at))
            .load(conn)?;
        for (employee_id, expires_at) in rows {
            let latest = open_invitations.entry(employee_id).or_insert(expires_at);
            *latest = (*latest).max(expires_at);
        }
    }

    // Blocked is the state of the person's login (its address), not of this employer's copy
    // of the address; and the address an employer asked to change to, still unconfirmed.
    let logins_of: Vec<&str> = list.iter().filter_map(|e| e.login_id.as_deref()).collect();
    let mut blocked_logins: Vec<String> = Vec::new();
    for chunk in logins_of.chunks(IN_LIST_CHUNK) {
        blocked_logins.extend(
            logins::table
                .inner_join(
                    login_attempts::table
                        .on(login_attempts::email_normalised.eq(logins::email_normalised)),
                )
                .filter(logins::id.eq_any(chunk))
                .filter(login_attempts::blocked_until.gt(now))
                .select(logins::id)
                .load::<String>(conn)?,
        );
    }
    let mut pending_emails: HashMap<String, String> = HashMap::new();
    let ids: Vec<&str> = list
        .iter()
        .filter(|e| e.login_id.is_some())
        .map(|e| e.id.as_str())
        .collect();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let rows: Vec<(String, String)> = email_changes::table
            .filter(email_changes::employee_id.eq_any(chunk))
            .filter(email_changes::used_at.is_null())
            .filter(email_changes::voided_at.is_null())
            .filter(email_changes::expires_at.gt(now))
            .select((email_changes::employee_id, email_changes::new_email))
            .load(conn)?;
        pending_emails.extend(rows);
    }

    Ok(list
        .iter()
        .map(|e| {
            let invitation_expires_at = open_invitations.get(&e.id).copied();
            let status = if e.activated_at.is_some() {
                if e.login_id
                    .as_ref()
                    .is_some_and(|l| blocked_logins.contains(l))
                {
                    AccountStatus::Blocked
                } else {
                    AccountStatus::Active
                }
            } else if invitation_expires_at.is_some() {
                AccountStatus::Invited
            } else {
                AccountStatus::NotInvited
            };
            (
                e.id.clone(),
                AccountState {
                    status,
                    invitation_expires_at,
                    pending_email: pending_emails.get(&e.id).cloned(),
                },
            )
        })
        .collect())
}

/// The account state of one employee.
pub fn account_state(
    conn: &mut DbConnection,
    employee: &Employee,
    now: NaiveDateTime,
) -> Result<AccountState, ApiError> {
    account_states(conn, std::slice::from_ref(employee), now)?
        .remove(&employee.id)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("account state missing")))
}

/// The employee as the employer API shows it, account state included.
pub fn employee_response(
    conn: &mut DbConnection,
    employee: Employee,
) -> Result<EmployeeResponse, ApiError> {
    let state = account_state(conn, &employee, crate::db::now())?;
    Ok(EmployeeResponse::new(employee, state))
}

/// Where an employee list continues: the last item's `(created_at, id)`.
pub type Position = (NaiveDateTime, String);

/// What a list request asks for, already validated.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub status: Option<AccountStatus>,
    pub email_normalised: Option<String>,
    pub after: Option<Position>,
    pub limit: i64,
}

/// One page of the employer's (not deleted) employees, oldest first, and the cursor of the
/// next page. The account-status filter runs in SQL, so pages are full and none is skipped.
pub fn list_employees(
    conn: &mut DbConnection,
    employer_ids: &[String],
    filter: &ListFilter,
    now: NaiveDateTime,
) -> Result<(Vec<Employee>, Option<Position>), ApiError> {
    let mut query = employees::table
        .filter(employees::employer_id.eq_any(employer_ids.to_vec()))
        .filter(employees::deleted_at.is_null())
        .select(Employee::as_select())
        .order((employees::created_at.asc(), employees::id.asc()))
        .limit(filter.limit + 1)
        .into_boxed::<MultiBackend>();
    if let Some(email) = &filter.email_normalised {
        query = query.filter(employees::email_normalised.eq(email.clone()));
    }
    if let Some((created_at, id)) = &filter.after {
        query = query.filter(
            employees::created_at
                .gt(*created_at)
                .or(employees::created_at
                    .eq(*created_at)
                    .and(employees::id.gt(id.clone()))),
        );
    }
    if let Some(status) = filter.status {
        let invitation_open = exists(
            invitations::table
                .filter(invitations::employee_id.eq(employees::id))
                .filter(invitations::used_at.is_null())
                .filter(invitations::voided_at.is_null())
                .filter(invitations::expires_at.gt(now)),
        );
        // `login_attempts` is keyed by the login's address, not joined in the schema.
        let blocked = || {
            sql::<Bool>(
                "EXISTS (SELECT 1 FROM login_attempts \
                 JOIN logins ON logins.email_normalised = login_attempts.email_normalised \
                 WHERE logins.id = employees.login_id \
                 AND login_attempts.blocked_until > ",
            )
            .bind::<Timestamp, _>(now)
            .sql(")")
        };
        query = match status {
            AccountStatus::Active => query
                .filter(employees::activated_at.is_not_null())
                .filter(not(blocked())),
            AccountStatus::Blocked => query
                .filter(employees::activated_at.is_not_null())
                .filter(blocked()),
            AccountStatus::Invited => query
                .filter(employees::activated_at.is_null())
                .filter(invitation_open),
            AccountStatus::NotInvited => query
                .filter(employees::activated_at.is_null())
                .filter(not(invitation_open)),
        };
    }
    let rows = query.load::<Employee>(conn)?;
    Ok(split_page(rows, filter.limit, |last| {
        (last.created_at, last.id.clone())
    }))
}
