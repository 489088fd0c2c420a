//! What the operator does from the command line: create employers and API clients, rotate a
//! client's secret, revoke a client. Each validates its input before touching the database.

use diesel::prelude::*;
use serde::Serialize;

use super::models::{ApiClient, Employer, NewApiClient, NewEmployer};
use crate::auth::{random_token, secret_digest, Party, ScopeSet};
use crate::db::schema::{api_clients, employers};
use crate::db::{now, DbConnection};
use crate::domain::EmailAddress;
use crate::error::{ApiError, FieldError};

pub const CLIENT_SECRET_PREFIX: &str = "vzs_";

#[derive(Debug, Serialize)]
pub struct CreatedEmployer {
    pub id: String,
}

#[derive(Debug, Serialize)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arbodienst_id: Option<String>,
    pub scopes: String,
}

pub fn validate_name(field: &str, name: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.trim();
    if name.is_empty() {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if name.chars().count() > 200 {
        errors.push(FieldError::new(field, "must be at most 200 characters"));
    }
    name.to_string()
}

pub fn validate_email(
    field: &str,
    text: &str,
    errors: &mut Vec<FieldError>,
) -> Option<EmailAddress> {
    EmailAddress::parse(text)
        .map_err(|message| errors.push(FieldError::new(field, message)))
        .ok()
}

pub fn create_employer(
    conn: &mut DbConnection,
    name: &str,
    absence_email: &str,
    arbodienst_email: Option<&str>,
    arbodienst_id: Option<&str>,
) -> Result<CreatedEmployer, ApiError> {
    let mut errors = Vec::new();
    let name = validate_name("name", name, &mut errors);
    let absence_email = validate_email("absence_email", absence_email, &mut errors);
    let arbodienst_email =
        arbodienst_email.and_then(|e| validate_email("arbodienst_email", e, &mut errors));
    let Some(absence_email) = absence_email.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let arbodienst = arbodienst_id
        .map(|id| crate::arbodienst::changes::existing(conn, "arbodienst", id))
        .transpose()?;
    let id = uuid::Uuid::new_v4().to_string();
    let created_at = now();
    diesel::insert_into(employers::table)
        .values(NewEmployer {
            id: &id,
            name: &name,
            absence_email: absence_email.as_str(),
            arbodienst_email: arbodienst_email.as_ref().map(EmailAddress::as_str),
            arbodienst_id: arbodienst.as_ref().map(|a| a.id.as_str()),
            created_at,
            updated_at: created_at,
        })
        .execute(conn)?;
    Ok(CreatedEmployer { id })
}

pub fn find_employer(conn: &mut DbConnection, id: &str) -> Result<Employer, ApiError> {
    Ok(employers::table
        .find(id)
        .select(Employer::as_select())
        .first(conn)?)
}

/// `verzuim client create --employer ID | --arbodienst ID`: an employer's client may hold
/// every scope (all when none are named); an arbodienst's client at most
/// [`Scope::ARBODIENST`](crate::auth::Scope::ARBODIENST), which it gets when none are named.
pub fn create_client(
    conn: &mut DbConnection,
    party: &Party,
    name: &str,
    scopes: Option<&str>,
) -> Result<ClientCredentials, ApiError> {
    let mut errors = Vec::new();
    let name = validate_name("name", name, &mut errors);
    let allowed = match party {
        Party::Employer(_) => ScopeSet::all(),
        Party::Arbodienst(_) => ScopeSet::arbodienst(),
    };
    let scopes = match scopes.map(ScopeSet::parse) {
        None => Some(allowed),
        Some(Ok(set)) if !set.is_subset_of(&allowed) => {
            errors.push(FieldError::new(
                "scopes",
                format!("an arbodienst's client may hold only: {allowed}"),
            ));
            None
        }
        Some(Ok(set)) if set.is_empty() => {
            errors.push(FieldError::new("scopes", "name at least one scope"));
            None
        }
        Some(Ok(set)) => Some(set),
        Some(Err(unknown)) => {
            errors.push(FieldError::new(
                "scopes",
                format!("unknown scope `{unknown}`; known: {}", ScopeSet::all()),
            ));
            None
        }
    };
    let Some(scopes) = scopes.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let party = match party {
        Party::Employer(employer_id) => {
            find_employer(conn, employer_id).map_err(|e| match e {
                ApiError::NotFound => {
                    ApiError::invalid("employer", format!("no employer with id `{employer_id}`"))
                }
                other => other,
            })?;
            party.clone()
        }
        Party::Arbodienst(arbodienst_id) => Party::Arbodienst(
            crate::arbodienst::changes::existing(conn, "arbodienst", arbodienst_id)?.id,
        ),
    };

    let client_id = uuid::Uuid::new_v4().to_string();
    let client_secret = random_token(CLIENT_SECRET_PREFIX);
    let scopes = scopes.to_string();
    diesel::insert_into(api_clients::table)
        .values(NewApiClient {
            id: &client_id,
            employer_id: party.employer_id(),
            arbodienst_id: party.arbodienst_id(),
            name: &name,
            scopes: &scopes,
            secret_hash: &secret_digest(&client_secret),
            token_generation: 0,
            created_at: now(),
        })
        .execute(conn)?;
    Ok(ClientCredentials {
        client_id,
        client_secret,
        employer_id: party.employer_id().map(str::to_owned),
        arbodienst_id: party.arbodienst_id().map(str::to_owned),
        scopes,
    })
}

fn active_client(conn: &mut DbConnection, client_id: &str) -> Result<ApiClient, ApiError> {
    api_clients::table
        .find(client_id)
        .filter(api_clients::revoked_at.is_null())
        .select(ApiClient::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            ApiError::invalid(
                "client_id",
                format!("no active client with id `{client_id}`"),
            )
        })
}

/// A new secret; the old secret and every token fetched with it stop working at once.
pub fn rotate_secret(
    conn: &mut DbConnection,
    client_id: &str,
) -> Result<ClientCredentials, ApiError> {
    let client = active_client(conn, client_id)?;
    let client_secret = random_token(CLIENT_SECRET_PREFIX);
    diesel::update(api_clients::table.find(&client.id))
        .set((
            api_clients::secret_hash.eq(secret_digest(&client_secret)),
            api_clients::token_generation.eq(client.token_generation + 1),
        ))
        .execute(conn)?;
    Ok(ClientCredentials {
        client_id: client.id,
        client_secret,
        employer_id: client.employer_id,
        arbodienst_id: client.arbodienst_id,
        scopes: client.scopes,
    })
}

#[derive(Debug, Serialize)]
pub struct RevokedClient {
    pub client_id: String,
    pub revoked_at: chrono::DateTime<chrono::Utc>,
}

pub fn revoke_client(conn: &mut DbConnection, client_id: &str) -> Result<RevokedClient, ApiError> {
    let client = active_client(conn, client_id)?;
    let revoked_at = now();
    diesel::update(api_clients::table.find(&client.id))
        .set(api_clients::revoked_at.eq(Some(revoked_at)))
        .execute(conn)?;
    Ok(RevokedClient {
        client_id: client.id,
        revoked_at: revoked_at.and_utc(),
    })
}
