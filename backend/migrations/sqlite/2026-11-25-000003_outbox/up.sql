-- The transactional outbox: one row per delivery (an e-mail now; webhooks later), written in the
-- same transaction as the change that causes it and delivered by the background worker.
-- `payload` is JSON; after delivery it is replaced by a redacted form (links carry one-time
-- tokens that must otherwise only exist as hashes). Never anything medical in a payload.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- Stable across retries: the e-mail's Message-ID, later the `webhook-id`.
    delivery_id TEXT NOT NULL UNIQUE,
    -- 'email' (later 'webhook'): which deliverer handles the row.
    channel TEXT NOT NULL,
    -- What it is: the e-mail template ('invitation', 'password_reset'), later the event type.
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- Delivery attempts started (a claim counts, so a crash mid-send counts too).
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- Lease: the instance `locked_by` owns the row until `locked_until`.
    locked_until TIMESTAMP,
    locked_by TEXT,
    sent_at TIMESTAMP,
    -- Set when delivery was given up (permanent error, or retried past the give-up age).
    failed_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due ON outbox (channel, next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
