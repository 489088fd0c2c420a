//! The WebAuthn relying party of passkeys: its id and origin come from `VERZUIM_PUBLIC_URL`,
//! so a passkey made at `https://verzuim.example.nl` works there and nowhere else.

use url::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

/// Shown by the browser and the authenticator when a passkey is made.
const RP_NAME: &str = "Verzuim";

/// The relying party for `public_url`, or `None` when its host is not a domain name: WebAuthn
/// does not accept an IP address as relying-party id, so such a server offers no passkeys (and
/// says so at start).
pub fn from_public_url(public_url: &Url) -> Option<Webauthn> {
    let Some(rp_id) = public_url.domain() else {
        tracing::warn!(
            public_url = %public_url,
            "passkeys are off: VERZUIM_PUBLIC_URL must name a host (e.g. http://localhost:8080), not an IP address"
        );
        return None;
    };
    let mut origin = public_url.clone();
    origin.set_path("");
    match WebauthnBuilder::new(rp_id, &origin).and_then(|b| b.rp_name(RP_NAME).build()) {
        Ok(webauthn) => Some(webauthn),
        Err(error) => {
            tracing::warn!(public_url = %public_url, %error, "passkeys are off");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_name_is_a_relying_party_and_an_ip_address_is_not() {
        let named = Url::parse("https://verzuim.example.nl/").unwrap();
        assert!(from_public_url(&named).is_some());
        let local = Url::parse("http://localhost:8080/").unwrap();
        assert!(from_public_url(&local).is_some());
        let ip = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert!(from_public_url(&ip).is_none());
    }
}
