//! Time-based one-time passwords (RFC 6238): SHA-1, 6 digits, 30-second steps, one step either
//! side accepted for clock drift. Which step matched is returned, so that the caller can accept
//! each code once (a step at or before the last accepted one is a replay).

use totp_rs::{Algorithm, Secret, TOTP};

pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: usize = 6;
/// 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;

pub fn new_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// The secret as authenticator apps take it for manual entry: base32 without padding.
pub fn encoded(secret: &[u8]) -> String {
    match Secret::Raw(secret.to_vec()).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => String::new(),
    }
}

/// The `otpauth://` URI the QR code carries.
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let label = format!("{issuer}:{account}");
    let label = percent_encoding::utf8_percent_encode(&label, percent_encoding::NON_ALPHANUMERIC);
    let issuer = percent_encoding::utf8_percent_encode(issuer, percent_encoding::NON_ALPHANUMERIC);
    format!(
        "otpauth://totp/{label}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        encoded(secret)
    )
}

fn generator(secret: &[u8]) -> Option<TOTP> {
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, secret.to_vec()).ok()
}

/// The code of time step `step`.
pub fn code_at_step(secret: &[u8], step: u64) -> Option<String> {
    Some(generator(secret)?.generate(step * STEP_SECONDS))
}

/// The time step of `unix_seconds`.
pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// The step (the current one, or one either side) whose code `code` is, if any.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: u64) -> Option<u64> {
    let now = step_of(unix_seconds);
    let generator = generator(secret)?;
    // Every candidate is compared, so the time does not tell which step matched.
    let mut found = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        let candidate = generator.generate(step * STEP_SECONDS);
        if crate::auth::constant_time_eq(candidate.as_bytes(), code.as_bytes()) {
            found = Some(step);
        }
    }
    found
}

/// A code as typed: spaces dropped; six digits or nothing.
pub fn parse_code(text: &str) -> Option<String> {
    let code: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 with the 20-byte ASCII secret "12345678901234567890"; the
    /// RFC prints 8 digits, a 6-digit code is their last six.
    #[test]
    fn codes_are_those_of_rfc_6238() {
        let secret = b"12345678901234567890";
        for (time, eight_digits) in [
            (59_u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(
                code_at_step(secret, step_of(time)).unwrap(),
                eight_digits[2..],
                "T = {time}"
            );
        }
    }

    #[test]
    fn a_code_matches_its_own_step_and_the_neighbours_only() {
        let secret = new_secret();
        let now = 1_764_000_000;
        let step = step_of(now);
        for (offset, accepted) in [
            (-2_i64, false),
            (-1, true),
            (0, true),
            (1, true),
            (2, false),
        ] {
            let at = step.checked_add_signed(offset).unwrap();
            let code = code_at_step(&secret, at).unwrap();
            let matched = matching_step(&secret, &code, now);
            assert_eq!(matched.is_some(), accepted, "offset {offset}");
        }
    }

    #[test]
    fn codes_are_six_digits_and_the_uri_names_the_parameters() {
        assert_eq!(parse_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(parse_code("12345"), None);
        assert_eq!(parse_code("12345a"), None);
        let uri = otpauth_uri(b"12345678901234567890", "Verzuim", "jan@example.nl");
        assert_eq!(
            uri,
            "otpauth://totp/Verzuim%3Ajan%40example%2Enl?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Verzuim&algorithm=SHA1&digits=6&period=30"
        );
    }
}
