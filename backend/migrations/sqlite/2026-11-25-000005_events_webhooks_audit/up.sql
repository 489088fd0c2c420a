-- The employer's event feed: append-only, one row per domain event. `id` is the feed cursor;
-- events of one employer are inserted one at a time (see events::feed), so ids become visible
-- in order and a consumer that stores the cursor never misses or repeats one.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    employer_id TEXT NOT NULL REFERENCES employers (id),
    kind TEXT NOT NULL,
    -- JSON: ids and dates only, never anything medical.
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_feed ON events (employer_id, id);

-- Webhook endpoints. The secret is kept as given out (whsec_…): signing needs it.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    employer_id TEXT NOT NULL REFERENCES employers (id),
    url TEXT NOT NULL,
    -- Space-separated event types.
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- Set when the endpoint answered 410 Gone.
    disabled_at TIMESTAMP,
    deleted_at TIMESTAMP
);
CREATE INDEX webhooks_employer ON webhooks (employer_id);

-- Every delivery attempt, for GET /webhooks/{id}/deliveries.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    -- The webhook-id header: the outbox row's delivery_id, the same on every retry.
    delivery_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    succeeded BOOLEAN NOT NULL
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id);

-- Append-only audit log: who read or changed which absence or document.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    employer_id TEXT NOT NULL,
    -- employee | client | operator
    actor_type TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_employer ON audit_log (employer_id, id);
CREATE INDEX audit_log_resource ON audit_log (employer_id, resource_type, resource_id, id);

-- Idempotency-Key: the first response to a POST, replayed for a retry with the same key.
CREATE TABLE idempotency_keys (
    client_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 (hex) of method, path, query and body.
    request_hash TEXT NOT NULL,
    -- NULL while the first request is still being handled.
    status INTEGER,
    content_type TEXT,
    location TEXT,
    body BLOB,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
