//! Where e-mails go: an SMTP server (`SMTP_URL`), or — the embedded default — a folder of
//! `.eml` files (`<data dir>/mail/`).

use std::path::{Path, PathBuf};

use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::Settings;

#[derive(Clone)]
pub enum Mailer {
    /// `smtp://[user:pass@]host[:port]` (plain, or `?tls=required` for STARTTLS) or
    /// `smtps://…` (TLS from the start); lettre keeps a small connection pool.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `<delivery id>.eml` per message; a retry of the same delivery overwrites its file.
    Folder(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The SMTP URL may hold credentials.
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Folder(dir) => write!(f, "Mailer::Folder({})", dir.display()),
        }
    }
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Mailer> {
        match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?
                    .timeout(Some(settings.outbox.smtp_timeout))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                let dir = settings.mail_dir();
                std::fs::create_dir_all(&dir).map_err(|e| {
                    anyhow::anyhow!("cannot create mail folder {}: {e}", dir.display())
                })?;
                Ok(Mailer::Folder(dir))
            }
        }
    }

    /// Hands the message over; an error means it was not (known to be) accepted.
    pub async fn send(&self, message: lettre::Message, delivery_id: &str) -> anyhow::Result<()> {
        match self {
            Mailer::Smtp(transport) => transport
                .send(message)
                .await
                .map(drop)
                .map_err(|e| anyhow::anyhow!("SMTP: {e}")),
            Mailer::Folder(dir) => {
                let dir = dir.clone();
                let name = format!("{delivery_id}.eml");
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &bytes))
                    .await
                    .map_err(|e| anyhow::anyhow!("mail folder task failed: {e}"))?
            }
        }
    }
}

/// Writes to a temporary name and renames, so a reader never sees half a message.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let temporary = dir.join(format!(".{name}.tmp"));
    std::fs::write(&temporary, bytes)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, dir.join(name))
        .map_err(|e| anyhow::anyhow!("cannot move {} into place: {e}", temporary.display()))
}
