DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys DROP COLUMN required_scope;
DROP INDEX login_attempts_updated;
ALTER TABLE login_attempts DROP COLUMN reserved_until;
ALTER TABLE login_attempts DROP COLUMN reserved_count;
