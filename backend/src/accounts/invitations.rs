//! Invitation (employer API) and activation (employee, SPEC §2.1–2.3).

use actix_web::{post, web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::mfa::{self, SecondFactor};
use super::models::{Account, Invitation};
use super::{lockout, logins};
use crate::auth::scopes::EmployeesWrite;
use crate::auth::{random_token, secret_digest, EmployerClient, RateLimited};
use crate::db::schema::{employees, employers, invitations};
use crate::db::{now, DbConnection};
use crate::domain::{password, EmailAddress, Language};
use crate::error::{ApiError, Conflict, Gone, Invalid, NotFound, TooManyRequests, Unauthorized};
use crate::events::email::{enqueue_email, EmailMessage};
use crate::events::feed::{self, EventKind};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationSent {
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// (Re)send the invitation e-mail; a new invitation voids the previous one.
///
/// The e-mail links to `/activate/{token}`, valid 14 days. An employee whose account is active
/// answers 409. Emits `employee.invited`. Needs `employees:write`.
#[utoipa::path(
    tag = "employees",
    security(("employer_oauth" = ["employees:write"])),
    params(("id" = String, Path, description = "Employee id")),
    responses(
        (status = 202, description = "Invitation e-mail queued", body = InvitationSent),
        Unauthorized,
        NotFound,
        Conflict,
    )
)]
#[post("/employees/{id}/invitation")]
pub async fn send_invitation(
    client: EmployerClient<EmployeesWrite>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let employee_id = path.into_inner();
    let ttl = state.settings.accounts.invitation_ttl;
    let public_url = state.settings.public_url.clone();
    let expires_at = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let (account, employer_name) = employees::table
                    .inner_join(employers::table)
                    .filter(employees::id.eq(&employee_id))
                    .filter(employees::employer_id.eq(&client.employer_id))
                    .filter(employees::deleted_at.is_null())
                    .select((Account::as_select(), employers::name))
                    .first::<(Account, String)>(conn)?;
                if account.activated_at.is_some() {
                    return Err(ApiError::Conflict(
                        "The employee has already activated their account.".into(),
                    ));
                }
                let created_at = now();
                void_open_invitations(conn, &account.id, created_at)?;
                let token = random_token("");
                let expires_at = created_at + ttl;
                diesel::insert_into(invitations::table)
                    .values((
                        invitations::id.eq(uuid::Uuid::new_v4().to_string()),
                        invitations::employee_id.eq(&account.id),
                        invitations::token_hash.eq(secret_digest(&token)),
                        invitations::expires_at.eq(expires_at),
                        invitations::failed_checks.eq(0),
                        invitations::created_at.eq(created_at),
                    ))
                    .execute(conn)?;
                enqueue_email(
                    conn,
                    &EmailMessage::Invitation {
                        to: account.email.clone(),
                        language: Language::parse(&account.language).unwrap_or_default(),
                        first_name: account.first_name.clone(),
                        employer_name,
                        activation_url: link(&public_url, "activate", &token),
                        expires_on: crate::domain::calendar::dutch_date_of(expires_at),
                    },
                )?;
                feed::record(
                    conn,
                    &client.employer_id,
                    EventKind::EmployeeInvited,
                    serde_json::json!({
                        "employee_id": account.id,
                        "expires_at": expires_at.and_utc(),
                    }),
                )?;
                Ok(expires_at)
            })
        })
        .await?;
    Ok(HttpResponse::Accepted().json(InvitationSent {
        expires_at: expires_at.and_utc(),
    }))
}

pub fn link(public_url: &url::Url, page: &str, token: &str) -> String {
    format!(
        "{}/{page}/{token}",
        public_url.as_str().trim_end_matches('/')
    )
}

