//! Who is calling: token signing and checking, and the extractors handlers take as arguments.

pub mod employee;
pub mod employer_client;
pub mod party;
pub mod passwords;
pub mod rate_limit;
pub mod relying_party;
pub mod scopes;
pub mod sealing;
pub mod tokens;

pub use employee::{AuthenticatedEmployee, EnrollingEmployee};
pub use employer_client::EmployerClient;
pub use employer_client::{ArbodienstClient, CaseClient};
pub use party::Party;
pub use passwords::Passwords;
pub use rate_limit::RateLimited;
pub use scopes::{Scope, ScopeSet};
pub use sealing::SealingKey;
pub use tokens::TokenKeys;

/// Hex SHA-256 of a high-entropy secret (client secrets, and later one-time tokens). A slow
/// password hash buys nothing for 256-bit random values and would make every token request
/// cost an Argon2 run.
pub fn secret_digest(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Equality whose time does not depend on where the inputs first differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `prefix` + 256 random bits, URL-safe.
pub fn random_token(prefix: &str) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}
