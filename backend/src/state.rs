//! The state every handler shares: settings, database, token and sealing keys, the password
//! hasher, the rate limiter and document storage. It sits below every feature: features read
//! it, nothing here knows a feature.

use std::sync::Arc;

use crate::auth::rate_limit::SensitiveRateLimit;
use crate::auth::{Passwords, SealingKey, TokenKeys};
use crate::config::Settings;
use crate::db::Db;

/// Everything a handler may need, shared by all workers. No globals.
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub tokens: TokenKeys,
    pub passwords: Passwords,
    pub rate_limit: SensitiveRateLimit,
    /// Seals what is kept at rest but must not be readable from the database.
    pub sealing: SealingKey,
    /// Where dossier documents are kept (local directory or S3-compatible).
    pub storage: Arc<dyn crate::storage::DocumentStorage>,
    /// The passkey relying party; `None` when `VERZUIM_PUBLIC_URL` names no host.
    pub webauthn: Option<webauthn_rs::Webauthn>,
}
