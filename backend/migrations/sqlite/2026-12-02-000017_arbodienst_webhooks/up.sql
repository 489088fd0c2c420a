-- A webhook endpoint belongs to one party: an employer, or an arbodienst hearing the events of
-- every employer linked to it (SPEC §9). SQLite cannot relax NOT NULL in place, and
-- `webhook_attempts` references `webhooks`, so both are rebuilt: the attempts are set aside
-- without their reference while the endpoints are replaced, then put back, every reference
-- checked again on the way in.
CREATE TABLE webhooks_by_party (
    id TEXT PRIMARY KEY NOT NULL,
    employer_id TEXT REFERENCES employers (id),
    url TEXT NOT NULL,
    -- Space-separated event types.
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- Set when the endpoint answered 410 Gone.
    disabled_at TIMESTAMP,
    deleted_at TIMESTAMP,
    arbodienst_id TEXT REFERENCES arbodiensten (id),
    CHECK ((employer_id IS NULL) <> (arbodienst_id IS NULL))
);
INSERT INTO webhooks_by_party
    (id, employer_id, url, events, secret, created_at, disabled_at, deleted_at)
SELECT id, employer_id, url, events, secret, created_at, disabled_at, deleted_at FROM webhooks;

CREATE TABLE webhook_attempts_set_aside AS SELECT * FROM webhook_attempts;
DROP TABLE webhook_attempts;
DROP TABLE webhooks;
ALTER TABLE webhooks_by_party RENAME TO webhooks;
CREATE INDEX webhooks_employer ON webhooks (employer_id);
CREATE INDEX webhooks_arbodienst ON webhooks (arbodienst_id);

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
INSERT INTO webhook_attempts
    (id, webhook_id, delivery_id, event_id, event_type, attempt, attempted_at, status_code,
     error, duration_ms, succeeded)
SELECT id, webhook_id, delivery_id, event_id, event_type, attempt, attempted_at, status_code,
       error, duration_ms, succeeded
FROM webhook_attempts_set_aside;
DROP TABLE webhook_attempts_set_aside;
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
