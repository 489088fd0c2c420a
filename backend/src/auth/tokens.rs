//! Signed JWTs. Employer-API tokens and employee access tokens carry different audiences and
//! each is checked against exactly one, so neither can stand in for the other.

use super::party::Party;
use std::path::Path;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

pub const EMPLOYER_API_AUDIENCE: &str = "verzuim:employer-api";
pub const EMPLOYEE_AUDIENCE: &str = "verzuim:employee";
/// The token between a right password and the second factor: usable only at `/auth/mfa`.
pub const MFA_CHALLENGE_AUDIENCE: &str = "verzuim:mfa-challenge";

/// Claims of a token issued to an employer API client.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClientClaims {
    pub iss: String,
    pub aud: String,
    /// The client id.
    pub sub: String,
    /// The employer the client belongs to, for an employer's client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emp: Option<String>,
    /// The arbodienst the client belongs to, for an arbodienst's client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arb: Option<String>,
    pub scope: String,
    /// The client's secret generation when the token was issued: rotating the secret ends
    /// every token fetched with the old one.
    pub gen: i32,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

/// Claims of an employee's access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmployeeClaims {
    pub iss: String,
    pub aud: String,
    /// The employee id.
    pub sub: String,
    pub emp: String,
    /// The session (refresh-token family): logging out ends its access tokens at once.
    pub sid: String,
    /// `enrol` while the employer requires a second factor the login does not have yet: the
    /// token then reaches only the enrolment routes. Absent on a full token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stg: Option<String>,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

/// What an employee access token may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Full,
    /// Only `GET /me`, the TOTP enrolment routes, refresh and logout.
    Enrolment,
}

const ENROLMENT_STAGE: &str = "enrol";

impl EmployeeClaims {
    pub fn stage(&self) -> Stage {
        match self.stg.as_deref() {
            None => Stage::Full,
            // Any other value is not a stage this server issues: treated as the narrowest.
            Some(_) => Stage::Enrolment,
        }
    }
}

/// Claims of an `mfa_token`: the challenge row a right password opened.
#[derive(Debug, Serialize, Deserialize)]
pub struct MfaChallengeClaims {
    pub iss: String,
    pub aud: String,
    /// The challenge id.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
}

impl TokenKeys {
    pub fn new(secret: &SecretString, issuer: String) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        TokenKeys {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            issuer,
        }
    }

    /// Uses the configured secret, or the one kept in `<data dir>/jwt_secret`, creating it on
    /// first start so the embedded mode needs no setup and tokens survive restarts.
    pub fn load(
        configured: Option<&SecretString>,
        data_dir: &Path,
        issuer: String,
    ) -> anyhow::Result<Self> {
        if let Some(secret) = configured {
            return Ok(TokenKeys::new(secret, issuer));
        }
        let secret = kept_secret(data_dir, "jwt_secret")?;
        Ok(TokenKeys::new(&SecretString::from(secret), issuer))
    }

    pub fn issue_client_token(
        &self,
        client_id: &str,
        party: &Party,
        scope: &str,
        generation: i32,
        lifetime: Duration,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = ClientClaims {
            iss: self.issuer.clone(),
            aud: EMPLOYER_API_AUDIENCE.into(),
            sub: client_id.into(),
            emp: party.employer_id().map(str::to_owned),
            arb: party.arbodienst_id().map(str::to_owned),
            scope: scope.into(),
            gen: generation,
            jti: uuid::Uuid::new_v4().to_string(),
            iat: now,
            exp: expiry(now, lifetime),
        };
        self.sign(&claims)
    }

    pub fn verify_client_token(
        &self,
        token: &str,
    ) -> Result<ClientClaims, jsonwebtoken::errors::Error> {
        self.decode(token, EMPLOYER_API_AUDIENCE)
    }

    pub fn issue_employee_token(
        &self,
        employee_id: &str,
        employer_id: &str,
        session_id: &str,
        stage: Stage,
        lifetime: Duration,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = EmployeeClaims {
            iss: self.issuer.clone(),
            aud: EMPLOYEE_AUDIENCE.into(),
            sub: employee_id.into(),
            emp: employer_id.into(),
            sid: session_id.into(),
            stg: match stage {
                Stage::Full => None,
                Stage::Enrolment => Some(ENROLMENT_STAGE.into()),
            },
            jti: uuid::Uuid::new_v4().to_string(),
            iat: now,
            exp: expiry(now, lifetime),
        };
        self.sign(&claims)
    }

    pub fn verify_employee_token(
        &self,
        token: &str,
    ) -> Result<EmployeeClaims, jsonwebtoken::errors::Error> {
        self.decode(token, EMPLOYEE_AUDIENCE)
    }

    pub fn issue_mfa_token(
        &self,
        challenge_id: &str,
        lifetime: Duration,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = MfaChallengeClaims {
            iss: self.issuer.clone(),
            aud: MFA_CHALLENGE_AUDIENCE.into(),
            sub: challenge_id.into(),
            iat: now,
            exp: expiry(now, lifetime),
        };
        self.sign(&claims)
    }

    pub fn verify_mfa_token(
        &self,
        token: &str,
    ) -> Result<MfaChallengeClaims, jsonwebtoken::errors::Error> {
        self.decode(token, MFA_CHALLENGE_AUDIENCE)
    }

    fn sign(&self, claims: &impl Serialize) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    /// Checked against exactly one audience, so no kind of token stands in for another.
    fn decode<C: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<C, jsonwebtoken::errors::Error> {
        jsonwebtoken::decode::<C>(token, &self.decoding, &self.validation(audience))
            .map(|data| data.claims)
    }

    /// The algorithm is pinned: a token whose header names any other (or `none`) is refused.
    fn validation(&self, audience: &str) -> Validation {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        validation
    }
}

fn expiry(now: i64, lifetime: Duration) -> i64 {
    now + i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX / 2)
}

/// The secret kept in `<data dir>/<name>`, generated (256 random bits) and written readable
/// only by the owner on first start, so the embedded mode needs no setup and what the secret
/// protects survives restarts.
pub fn kept_secret(data_dir: &Path, name: &str) -> anyhow::Result<String> {
    let path = data_dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => Ok(text.trim().to_string()),
        _ => {
            std::fs::create_dir_all(data_dir)?;
            let generated = super::random_token("");
            write_private_file(&path, &generated)?;
            Ok(generated)
        }
    }
}

fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}
