//! Passkeys (WebAuthn, SPEC §8): a login's credentials on phones, laptops and security keys,
//! each a second factor and a login of its own (user verification is required, so a passkey
//! is something held and something known or are at once).
//!
//! A ceremony has two requests: the start answers the browser's options and keeps the server's
//! half in `webauthn_ceremonies`; the finish takes that row once — marked used before the
//! browser's answer is checked, so one answer cannot be spent twice, in sequence or in parallel.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PublicKeyCredential, RequestChallengeResponse, Webauthn,
};

use crate::db::schema::{passkeys, webauthn_ceremonies};
use crate::db::{now, DbConnection};
use crate::error::ApiError;

/// A login keeps at most this many passkeys.
pub const MAX_PER_LOGIN: i64 = 10;
const NAME_MAX_CHARS: usize = 60;

/// What a ceremony is for; kept with its state so that an answer to one kind of ceremony is
/// never taken for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Registration,
    SecondFactor,
    Login,
    StepUp,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Registration => "registration",
            Purpose::SecondFactor => "second_factor",
            Purpose::Login => "login",
            Purpose::StepUp => "step_up",
        }
    }
}

/// The browser's options for `navigator.credentials.create()` or `.get()`, and the id of the
/// ceremony to finish.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyCeremony {
    /// Send it back with the browser's answer; valid 5 minutes, once.
    #[schema(format = Uuid)]
    pub ceremony_id: String,
    /// WebAuthn's `PublicKeyCredentialCreationOptionsJSON` (registration) or
    /// `PublicKeyCredentialRequestOptionsJSON` (login, step-up), binary fields in base64url:
    /// what `@simplewebauthn/browser` takes as `optionsJSON`.
    #[schema(value_type = Object)]
    pub public_key: serde_json::Value,
}

/// The browser's answer to a ceremony.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyAnswer {
    #[schema(format = Uuid)]
    pub ceremony_id: String,
    /// WebAuthn's `AuthenticationResponseJSON` (what `startAuthentication` resolves to).
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

/// A passkey as its owner sees it; nothing of the key itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = passkeys)]
pub struct StoredPasskey {
    pub id: String,
    pub login_id: String,
    pub name: String,
    pub credential: String,
    pub last_used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl StoredPasskey {
    pub fn view(&self) -> PasskeyView {
        PasskeyView {
            id: self.id.clone(),
            name: self.name.clone(),
            created_at: self.created_at.and_utc(),
            last_used_at: self.last_used_at.map(|at| at.and_utc()),
        }
    }

    pub fn passkey(&self) -> Result<Passkey, ApiError> {
        serde_json::from_str(&self.credential).map_err(|e| {
            ApiError::internal(anyhow::anyhow!("passkey {} does not parse: {e}", self.id))
        })
    }
}

/// The relying party, or 409 on a server whose public URL names no host.
pub fn relying_party(webauthn: Option<&Webauthn>) -> Result<&Webauthn, ApiError> {
    webauthn.ok_or_else(|| {
        ApiError::Conflict(
            "Passkeys are not available on this server: VERZUIM_PUBLIC_URL must name a host (such as localhost), not an IP address.".into(),
        )
    })
}

/// A passkey's name as typed: trimmed, 1 to 60 characters; a default when none is given.
pub fn parse_name(name: Option<&str>, count: i64) -> Result<String, ApiError> {
    match name.map(str::trim) {
        None | Some("") => Ok(format!("Passkey {}", count + 1)),
        Some(name) if name.chars().count() > NAME_MAX_CHARS => Err(ApiError::invalid(
            "name",
            format!("must be at most {NAME_MAX_CHARS} characters"),
        )),
        Some(name) => Ok(name.to_string()),
    }
}

/// A ceremony id as sent: a UUID, checked before anything is looked up.
pub fn parse_ceremony_id(text: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(text)
        .map(|id| id.to_string())
        .map_err(|_| ApiError::invalid("ceremony_id", "must be the UUID the start answered"))
}

/// The browser's answer parsed into webauthn-rs's type: a 400 on `credential` when it is not
/// one.
pub fn parse_credential<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::invalid(
            "credential",
            format!("is not the browser's WebAuthn answer: {e}"),
        )
    })
}

pub fn of_login(conn: &mut DbConnection, login_id: &str) -> QueryResult<Vec<StoredPasskey>> {
    passkeys::table
        .filter(passkeys::login_id.eq(login_id))
        .order((passkeys::created_at.asc(), passkeys::id.asc()))
        .select(StoredPasskey::as_select())
        .load(conn)
}

