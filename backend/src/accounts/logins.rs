//! One login per person (SPEC §8): one normalised e-mail address with one password, one
//! lockout count (`lockout`, keyed by the same address) and one set of second factors, however
//! many employers employ the person. Each employment (an `employees` row) links to its login
//! when it is activated; an access token names one employment.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::tokens::Stage;
use crate::db::schema::{
    email_changes, employees, employers, logins, mfa_challenges, passkeys, password_resets,
    recovery_codes, refresh_tokens, webauthn_ceremonies,
};
use crate::db::{now, ChangedEmployees, DbConnection};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = logins)]
pub struct Login {
    pub id: String,
    pub email_normalised: String,
    pub password_hash: String,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_confirmed_at: Option<NaiveDateTime>,
    pub totp_last_step: Option<i64>,
    #[diesel(select_expression = diesel::dsl::exists(
        passkeys::table.filter(passkeys::login_id.eq(logins::id))
    ))]
    #[diesel(select_expression_type = diesel::dsl::exists<
        diesel::dsl::Filter<passkeys::table, diesel::dsl::Eq<passkeys::login_id, logins::id>>
    >)]
    pub has_passkey: bool,
}

impl Login {
    pub fn has_totp(&self) -> bool {
        self.totp_confirmed_at.is_some()
    }

    pub fn has_second_factor(&self) -> bool {
        self.has_totp() || self.has_passkey
    }
}

/// One employment of a login that may be used: activated and not deleted.
#[derive(Debug, Clone, Queryable)]
pub struct Employment {
    pub employee_id: String,
    pub employer_id: String,
    pub employer_name: String,
    /// The employer's policy: a second factor is required (default).
    pub mfa_required: bool,
}

