-- Credential checks reserve their attempt before the expensive check runs (SPEC §8): the
-- reservations in flight count toward the lockout until each one ends as a failure or a
-- success. A reservation older than reserved_until was left by a process that died mid-check.
ALTER TABLE login_attempts ADD COLUMN reserved_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE login_attempts ADD COLUMN reserved_until TIMESTAMP;
CREATE INDEX login_attempts_updated ON login_attempts (updated_at);

-- A replay is served only to a caller who still holds the scope the original request needed;
-- the stored body is sealed (encrypted) because it may carry a secret (POST /webhooks).
ALTER TABLE idempotency_keys ADD COLUMN required_scope TEXT;
DELETE FROM idempotency_keys;