pub fn count_of_login(conn: &mut DbConnection, login_id: &str) -> QueryResult<i64> {
    passkeys::table
        .filter(passkeys::login_id.eq(login_id))
        .count()
        .get_result(conn)
}

/// The login's passkeys as webauthn-rs takes them.
pub fn credentials_of_login(
    conn: &mut DbConnection,
    login_id: &str,
) -> Result<Vec<Passkey>, ApiError> {
    of_login(conn, login_id)?
        .iter()
        .map(StoredPasskey::passkey)
        .collect()
}

fn credential_key(passkey: &Passkey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(passkey.cred_id().as_slice())
}

/// Keeps a newly registered passkey; 409 when the credential is registered already (to this
/// login or to another person's).
pub fn insert(
    conn: &mut DbConnection,
    login_id: &str,
    name: &str,
    passkey: &Passkey,
) -> Result<StoredPasskey, ApiError> {
    let row = StoredPasskey {
        id: uuid::Uuid::new_v4().to_string(),
        login_id: login_id.to_string(),
        name: name.to_string(),
        credential: serde_json::to_string(passkey).map_err(|e| ApiError::internal(e.into()))?,
        last_used_at: None,
        created_at: now(),
    };
    let inserted = diesel::insert_into(passkeys::table)
        .values((
            passkeys::id.eq(&row.id),
            passkeys::login_id.eq(&row.login_id),
            passkeys::credential_id.eq(credential_key(passkey)),
            passkeys::name.eq(&row.name),
            passkeys::credential.eq(&row.credential),
            passkeys::created_at.eq(row.created_at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(row),
        Err(e) if crate::db::is_unique_violation(&e) => Err(ApiError::Conflict(
            "This passkey is registered already.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Removes one of the login's passkeys; `false` when it is not one of them.
pub fn remove(conn: &mut DbConnection, login_id: &str, id: &str) -> Result<bool, ApiError> {
    diesel::delete(webauthn_ceremonies::table.filter(webauthn_ceremonies::login_id.eq(login_id)))
        .execute(conn)?;
    let removed = diesel::delete(
        passkeys::table
            .filter(passkeys::login_id.eq(login_id))
            .filter(passkeys::id.eq(id)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}

/// The passkey of the login whose credential id the browser's answer names.
pub fn find_by_credential(
    conn: &mut DbConnection,
    login_id: &str,
    credential_id: &[u8],
) -> QueryResult<Option<StoredPasskey>> {
    use base64::Engine;
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(credential_id);
    passkeys::table
        .filter(passkeys::login_id.eq(login_id))
        .filter(passkeys::credential_id.eq(key))
        .select(StoredPasskey::as_select())
        .first(conn)
        .optional()
}

/// Records a successful use: the signature counter and flags webauthn-rs saw, and the time.
/// `false` when the passkey is no longer the login's (removed during the ceremony).
pub fn record_use(
    conn: &mut DbConnection,
    login_id: &str,
    result: &webauthn_rs::prelude::AuthenticationResult,
) -> Result<bool, ApiError> {
    let Some(stored) = find_by_credential(conn, login_id, result.cred_id().as_slice())? else {
        return Ok(false);
    };
    let mut passkey = stored.passkey()?;
    passkey.update_credential(result);
    diesel::update(passkeys::table.find(&stored.id))
        .set((
            passkeys::credential
                .eq(serde_json::to_string(&passkey).map_err(|e| ApiError::internal(e.into()))?),
            passkeys::last_used_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Who a ceremony belongs to, as its start recorded.
#[derive(Debug, Default, Clone)]
pub struct CeremonyOwner {
    pub login_id: Option<String>,
    pub employee_id: Option<String>,
    pub session_id: Option<String>,
    pub mfa_challenge_id: Option<String>,
}

impl CeremonyOwner {
    /// A ceremony of a logged-in employee's session (registration, step-up).
    pub fn session(login_id: &str, employee_id: &str, session_id: &str) -> CeremonyOwner {
        CeremonyOwner {
            login_id: Some(login_id.to_string()),
            employee_id: Some(employee_id.to_string()),
            session_id: Some(session_id.to_string()),
            mfa_challenge_id: None,
        }
    }
}

/// Keeps the server's half of a ceremony; answers its id.
pub fn open_ceremony(
    conn: &mut DbConnection,
    purpose: Purpose,
    owner: &CeremonyOwner,
    state: &impl Serialize,
    ttl: chrono::TimeDelta,
) -> Result<String, ApiError> {
    let id = uuid::Uuid::new_v4().to_string();
    let at = now();
    diesel::insert_into(webauthn_ceremonies::table)
        .values((
            webauthn_ceremonies::id.eq(&id),
            webauthn_ceremonies::purpose.eq(purpose.as_str()),
            webauthn_ceremonies::login_id.eq(&owner.login_id),
            webauthn_ceremonies::employee_id.eq(&owner.employee_id),
            webauthn_ceremonies::session_id.eq(&owner.session_id),
            webauthn_ceremonies::mfa_challenge_id.eq(&owner.mfa_challenge_id),
            webauthn_ceremonies::state
                .eq(serde_json::to_string(state).map_err(|e| ApiError::internal(e.into()))?),
            webauthn_ceremonies::expires_at.eq(at + ttl),
            webauthn_ceremonies::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Takes an open ceremony of `purpose` once: it is marked used before anything is checked, so
/// of two answers to one ceremony at most one is looked at. `None` when it is unknown, of
/// another purpose, expired or used.
pub fn take_ceremony<S: DeserializeOwned>(
    conn: &mut DbConnection,
    id: &str,
    purpose: Purpose,
) -> Result<Option<(CeremonyOwner, S)>, ApiError> {
    let at = now();
    let taken = diesel::update(
        webauthn_ceremonies::table
            .find(id)
            .filter(webauthn_ceremonies::purpose.eq(purpose.as_str()))
            .filter(webauthn_ceremonies::used_at.is_null())
            .filter(webauthn_ceremonies::expires_at.gt(at)),
    )
    .set(webauthn_ceremonies::used_at.eq(Some(at)))
    .execute(conn)?;
    if taken != 1 {
        return Ok(None);
    }
    let (login_id, employee_id, session_id, mfa_challenge_id, state): (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    ) = webauthn_ceremonies::table
        .find(id)
        .select((
            webauthn_ceremonies::login_id,
            webauthn_ceremonies::employee_id,
            webauthn_ceremonies::session_id,
            webauthn_ceremonies::mfa_challenge_id,
            webauthn_ceremonies::state,
        ))
        .first(conn)?;
    let state = serde_json::from_str(&state).map_err(|e| {
        ApiError::internal(anyhow::anyhow!("ceremony {id} state does not parse: {e}"))
    })?;
    Ok(Some((
        CeremonyOwner {
            login_id,
            employee_id,
            session_id,
            mfa_challenge_id,
        },
        state,
    )))
}

/// Registration options for the browser. A passkey should be discoverable, so that it can
/// log in without an address; webauthn-rs asks for none by default, and the request is only
/// the browser's hint (the server's check does not depend on it).
pub fn creation_options(
    options: &CreationChallengeResponse,
) -> Result<serde_json::Value, ApiError> {
    let mut json = serde_json::to_value(options).map_err(|e| ApiError::internal(e.into()))?;
    let mut public_key = json
        .get_mut("publicKey")
        .map(serde_json::Value::take)
        .unwrap_or_default();
    if let Some(selection) = public_key
        .get_mut("authenticatorSelection")
        .and_then(serde_json::Value::as_object_mut)
    {
        selection.insert("residentKey".into(), "preferred".into());
        selection.insert("requireResidentKey".into(), false.into());
    }
    Ok(public_key)
}

/// Request options for the browser (without webauthn-rs's conditional mediation: the SPA asks
/// with a button, not from the address field's autofill).
pub fn request_options(options: &RequestChallengeResponse) -> Result<serde_json::Value, ApiError> {
    let mut json = serde_json::to_value(options).map_err(|e| ApiError::internal(e.into()))?;
    Ok(json
        .get_mut("publicKey")
        .map(serde_json::Value::take)
        .unwrap_or_default())
}

/// Whether the answer is a valid assertion by one of the login's passkeys for the ceremony's
/// challenge; records its use when it is.
pub fn verify_assertion(
    conn: &mut DbConnection,
    webauthn: &Webauthn,
    login_id: &str,
    state: &webauthn_rs::prelude::PasskeyAuthentication,
    answer: &PublicKeyCredential,
) -> Result<bool, ApiError> {
    match webauthn.finish_passkey_authentication(answer, state) {
        Ok(result) => record_use(conn, login_id, &result),
        Err(error) => {
            tracing::info!(%error, "passkey assertion refused");
            Ok(false)
        }
    }
}
