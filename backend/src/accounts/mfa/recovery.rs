//! Recovery codes: ten single-use codes shown once, for when the authenticator is lost. Each
//! has 60 random bits (checked against the same lockout as passwords), and only its SHA-256
//! digest is stored.

use rand::Rng;

pub const COUNT: usize = 10;
/// Without 0/o, 1/l/i: read from paper without doubt.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const GROUPS: usize = 3;
const GROUP_LENGTH: usize = 4;

/// A new code, `xxxx-xxxx-xxxx`.
pub fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..GROUPS)
        .map(|_| {
            (0..GROUP_LENGTH)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as typed, in the one form that is digested: lower case, without spaces or dashes;
/// `None` when it cannot be a code.
pub fn normalise(text: &str) -> Option<String> {
    let code: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    (code.len() == GROUPS * GROUP_LENGTH && code.bytes().all(|b| ALPHABET.contains(&b)))
        .then_some(code)
}

pub fn digest(normalised: &str) -> String {
    crate::auth::secret_digest(&format!("recovery-code:{normalised}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_survives_the_ways_people_type_it() {
        let code = new_code();
        assert_eq!(code.len(), 14);
        let normalised = normalise(&code).unwrap();
        assert_eq!(normalise(&code.to_uppercase()), Some(normalised.clone()));
        assert_eq!(normalise(&code.replace('-', " ")), Some(normalised));
        assert_eq!(normalise("abcd-efgh"), None);
        assert_eq!(normalise("0000-0000-0000"), None);
    }
}
