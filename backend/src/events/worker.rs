//! The background worker that empties the outbox: a tokio task started by
//! `Application::build`. Every database call runs on the blocking pool (through [`Db::run`]),
//! never on the actix workers; only the SMTP conversation is async.
//!
//! Each poll it claims due rows one at a time with a lease, delivers each, and marks it sent
//! (scrubbing the payload) or schedules a retry with exponential backoff and jitter. Nothing is
//! lost while SMTP is down: the row waits and is sent when the server is back.
//!
//! Webhook rows (channel `webhook`) go the same way: claimed with the same lease (so several
//! instances deliver each exactly once, and a crash mid-send is retried with the same
//! `webhook-id` when the lease runs out), retried on the Standard Webhooks schedule
//! (`WebhookSettings::retry_schedule`, `Retry-After` on 429/503 respected), given up when the
//! schedule is exhausted or the endpoint answered 410 Gone. What a webhook row's `last_error`
//! and the worker's log lines say about a failure is the attempt's category
//! ([`webhooks::DeliveryError`]) or a fixed word, never an error's text (see `events::webhooks`).

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use rand::Rng;

use crate::config::{OutboxSettings, Settings};
use crate::db::{now, Db};
use crate::events::email::{build_message, EmailMessage, Templates};
use crate::events::mailer::Mailer;
use crate::events::outbox::{self, OutboxRow};
use crate::events::webhooks;
use crate::web::idempotency;

/// Rows claimed per query; the worker keeps going while batches come back full.
const BATCH: i64 = 20;
/// Multiples of the first retry delay: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h with the defaults.
const BACKOFF_FACTORS: [u32; 6] = [1, 6, 24, 120, 360, 720];
/// Polls between two clean-ups of expired idempotency keys.
const CLEANUP_EVERY: u32 = 1000;

/// The running worker; dropping it (as `Application` does when the server has stopped) ends
/// the task. A send cut off that way keeps its lease, which runs out and lets a later run retry.
pub struct OutboxWorker {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for OutboxWorker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl OutboxWorker {
    /// Starts the worker on the current tokio runtime.
    pub fn start(db: Db, settings: Arc<Settings>) -> anyhow::Result<OutboxWorker> {
        let worker = Worker {
            mailer: Mailer::from_settings(&settings)?,
            webhooks: webhooks::WebhookClient::new(&settings.webhooks)?,
            templates: Templates::new().map_err(|e| anyhow::anyhow!("e-mail templates: {e}"))?,
            instance: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            db,
            settings,
        };
        tracing::info!(instance = %worker.instance, mailer = ?worker.mailer, "outbox worker started");
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(worker.settings.outbox.poll_interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut polls: u32 = 0;
            loop {
                ticker.tick().await;
                worker.poll(outbox::EMAIL).await;
                worker.poll(outbox::WEBHOOK).await;
                if polls.is_multiple_of(CLEANUP_EVERY) {
                    worker.clean_up().await;
                }
                polls = polls.wrapping_add(1);
            }
        });
        Ok(OutboxWorker { task })
    }
}

struct Worker {
    db: Db,
    settings: Arc<Settings>,
    mailer: Mailer,
    webhooks: webhooks::WebhookClient,
    templates: Templates,
    /// Who holds a lease: process id plus a random part, unique per `Application`.
    instance: String,
}

