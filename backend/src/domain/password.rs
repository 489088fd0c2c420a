use secrecy::{ExposeSecret, SecretString};

/// The longest password the server will hash, in bytes. The policy allows 128 characters,
/// at most 512 bytes of UTF-8; anything longer cannot be anyone's password, and a megabyte
/// "password" would only make Argon2 and the request cost more.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Refuses a password that is longer than any password can be, before it is hashed or
/// anything is looked up.
pub fn check_size(password: &SecretString) -> Result<(), String> {
    if password.expose_secret().len() > MAX_PASSWORD_BYTES {
        return Err(format!("must be at most {MAX_PASSWORD_BYTES} bytes"));
    }
    Ok(())
}