/// Voids every invitation of the employee that is still open.
fn void_open_invitations(
    conn: &mut DbConnection,
    employee_id: &str,
    at: chrono::NaiveDateTime,
) -> Result<usize, ApiError> {
    Ok(diesel::update(
        invitations::table
            .filter(invitations::employee_id.eq(employee_id))
            .filter(invitations::used_at.is_null())
            .filter(invitations::voided_at.is_null()),
    )
    .set(invitations::voided_at.eq(Some(at)))
    .execute(conn)?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityCheck {
    pub email: String,
    #[schema(value_type = String, format = Date)]
    pub date_of_birth: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Activation {
    pub email: String,
    #[schema(value_type = String, format = Date)]
    pub date_of_birth: NaiveDate,
    /// The password to choose; or, when the address already has a login
    /// (`login_exists`), that login's password.
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
    /// The authenticator app's code, when the existing login has a second factor
    /// (`login_has_mfa`).
    pub code: Option<String>,
    /// Or one of the login's recovery codes (a login whose only factors are passkeys).
    pub recovery_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivationStatus {
    /// `ok` after a successful check; `active` after activation with a new password; `linked`
    /// when the employment joined the person's existing login.
    pub status: &'static str,
    /// After the check: the address already has a login (the person works for another
    /// employer using Verzuim), so step 2 asks for its password instead of a new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_exists: Option<bool>,
    /// After the check: that login asks for an authenticator code too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_has_mfa: Option<bool>,
}

enum IdentityOutcome {
    Matches(Box<(Invitation, Account)>),
    Mismatch,
}

/// Checks the answers against the invitation's employee, counting a wrong answer (and voiding
/// the invitation at the limit) in the database, committed even though the caller then fails.
/// The address as typed, parsed before anything is looked up or counted.
fn parsed_email(text: &str) -> Result<EmailAddress, ApiError> {
    EmailAddress::parse(text).map_err(|message| ApiError::invalid("email", message))
}

fn check_identity(
    conn: &mut DbConnection,
    token: &str,
    email: &EmailAddress,
    date_of_birth: NaiveDate,
    max_failures: i32,
) -> Result<IdentityOutcome, ApiError> {
    let token_hash = secret_digest(token);
    crate::db::write_transaction(conn, |conn| {
        // Count before checking: the attempt is reserved by one conditional increment, so
        // parallel answers cannot all read the same count and all be compared.
        let at = now();
        let reserved = diesel::update(
            invitations::table
                .filter(invitations::token_hash.eq(&token_hash))
                .filter(invitations::used_at.is_null())
                .filter(invitations::voided_at.is_null())
                .filter(invitations::expires_at.gt(at))
                .filter(invitations::failed_checks.lt(max_failures)),
        )
        .set(invitations::failed_checks.eq(invitations::failed_checks + 1))
        .execute(conn)?;
        let found = invitations::table
            .inner_join(employees::table)
            .filter(invitations::token_hash.eq(&token_hash))
            .filter(employees::deleted_at.is_null())
            .select((Invitation::as_select(), Account::as_select()))
            .first::<(Invitation, Account)>(conn)
            .optional()?;
        let Some((invitation, account)) = found else {
            return Err(ApiError::NotFound);
        };
        if invitation.used_at.is_some() || account.activated_at.is_some() {
            return Err(ApiError::NotFound);
        }
        if invitation.voided_at.is_some() || reserved == 0 && invitation.expires_at > at {
            if invitation.voided_at.is_none() {
                void(conn, &invitation.id, at)?;
            }
            return Err(ApiError::Gone(
                "This invitation is no longer valid. Ask your employer to send a new one.".into(),
            ));
        }
        if invitation.expires_at <= at {
            return Err(ApiError::Gone(
                "This invitation has expired. Ask your employer to send a new one.".into(),
            ));
        }
        let email_matches = email.normalised() == account.email_normalised;
        if email_matches && date_of_birth == account.date_of_birth {
            // A right answer releases only its own reservation.
            diesel::update(invitations::table.find(&invitation.id))
                .set(invitations::failed_checks.eq(invitations::failed_checks - 1))
                .execute(conn)?;
            return Ok(IdentityOutcome::Matches(Box::new((invitation, account))));
        }
        if invitation.failed_checks >= max_failures {
            void(conn, &invitation.id, at)?;
        }
        Ok(IdentityOutcome::Mismatch)
    })
}

fn void(conn: &mut DbConnection, invitation_id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(invitations::table.find(invitation_id))
        .set(invitations::voided_at.eq(Some(at)))
        .execute(conn)
}

/// Step 1 of activation: do the e-mail address and date of birth match the invitation?
///
/// Lets the web app check the details before asking for a password. The answer never says which
/// of the two was wrong; the fifth wrong answer voids the invitation (410 afterwards), and the
/// employer must send a new one.
#[utoipa::path(
    tag = "activation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    request_body = IdentityCheck,
    responses(
        (status = 200, description = "The details match; go on to choose a password", body = ActivationStatus),
        Invalid,
        NotFound,
        Gone,
        TooManyRequests,
    )
)]
#[post("/activation/{token}/verify")]
pub async fn verify_identity(
    _rate_limited: RateLimited,
    path: web::Path<String>,
    body: crate::web::input::PublicJson<IdentityCheck>,
    state: web::Data<AppState>,
) -> Result<web::Json<ActivationStatus>, ApiError> {
    let token = path.into_inner();
    let IdentityCheck {
        email,
        date_of_birth,
    } = body.into_inner();
    let email = parsed_email(&email)?;
    let max = state.settings.accounts.activation_max_failures;
    let outcome = state
        .db
        .run(move |conn| {
            let outcome = check_identity(conn, &token, &email, date_of_birth, max)?;
            let login = match &outcome {
                IdentityOutcome::Matches(matched) => {
                    logins::find_by_email(conn, &matched.1.email_normalised)?
                }
                IdentityOutcome::Mismatch => None,
            };
            Ok((outcome, login))
        })
        .await?;
    match outcome {
        (IdentityOutcome::Matches(_), login) => Ok(web::Json(ActivationStatus {
            status: "ok",
            login_exists: Some(login.is_some()),
            login_has_mfa: Some(login.is_some_and(|l| l.has_second_factor())),
        })),
        (IdentityOutcome::Mismatch, _) => Err(ApiError::IdentityMismatch),
    }
}

/// Step 2 of activation: the same details plus the chosen password; activates the account.
///
/// Answers 201 when the details match and the password meets the policy (10–128 characters, not
/// the e-mail's local part, not a common password). Wrong details count toward the invitation's
/// five attempts, as in step 1. The employee logs in next.
#[utoipa::path(
    tag = "activation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    request_body = Activation,
    responses(
        (status = 201, description = "The account is active; log in next", body = ActivationStatus),
        Invalid,
        NotFound,
        Gone,
        TooManyRequests,
    )
)]
#[post("/activation/{token}")]
pub async fn activate(
    _rate_limited: RateLimited,
    path: web::Path<String>,
    body: crate::web::input::PublicJson<Activation>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    let Activation {
        email,
        date_of_birth,
        password,
        code,
        recovery_code,
    } = body.into_inner();
    let email = parsed_email(&email)?;
    password::check_size(&password).map_err(|message| ApiError::invalid("password", message))?;
    let factor = match (&code, &recovery_code) {
        (None, None) => None,
        _ => Some(SecondFactor::parse(
            code.as_deref(),
            recovery_code.as_deref(),
        )?),
    };
    let max = state.settings.accounts.activation_max_failures;
    let settings = state.settings.accounts.clone();
    let outcome = state
        .db
        .run(move |conn| {
            let outcome = check_identity(conn, &token, &email, date_of_birth, max)?;
            let IdentityOutcome::Matches(matched) = outcome else {
                return Ok(None);
            };
            let login = logins::find_by_email(conn, &matched.1.email_normalised)?;
            if let Some(login) = &login {
                // The existing login's password is a credential check like a login.
                lockout::reserve(conn, &login.email_normalised, &settings)?;
            }
            Ok(Some((*matched, login)))
        })
        .await?;
    let Some(((invitation, account), login)) = outcome else {
        return Err(ApiError::IdentityMismatch);
    };
    let Some(login) = login else {
        account.check_new_password("password", &password, &state.settings.accounts)?;
        let password_hash = state.passwords.hash(password).await?;
        state
            .db
            .run(move |conn| {
                crate::db::write_transaction(conn, |conn| {
                    let activated_at = use_invitation(conn, &invitation.id)?;
                    let login_id = logins::create(conn, &account.email_normalised, &password_hash)?;
                    logins::link(conn, &account.id, &login_id, activated_at)?;
                    void_open_invitations(conn, &account.id, activated_at)?;
                    Ok(())
                })
            })
            .await?;
        return Ok(HttpResponse::Created().json(ActivationStatus {
            status: "active",
            login_exists: None,
            login_has_mfa: None,
        }));
    };
    // The address has a login: the person proves it is theirs (password and, if set, the
    // second factor) and the employment joins it. No password is set here.
    let matches = state
        .passwords
        .verify(password, Some(login.password_hash.clone()))
        .await?;
    let sealing = state.sealing.clone();
    let settings = state.settings.accounts.clone();
    state
        .db
        .run(move |conn| {
            let email = login.email_normalised.clone();
            if !matches {
                lockout::record_failure(conn, &email, &settings)?;
                return Err(ApiError::invalid(
                    "password",
                    "is not the password of your existing Verzuim login",
                ));
            }
            if login.has_second_factor() {
                lockout::record_passed_step(conn, &email, &settings)?;
                let Some(factor) = &factor else {
                    return Err(ApiError::invalid(
                        "code",
                        "is required: enter the code of your authenticator app (or a recovery code)",
                    ));
                };
                lockout::reserve(conn, &email, &settings)?;
                if !mfa::check(conn, &sealing, &login, factor)? {
                    lockout::record_failure(conn, &email, &settings)?;
                    return Err(factor.refused());
                }
            }
            crate::db::write_transaction(conn, |conn| {
                let activated_at = use_invitation(conn, &invitation.id)?;
                logins::link(conn, &account.id, &login.id, activated_at)?;
                void_open_invitations(conn, &account.id, activated_at)?;
                lockout::record_success(conn, &email)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ActivationStatus {
        status: "linked",
        login_exists: None,
        login_has_mfa: None,
    }))
}

/// Marks the invitation used, once: a concurrent request that used or voided it since the
/// check makes this one a 404.
fn use_invitation(conn: &mut DbConnection, invitation_id: &str) -> Result<NaiveDateTime, ApiError> {
    let at = now();
    let used = diesel::update(
        invitations::table
            .find(invitation_id)
            .filter(invitations::used_at.is_null())
            .filter(invitations::voided_at.is_null()),
    )
    .set(invitations::used_at.eq(Some(at)))
    .execute(conn)?;
    if used != 1 {
        return Err(ApiError::NotFound);
    }
    Ok(at)
}