impl Worker {
    async fn clean_up(&self) {
        match self
            .db
            .run(|conn| Ok(idempotency::delete_expired(conn)?))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "idempotency keys past 24 h deleted"),
            Err(e) => tracing::warn!(error = %e, "cannot delete expired idempotency keys"),
        }
        let accounts = self.settings.accounts.clone();
        match self
            .db
            .run(move |conn| Ok(crate::accounts::lockout::delete_expired(conn, &accounts)?))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "lockout rows past their window deleted"),
            Err(e) => tracing::warn!(error = %e, "cannot delete expired lockout rows"),
        }
    }

    async fn poll(&self, channel: &'static str) {
        // Bounded, so one poll cannot run forever when rows keep arriving.
        for _ in 0..50 {
            let ids = match self
                .db
                .run(move |conn| Ok(outbox::due_ids(conn, channel, now(), BATCH)?))
                .await
            {
                Ok(ids) => ids,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: cannot read due deliveries");
                    return;
                }
            };
            for &id in &ids {
                if let Some(row) = self.claim(id).await {
                    if row.channel == outbox::WEBHOOK {
                        self.deliver_webhook(row).await;
                    } else {
                        self.deliver_email(row).await;
                    }
                }
            }
            if (ids.len() as i64) < BATCH {
                return;
            }
        }
    }

    async fn claim(&self, id: i64) -> Option<OutboxRow> {
        let instance = self.instance.clone();
        let lease = to_delta(self.settings.outbox.lease);
        match self
            .db
            .run(move |conn| Ok(outbox::claim(conn, id, &instance, now(), lease)?))
            .await
        {
            Ok(row) => row,
            Err(e) => {
                tracing::warn!(outbox_id = id, error = %e, "outbox: cannot claim delivery");
                None
            }
        }
    }

    async fn deliver_email(&self, row: OutboxRow) {
        let message = match serde_json::from_str::<EmailMessage>(&row.payload) {
            Ok(message) => message,
            Err(e) => {
                // Cannot ever succeed; keep the recipient out of the log.
                return self
                    .give_up(&row, &format!("payload is not an e-mail message: {e}"))
                    .await;
            }
        };
        let built = self
            .templates
            .render(&message)
            .map_err(anyhow::Error::from)
            .and_then(|rendered| {
                build_message(rendered, &self.settings.mail_from, &row.delivery_id)
            });
        let email = match built {
            Ok(email) => email,
            Err(e) => return self.give_up(&row, &format!("{e:#}")).await,
        };
        match self.mailer.send(email, &row.delivery_id).await {
            Ok(()) => {
                // The links carry one-time tokens that are otherwise stored only as hashes:
                // once the e-mail is out, the outbox keeps nothing but the template and the
                // recipient, so no usable token stays in the database.
                let scrubbed = EmailMessage::redacted_payload(&row.kind, message.to());
                self.mark_sent(&row, scrubbed).await;
            }
            Err(e) => self.retry_or_give_up(&row, &format!("{e:#}")).await,
        }
    }

    async fn deliver_webhook(&self, row: OutboxRow) {
        let outcome = webhooks::deliver(
            &self.db,
            &self.webhooks,
            &row.delivery_id,
            row.attempts,
            &row.payload,
        )
        .await;
        let (error, retry_after) = match outcome {
            webhooks::Outcome::Delivered => return self.mark_sent(&row, row.payload.clone()).await,
            webhooks::Outcome::Gone => {
                return self
                    .give_up_webhook(&row, webhooks::DeliveryError::HttpStatus.as_str())
                    .await
            }
            webhooks::Outcome::Dropped(reason) => return self.give_up_webhook(&row, reason).await,
            webhooks::Outcome::Failed { error, retry_after } => (error.as_str(), retry_after),
            webhooks::Outcome::NotAttempted => ("database_unavailable", None),
        };
        let schedule = &self.settings.webhooks.retry_schedule;
        let index = usize::try_from(row.attempts.saturating_sub(1)).unwrap_or(0);
        let Some(base) = schedule.get(index) else {
            // Failed for good: `failed_at` says so, `last_error` keeps the last category.
            return self.give_up_webhook(&row, error).await;
        };
        let delay = base.mul_f64(rand::thread_rng().gen_range(0.8..1.2)).max(
            retry_after
                .unwrap_or_default()
                .min(Duration::from_secs(24 * 3600)),
        );
        let next = now() + to_delta(delay);
        tracing::warn!(outbox_id = row.id, attempts = row.attempts, error, retry_at = %next, "webhook: delivery failed, will retry");
        let (id, instance) = (row.id, self.instance.clone());
        if let Err(e) = self
            .db
            .run(move |conn| Ok(outbox::mark_retry(conn, id, &instance, error, next)?))
            .await
        {
            tracing::warn!(outbox_id = id, error = %e, "webhook: cannot record the failed attempt");
        }
    }

    /// `error` is a category or a fixed word, so `&'static str`: no error text can get here.
    async fn give_up_webhook(&self, row: &OutboxRow, error: &'static str) {
        tracing::warn!(outbox_id = row.id, kind = %row.kind, attempts = row.attempts, error, "webhook: delivery given up");
        let (id, payload) = (row.id, row.payload.clone());
        if let Err(e) = self
            .db
            .run(move |conn| Ok(outbox::mark_failed(conn, id, error, &payload, now())?))
            .await
        {
            tracing::warn!(outbox_id = id, error = %e, "webhook: cannot record giving up");
        }
    }

    /// Marks the row sent, trying a few times: a row that was sent but stays unmarked would be
    /// sent again when its lease runs out.
    async fn mark_sent(&self, row: &OutboxRow, scrubbed: String) {
        let id = row.id;
        for attempt in 0..3u32 {
            let scrubbed = scrubbed.clone();
            match self
                .db
                .run(move |conn| Ok(outbox::mark_sent(conn, id, &scrubbed, now())?))
                .await
            {
                Ok(true) => {
                    tracing::info!(outbox_id = id, kind = %row.kind, attempts = row.attempts, "outbox: delivered");
                    return;
                }
                Ok(false) => {
                    tracing::warn!(
                        outbox_id = id,
                        "outbox: delivered, but it was already marked sent"
                    );
                    return;
                }
                Err(e) => {
                    tracing::warn!(outbox_id = id, error = %e, "outbox: delivered but cannot mark it yet");
                    tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
                }
            }
        }
        tracing::error!(
            outbox_id = id,
            "outbox: delivered but not marked; it will be sent again when the lease runs out"
        );
    }

    async fn retry_or_give_up(&self, row: &OutboxRow, error: &str) {
        let now = now();
        if now - row.created_at >= to_delta(self.settings.outbox.give_up_after) {
            return self.give_up(row, error).await;
        }
        let next = now + to_delta(backoff(&self.settings.outbox, row.attempts));
        tracing::warn!(outbox_id = row.id, attempts = row.attempts, %error, retry_at = %next, "outbox: delivery failed, will retry");
        let (id, instance, error) = (row.id, self.instance.clone(), error.to_string());
        if let Err(e) = self
            .db
            .run(move |conn| Ok(outbox::mark_retry(conn, id, &instance, &error, next)?))
            .await
        {
            // The lease runs out and the row is retried then.
            tracing::warn!(outbox_id = id, error = %e, "outbox: cannot record the failed attempt");
        }
    }

    async fn give_up(&self, row: &OutboxRow, error: &str) {
        tracing::error!(outbox_id = row.id, kind = %row.kind, attempts = row.attempts, %error, "outbox: delivery given up");
        let to = serde_json::from_str::<serde_json::Value>(&row.payload)
            .ok()
            .and_then(|v| v["to"].as_str().map(str::to_string))
            .unwrap_or_default();
        let scrubbed = EmailMessage::redacted_payload(&row.kind, &to);
        let (id, error) = (row.id, error.to_string());
        if let Err(e) = self
            .db
            .run(move |conn| Ok(outbox::mark_failed(conn, id, &error, &scrubbed, now())?))
            .await
        {
            tracing::warn!(outbox_id = id, error = %e, "outbox: cannot record giving up");
        }
    }
}

/// The delay before the next try after `attempts` tries: the factor table times the first
/// delay, capped at the maximum, then ±20 % jitter so instances do not retry in step.
pub fn backoff(settings: &OutboxSettings, attempts: i32) -> Duration {
    let index = usize::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(BACKOFF_FACTORS.len() - 1);
    let base = settings
        .retry_first
        .saturating_mul(BACKOFF_FACTORS[index])
        .min(settings.retry_max);
    base.mul_f64(rand::thread_rng().gen_range(0.8..1.2))
}

fn to_delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OutboxSettings {
        OutboxSettings {
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(300),
            retry_first: Duration::from_secs(5),
            retry_max: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(72 * 3600),
            smtp_timeout: Duration::from_secs(15),
        }
    }

    #[test]
    fn backoff_grows_to_the_cap_with_jitter() {
        let s = settings();
        let expected = [5, 30, 120, 600, 1800, 3600, 3600, 3600];
        for (attempt, secs) in (1..).zip(expected) {
            let delay = backoff(&s, attempt).as_secs_f64();
            let secs = f64::from(secs);
            assert!(
                delay >= secs * 0.8 && delay <= secs * 1.2,
                "attempt {attempt}: {delay}"
            );
        }
    }
}
