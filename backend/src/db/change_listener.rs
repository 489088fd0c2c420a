//! Hears, on PostgreSQL, which employees' cached reads other instances (and operators' SQL)
//! made stale: `LISTEN verzuim_employee_changed` on a connection of its own, fed by the
//! triggers of migration 8, and forgets what each notification names.
//!
//! It runs on its own thread because libpq blocks. diesel only offers a non-blocking look at
//! arrived notifications, so the thread looks every [`POLL_INTERVAL`]: a change made on
//! another instance is forgotten here within that time after its commit. Every
//! [`HEARTBEAT_INTERVAL`] a query proves the connection and extends the cache's trust by
//! [`TRUST_WINDOW`]; a connection that fails or hangs stops extending it, and the cache answers
//! nothing until the listener has reconnected and emptied it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use secrecy::{ExposeSecret, SecretString};

use super::read_cache::{EmployeeReadCache, TRUST_WINDOW};

pub const CHANNEL: &str = "verzuim_employee_changed";
/// How the listener's connection shows in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "verzuim-change-listener";
/// A payload naming no single employee: forget everyone.
const EVERYONE: &str = "*";
const POLL_INTERVAL: Duration = Duration::from_millis(5);
const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(500);
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// The running listener; dropping it (with the `Application`) ends the thread.
pub struct ChangeListener {
    stop: Arc<AtomicBool>,
}

impl Drop for ChangeListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

impl ChangeListener {
    pub fn start(url: SecretString, reads: Arc<EmployeeReadCache>) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        thread::Builder::new()
            .name("verzuim-change-listener".into())
            .spawn(move || listen(&url, &reads, &stopped))?;
        Ok(ChangeListener { stop })
    }
}

fn listen(url: &SecretString, reads: &EmployeeReadCache, stop: &AtomicBool) {
    let url = url.expose_secret();
    let separator = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{separator}application_name={APPLICATION_NAME}");
    while !stop.load(Ordering::Acquire) {
        match PgConnection::establish(&url) {
            Ok(mut conn) => {
                let outcome = follow(&mut conn, reads, stop);
                reads.distrust();
                match outcome {
                    Ok(()) => return,
                    Err(e) => tracing::warn!(
                        error = %e,
                        "change listener lost its connection; cached reads are off until it is back"
                    ),
                }
            }
            Err(e) => {
                reads.distrust();
                tracing::warn!(error = %e, "change listener cannot connect; cached reads are off");
            }
        }
        thread::sleep(RECONNECT_DELAY);
    }
}

/// Listens on one connection until it fails (`Err`) or the listener is stopped (`Ok`).
fn follow(
    conn: &mut PgConnection,
    reads: &EmployeeReadCache,
    stop: &AtomicBool,
) -> diesel::QueryResult<()> {
    conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    // Changes made while nobody listened went unheard.
    reads.forget_everyone();
    reads.trust_for(TRUST_WINDOW);
    let mut last_heartbeat = Instant::now();
    while !stop.load(Ordering::Acquire) {
        for notification in conn.notifications_iter() {
            let payload = notification?.payload;
            if payload == EVERYONE {
                reads.forget_everyone();
            } else {
                reads.forget(&payload);
            }
        }
        if last_heartbeat.elapsed() >= HEARTBEAT_INTERVAL {
            let proven_at = Instant::now();
            conn.batch_execute("SELECT 1")?;
            // Trust counts from before the query: it proves nothing about the time it hung.
            reads.trust_for(TRUST_WINDOW.saturating_sub(proven_at.elapsed()));
            last_heartbeat = proven_at;
        }
        thread::sleep(POLL_INTERVAL);
    }
    Ok(())
}
