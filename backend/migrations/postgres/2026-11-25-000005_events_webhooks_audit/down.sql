DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE webhook_attempts;
DROP TABLE webhooks;
DROP TABLE events;
