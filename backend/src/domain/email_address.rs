use std::fmt;

/// A syntactically plausible e-mail address, trimmed. Comparison for identity (login, the
/// per-employer uniqueness rule) goes through [`EmailAddress::normalised`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Accepts `local@domain.tld` without spaces or control characters, at most 254 characters
    /// (RFC 5321's path limit). Deliberately not a full RFC 5322 parser: an address that passes
    /// here still has to receive the invitation to prove itself.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let address = input.trim();
        if address.is_empty() {
            return Err("must not be empty");
        }
        if address.len() > 254 {
            return Err("must be at most 254 characters");
        }
        if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces");
        }
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Err("must contain an @");
        };
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err("is not a valid e-mail address");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let labels_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !labels_ok {
            return Err("does not have a valid domain");
        }
        Ok(EmailAddress(address.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Lower-cased form used for matching: the address as typed is kept for display and mail.
    pub fn normalised(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(local, _)| local)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn accepts_ordinary_addresses_and_trims() {
        let email = EmailAddress::parse("  Jan.de.Vries+hr@Example.nl ").unwrap();
        assert_eq!(email.as_str(), "Jan.de.Vries+hr@Example.nl");
        assert_eq!(email.normalised(), "jan.de.vries+hr@example.nl");
        assert_eq!(email.local_part(), "Jan.de.Vries+hr");
    }

    #[test]
    fn rejects_what_cannot_receive_mail() {
        for bad in [
            "",
            "plain",
            "@example.nl",
            "jan@",
            "jan@localhost",
            "jan @x.nl",
            "jan@-x.nl",
            "a@b@c.nl",
            "jan@x..nl",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
