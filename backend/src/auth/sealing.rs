//! Sealing data at rest: what the server must keep but nobody reading the database (a backup,
//! a replica, an operator's query) may read — a stored response that carries a webhook
//! secret, say. XChaCha20-Poly1305 with a random 192-bit nonce per value, so values sealed
//! with one key never need a counter; the associated data binds a value to its row, so a
//! sealed value copied into another row does not open.

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::Digest;

const NONCE_BYTES: usize = 24;

#[derive(Clone)]
pub struct SealingKey(XChaCha20Poly1305);

impl SealingKey {
    /// The key from `VERZUIM_DATA_KEY`, or the one kept in `<data dir>/data_key` (generated on
    /// first start). Several instances sharing one database must share this key too.
    pub fn load(configured: Option<&SecretString>, data_dir: &Path) -> anyhow::Result<Self> {
        let secret = match configured {
            Some(secret) => secret.expose_secret().to_string(),
            None => super::tokens::kept_secret(data_dir, "data_key")?,
        };
        Ok(SealingKey::from_secret(&secret))
    }

    /// Any secret of at least 256 bits of entropy; SHA-256 makes it a key of the right size.
    pub fn from_secret(secret: &str) -> Self {
        let key = sha2::Sha256::digest(secret.as_bytes());
        SealingKey(XChaCha20Poly1305::new(&key))
    }

    /// `nonce || ciphertext`, bound to `context`.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// The plaintext, or `None` when the value was sealed with another key or for another
    /// context, or was changed.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
        self.0
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::SealingKey;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_context() {
        let key = SealingKey::from_secret("first-secret-first-secret-first-secret");
        let sealed = key.seal(b"client/key", b"whsec_abc").unwrap();
        assert!(!sealed.windows(9).any(|w| w == b"whsec_abc"));
        assert_eq!(
            key.open(b"client/key", &sealed).as_deref(),
            Some(&b"whsec_abc"[..])
        );
        assert_eq!(key.open(b"client/other", &sealed), None);
        let other = SealingKey::from_secret("other-secret-other-secret-other-secret");
        assert_eq!(other.open(b"client/key", &sealed), None);
    }
}
