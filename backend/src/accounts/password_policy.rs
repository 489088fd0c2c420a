//! NIST 800-63B style password policy (SPEC §2.3): length limits, not the e-mail's local part,
//! not a common password. No composition rules.

use crate::config::AccountSettings;
use crate::domain::EmailAddress;
use crate::error::FieldError;

/// Checks `password` for the account with `email`; the error names `field`.
pub fn check(
    field: &str,
    password: &str,
    email: &EmailAddress,
    settings: &AccountSettings,
) -> Result<(), FieldError> {
    let length = password.chars().count();
    if length < settings.password_min_chars {
        return Err(FieldError::new(
            field,
            format!(
                "must be at least {} characters",
                settings.password_min_chars
            ),
        ));
    }
    if length > settings.password_max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {} characters", settings.password_max_chars),
        ));
    }
    let lowered = password.to_lowercase();
    let local_part = email.local_part().to_lowercase();
    // A one- or two-letter local part would forbid half the alphabet; the rule is about
    // passwords built from the user name.
    if lowered == email.normalised()
        || (local_part.chars().count() >= 3 && lowered.contains(&local_part))
    {
        return Err(FieldError::new(
            field,
            "must not contain your e-mail address",
        ));
    }
    if is_common(password) {
        return Err(FieldError::new(
            field,
            "is a commonly used password; choose another",
        ));
    }
    Ok(())
}

/// True when the password, as typed or lower-cased, is in the `passwords` crate's bundled
/// list of about 100,000 common passwords.
pub fn is_common(password: &str) -> bool {
    passwords::analyzer::is_common_password(password)
        || passwords::analyzer::is_common_password(password.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AccountSettings {
        crate::config::Settings::from_lookup(|_| None)
            .unwrap()
            .accounts
    }

    fn email() -> EmailAddress {
        EmailAddress::parse("jan.jansen@bakkerij.nl").unwrap()
    }

    #[test]
    fn accepts_a_long_uncommon_passphrase() {
        assert!(check("password", "paarse fiets op de dijk", &email(), &settings()).is_ok());
    }

    #[test]
    fn rejects_fewer_than_10_and_more_than_128_characters() {
        assert!(check("password", "kort-ww!9", &email(), &settings()).is_err());
        assert!(check("password", &"a".repeat(129), &email(), &settings()).is_err());
        assert!(check("password", &"zq".repeat(64), &email(), &settings()).is_ok());
    }

    #[test]
    fn counts_characters_not_bytes() {
        // 10 characters, 20 bytes.
        assert!(check("password", "ééééééééé€", &email(), &settings()).is_ok());
    }

    #[test]
    fn rejects_the_local_part_of_the_email() {
        let err = check("password", "xxJan.Jansen2024", &email(), &settings()).unwrap_err();
        assert_eq!(err.field, "password");
    }

    #[test]
    fn rejects_common_passwords_from_the_bundled_list() {
        for common in ["1234567890", "qwertyuiop", "Password123", "iloveyou12"] {
            assert!(is_common(common), "{common} should be common");
        }
        assert!(!is_common("paarse fiets op de dijk"));
    }
}
