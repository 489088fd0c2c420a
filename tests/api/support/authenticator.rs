//! A software authenticator for the passkey tests, written from the WebAuthn Level 3 text and
//! independent of the server's webauthn-rs: ES256 (P-256) keys, "none" attestation, user
//! presence and verification always given, a signature counter per credential. It answers the
//! JSON options the server sends with the JSON a browser would send back.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ciborium::Value as Cbor;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const ATTESTED_CREDENTIAL_DATA: u8 = 0x40;

#[derive(Clone)]
pub struct Credential {
    pub id: Vec<u8>,
    key: SigningKey,
    pub user_handle: Vec<u8>,
    counter: u32,
}

/// A phone or security key holding passkeys for one site.
pub struct SoftAuthenticator {
    /// What the browser puts in `clientDataJSON.origin`.
    pub origin: String,
    pub credentials: Vec<Credential>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .expect("base64url")
}

fn cbor_bytes(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("CBOR");
    out
}

/// The credential's public key as a COSE_Key (RFC 9053): EC2, ES256, P-256, x and y.
fn cose_key(key: &SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_encoded_point(false);
    let int = |n: i64| Cbor::Integer(n.into());
    cbor_bytes(&Cbor::Map(vec![
        (int(1), int(2)),
        (int(3), int(-7)),
        (int(-1), int(1)),
        (int(-2), Cbor::Bytes(point.x().unwrap().to_vec())),
        (int(-3), Cbor::Bytes(point.y().unwrap().to_vec())),
    ]))
}

impl SoftAuthenticator {
    pub fn new(origin: &str) -> SoftAuthenticator {
        SoftAuthenticator {
            origin: origin.trim_end_matches('/').to_string(),
            credentials: Vec::new(),
        }
    }

    fn client_data(&self, kind: &str, options: &Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": options["challenge"].as_str().expect("challenge"),
            "origin": self.origin,
            "crossOrigin": false,
        }))
        .unwrap()
    }

    /// Answers `navigator.credentials.create()` options: a new credential for the options'
    /// relying party and user.
    pub fn register(&mut self, options: &Value) -> Value {
        let rp_id = options["rp"]["id"].as_str().expect("rp.id");
        let user_handle = unb64(options["user"]["id"].as_str().expect("user.id"));
        let id: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(USER_PRESENT | USER_VERIFIED | ATTESTED_CREDENTIAL_DATA);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: none
        auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose_key(&key));
        let attestation = cbor_bytes(&Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(vec![])),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]));
        let client_data = self.client_data("webauthn.create", options);
        self.credentials.push(Credential {
            id: id.clone(),
            key,
            user_handle,
            counter: 0,
        });
        json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        })
    }

    /// Answers `navigator.credentials.get()` options with the first credential they allow
    /// (any held one when they list none: a discoverable login).
    pub fn assert(&mut self, options: &Value) -> Value {
        let allowed: Vec<Vec<u8>> = options["allowCredentials"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|c| unb64(c["id"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let index = self
            .credentials
            .iter()
            .position(|c| allowed.is_empty() || allowed.contains(&c.id))
            .expect("a credential the options allow");
        let rp_id = options["rpId"].as_str().expect("rpId").to_string();
        let client_data = self.client_data("webauthn.get", options);
        let credential = &mut self.credentials[index];
        credential.counter += 1;
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(USER_PRESENT | USER_VERIFIED);
        auth_data.extend_from_slice(&credential.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = credential.key.sign(&signed);
        json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&credential.user_handle),
            },
            "clientExtensionResults": {},
        })
    }
}
