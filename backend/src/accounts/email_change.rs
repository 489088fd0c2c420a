//! An employer changes the address of an active employee (SPEC §8): the login keeps the old
//! address until the link sent to the new one is followed (single use, 24 hours), and the old
//! address is told. The login moves only onto an address no other login has.

use actix_web::{post, web, HttpResponse};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::invitations::link;
use super::logins;
use crate::auth::{random_token, secret_digest, RateLimited};
use crate::db::schema::{email_changes, employees, employers, logins as login_rows};
use crate::db::{is_unique_violation, now, ChangedEmployees, DbConnection};
use crate::domain::Language;
use crate::error::{ApiError, Conflict, Gone, NotFound, TooManyRequests};
use crate::events::email::{enqueue_email, EmailMessage};
use crate::state::AppState;

/// Where the links of the e-mails point, and how long the confirmation works.
#[derive(Debug, Clone)]
pub struct ChangeLinks {
    pub public_url: url::Url,
    pub ttl: chrono::TimeDelta,
}

impl ChangeLinks {
    pub fn from_state(state: &AppState) -> Self {
        ChangeLinks {
            public_url: state.settings.public_url.clone(),
            ttl: state.settings.accounts.email_change_ttl,
        }
    }
}

/// The employee as the e-mails address them.
struct Addressee {
    email: String,
    first_name: String,
    language: String,
    employer_name: String,
}

/// Records the change the employer asked for and sends the two e-mails. Asking again for the
/// address already waiting changes nothing (a nightly sync repeats itself); another address
/// replaces the waiting one.
pub fn request(
    conn: &mut DbConnection,
    employee_id: &str,
    login_id: &str,
    new_email: &str,
    new_email_normalised: &str,
    links: &ChangeLinks,
) -> Result<(), ApiError> {
    let at = now();
    let waiting: Option<String> = email_changes::table
        .filter(email_changes::employee_id.eq(employee_id))
        .filter(email_changes::used_at.is_null())
        .filter(email_changes::voided_at.is_null())
        .filter(email_changes::expires_at.gt(at))
        .select(email_changes::new_email_normalised)
        .first(conn)
        .optional()?;
    if waiting.as_deref() == Some(new_email_normalised) {
        return Ok(());
    }
    void_waiting(conn, employee_id, at)?;
    let token = random_token("");
    diesel::insert_into(email_changes::table)
        .values((
            email_changes::id.eq(uuid::Uuid::new_v4().to_string()),
            email_changes::employee_id.eq(employee_id),
            email_changes::login_id.eq(login_id),
            email_changes::new_email.eq(new_email),
            email_changes::new_email_normalised.eq(new_email_normalised),
            email_changes::token_hash.eq(secret_digest(&token)),
            email_changes::expires_at.eq(at + links.ttl),
            email_changes::created_at.eq(at),
        ))
        .execute(conn)?;
    let who: (String, String, String, String) = employees::table
        .inner_join(employers::table)
        .filter(employees::id.eq(employee_id))
        .select((
            employees::email,
            employees::first_name,
            employees::language,
            employers::name,
        ))
        .first(conn)?;
    let who = Addressee {
        email: who.0,
        first_name: who.1,
        language: who.2,
        employer_name: who.3,
    };
    let language = Language::parse(&who.language).unwrap_or_default();
    enqueue_email(
        conn,
        &EmailMessage::EmailChangeConfirmation {
            to: new_email.to_string(),
            language,
            first_name: who.first_name.clone(),
            employer_name: who.employer_name.clone(),
            confirm_url: link(&links.public_url, "confirm-email", &token),
            valid_hours: links.ttl.num_hours(),
        },
    )?;
    enqueue_email(
        conn,
        &EmailMessage::EmailChangeNotice {
            to: who.email,
            language,
            first_name: who.first_name,
            employer_name: who.employer_name,
            portal_url: links.public_url.to_string(),
        },
    )?;
    Ok(())
}

fn void_waiting(
    conn: &mut DbConnection,
    employee_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        email_changes::table
            .filter(email_changes::employee_id.eq(employee_id))
            .filter(email_changes::used_at.is_null())
            .filter(email_changes::voided_at.is_null()),
    )
    .set(email_changes::voided_at.eq(Some(at)))
    .execute(conn)
}

/// Confirm a new e-mail address with the link from the e-mail sent to it.
///
/// The login (and the employment whose employer made the change) move to the new address;
/// from then on it is the user name. The link works once, for 24 hours. An address that
/// already belongs to another login is never taken over (409: the employer must be asked).
#[utoipa::path(
    tag = "sessions",
    params(("token" = String, Path, description = "The token from the confirmation link")),
    responses(
        (status = 204, description = "The login's address is now the new one"),
        NotFound,
        Conflict,
        Gone,
        TooManyRequests,
    )
)]
#[post("/auth/email-change/{token}")]
pub async fn confirm(
    _rate_limited: RateLimited,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token_hash = secret_digest(&path.into_inner());
    state
        .db
        .run_changing(move |conn, changed| {
            crate::db::write_transaction(conn, |conn| confirm_change(conn, changed, &token_hash))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn confirm_change(
    conn: &mut DbConnection,
    changed: &mut ChangedEmployees,
    token_hash: &str,
) -> Result<(), ApiError> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let found: Option<Row> = email_changes::table
        .filter(email_changes::token_hash.eq(token_hash))
        .select((
            email_changes::id,
            email_changes::employee_id,
            email_changes::login_id,
            email_changes::new_email,
            email_changes::new_email_normalised,
            email_changes::expires_at,
            email_changes::used_at,
            email_changes::voided_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, employee_id, login_id, new_email, new_normalised, expires_at, used, voided)) =
        found
    else {
        return Err(ApiError::NotFound);
    };
    if used.is_some() || voided.is_some() {
        return Err(ApiError::NotFound);
    }
    let at = now();
    if expires_at <= at {
        return Err(ApiError::Gone(
            "This link has expired. Ask your employer to change the address again.".into(),
        ));
    }
    let taken = || {
        ApiError::Conflict(
            "This address already belongs to another Verzuim login; ask your employer.".into(),
        )
    };
    if logins::find_by_email(conn, &new_normalised)?.is_some_and(|other| other.id != login_id) {
        return Err(taken());
    }
    diesel::update(email_changes::table.find(&id))
        .set(email_changes::used_at.eq(Some(at)))
        .execute(conn)?;
    let moved = diesel::update(login_rows::table.find(&login_id))
        .set((
            login_rows::email_normalised.eq(&new_normalised),
            login_rows::updated_at.eq(at),
        ))
        .execute(conn);
    match moved {
        Err(e) if is_unique_violation(&e) => return Err(taken()),
        other => other?,
    };
    let employee = diesel::update(
        employees::table
            .find(&employee_id)
            .filter(employees::deleted_at.is_null()),
    )
    .set((
        employees::email.eq(&new_email),
        employees::email_normalised.eq(&new_normalised),
        employees::updated_at.eq(at),
    ))
    .execute(conn);
    match employee {
        // The employer gave the address to another of its employees meanwhile.
        Err(e) if is_unique_violation(&e) => return Err(taken()),
        other => other?,
    };
    changed.employee(&employee_id);
    Ok(())
}