impl Employment {
    /// What a token for this employment may reach: everything, or only enrolment while the
    /// employer requires a second factor the login does not have.
    pub fn stage(&self, login: &Login) -> Stage {
        if self.mfa_required && !login.has_second_factor() {
            Stage::Enrolment
        } else {
            Stage::Full
        }
    }
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Login>> {
    logins::table
        .filter(logins::email_normalised.eq(email))
        .select(Login::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConnection, login_id: &str) -> QueryResult<Login> {
    logins::table
        .find(login_id)
        .select(Login::as_select())
        .first(conn)
}

pub fn find_optional(conn: &mut DbConnection, login_id: &str) -> QueryResult<Option<Login>> {
    find(conn, login_id).optional()
}

/// The login of an employment (404 when it has none: not activated).
pub fn of_employee(conn: &mut DbConnection, employee_id: &str) -> Result<Login, ApiError> {
    Ok(employees::table
        .inner_join(logins::table)
        .filter(employees::id.eq(employee_id))
        .filter(employees::deleted_at.is_null())
        .select(Login::as_select())
        .first(conn)?)
}

/// The login's usable employments, the first activated first.
pub fn employments(conn: &mut DbConnection, login_id: &str) -> QueryResult<Vec<Employment>> {
    employees::table
        .inner_join(employers::table)
        .filter(employees::login_id.eq(login_id))
        .filter(employees::deleted_at.is_null())
        .filter(employees::activated_at.is_not_null())
        .order((employees::activated_at.asc(), employees::id.asc()))
        .select((
            employees::id,
            employees::employer_id,
            employers::name,
            employers::mfa_required,
        ))
        .load(conn)
}

pub fn employment(
    conn: &mut DbConnection,
    login_id: &str,
    employee_id: &str,
) -> QueryResult<Option<Employment>> {
    Ok(employments(conn, login_id)?
        .into_iter()
        .find(|e| e.employee_id == employee_id))
}

/// A new login for `email`; the caller links the employment. Two activations of one address
/// racing each other: the second meets the unique address and answers 409.
pub fn create(
    conn: &mut DbConnection,
    email_normalised: &str,
    password_hash: &str,
) -> Result<String, ApiError> {
    let id = uuid::Uuid::new_v4().to_string();
    let at = now();
    let inserted = diesel::insert_into(logins::table)
        .values((
            logins::id.eq(&id),
            logins::email_normalised.eq(email_normalised),
            logins::password_hash.eq(password_hash),
            logins::created_at.eq(at),
            logins::updated_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(id),
        Err(e) if crate::db::is_unique_violation(&e) => Err(ApiError::Conflict(
            "A login for this address was created at the same moment; open the link again.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Links an employment to its login and activates it.
pub fn link(
    conn: &mut DbConnection,
    employee_id: &str,
    login_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(employees::table.find(employee_id))
        .set((
            employees::login_id.eq(Some(login_id)),
            employees::activated_at.eq(Some(at)),
            employees::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn set_password(conn: &mut DbConnection, login_id: &str, hash: &str) -> QueryResult<usize> {
    diesel::update(logins::table.find(login_id))
        .set((logins::password_hash.eq(hash), logins::updated_at.eq(now())))
        .execute(conn)
}

/// Every employment id that ever linked to the login (deleted ones included: their sessions
/// end too).
fn employee_ids(conn: &mut DbConnection, login_id: &str) -> QueryResult<Vec<String>> {
    employees::table
        .filter(employees::login_id.eq(login_id))
        .select(employees::id)
        .load(conn)
}

/// Revokes every session of the person, in every employment, or all but `keep` (the caller's
/// own session).
pub fn revoke_sessions(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    login_id: &str,
    keep: Option<&str>,
) -> Result<(), ApiError> {
    let ids = employee_ids(conn, login_id)?;
    for id in &ids {
        changed.employee(id);
    }
    let open = refresh_tokens::table
        .filter(refresh_tokens::employee_id.eq_any(&ids))
        .filter(refresh_tokens::revoked_at.is_null());
    let at = Some(now());
    match keep {
        Some(family) => diesel::update(open.filter(refresh_tokens::family_id.ne(family)))
            .set(refresh_tokens::revoked_at.eq(at))
            .execute(conn)?,
        None => diesel::update(open)
            .set(refresh_tokens::revoked_at.eq(at))
            .execute(conn)?,
    };
    Ok(())
}

/// Removes the authenticator app. The recovery codes stay while a passkey is left (they stand
/// in for any factor); with no factor left they go too, and open login steps end.
pub fn remove_totp(conn: &mut DbConnection, login_id: &str) -> QueryResult<()> {
    diesel::update(logins::table.find(login_id))
        .set((
            logins::totp_secret.eq(None::<Vec<u8>>),
            logins::totp_confirmed_at.eq(None::<NaiveDateTime>),
            logins::totp_last_step.eq(None::<i64>),
            logins::updated_at.eq(now()),
        ))
        .execute(conn)?;
    forget_recovery_codes_without_factor(conn, login_id)
}

/// After a factor went: with none left, the recovery codes and open login steps go too.
pub fn forget_recovery_codes_without_factor(
    conn: &mut DbConnection,
    login_id: &str,
) -> QueryResult<()> {
    if find(conn, login_id)?.has_second_factor() {
        return Ok(());
    }
    diesel::delete(recovery_codes::table.filter(recovery_codes::login_id.eq(login_id)))
        .execute(conn)?;
    end_challenges(conn, login_id)?;
    Ok(())
}

/// Removes every second factor: the app, the passkeys and the recovery codes; open login steps
/// and passkey ceremonies end.
pub fn remove_factors(conn: &mut DbConnection, login_id: &str) -> QueryResult<()> {
    diesel::delete(webauthn_ceremonies::table.filter(webauthn_ceremonies::login_id.eq(login_id)))
        .execute(conn)?;
    diesel::delete(passkeys::table.filter(passkeys::login_id.eq(login_id))).execute(conn)?;
    remove_totp(conn, login_id)
}

pub fn end_challenges(conn: &mut DbConnection, login_id: &str) -> QueryResult<usize> {
    diesel::update(
        mfa_challenges::table
            .filter(mfa_challenges::login_id.eq(login_id))
            .filter(mfa_challenges::used_at.is_null()),
    )
    .set(mfa_challenges::used_at.eq(Some(now())))
    .execute(conn)
}

/// A login none of whose employments is left is forgotten with its factors, so that a later
/// invitation to the address starts afresh instead of asking for a password nobody can reset.
pub fn forget_if_unused(conn: &mut DbConnection, login_id: &str) -> QueryResult<bool> {
    let in_use = employees::table
        .filter(employees::login_id.eq(login_id))
        .filter(employees::deleted_at.is_null())
        .count()
        .get_result::<i64>(conn)?;
    if in_use > 0 {
        return Ok(false);
    }
    diesel::update(employees::table.filter(employees::login_id.eq(login_id)))
        .set(employees::login_id.eq(None::<String>))
        .execute(conn)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::login_id.eq(login_id)))
        .execute(conn)?;
    diesel::delete(webauthn_ceremonies::table.filter(webauthn_ceremonies::login_id.eq(login_id)))
        .execute(conn)?;
    diesel::delete(passkeys::table.filter(passkeys::login_id.eq(login_id))).execute(conn)?;
    diesel::delete(mfa_challenges::table.filter(mfa_challenges::login_id.eq(login_id)))
        .execute(conn)?;
    diesel::delete(password_resets::table.filter(password_resets::login_id.eq(login_id)))
        .execute(conn)?;
    diesel::delete(email_changes::table.filter(email_changes::login_id.eq(login_id)))
        .execute(conn)?;
    diesel::delete(logins::table.find(login_id)).execute(conn)?;
    Ok(true)
}
