DELETE FROM webhook_attempts WHERE webhook_id IN (SELECT id FROM webhooks WHERE employer_id IS NULL);
DELETE FROM webhooks WHERE employer_id IS NULL;
CREATE TABLE webhooks_of_employers (
    id TEXT PRIMARY KEY NOT NULL,
    employer_id TEXT NOT NULL REFERENCES employers (id),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP,
    deleted_at TIMESTAMP
);
INSERT INTO webhooks_of_employers
SELECT id, employer_id, url, events, secret, created_at, disabled_at, deleted_at FROM webhooks;
CREATE TABLE webhook_attempts_set_aside AS SELECT * FROM webhook_attempts;
DROP TABLE webhook_attempts;
DROP TABLE webhooks;
ALTER TABLE webhooks_of_employers RENAME TO webhooks;
CREATE INDEX webhooks_employer ON webhooks (employer_id);
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
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
INSERT INTO webhook_attempts SELECT * FROM webhook_attempts_set_aside;
DROP TABLE webhook_attempts_set_aside;
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
