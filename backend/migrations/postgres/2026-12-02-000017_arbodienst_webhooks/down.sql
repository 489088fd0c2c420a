DELETE FROM webhook_attempts WHERE webhook_id IN (SELECT id FROM webhooks WHERE employer_id IS NULL);
DELETE FROM webhooks WHERE employer_id IS NULL;
DROP INDEX webhooks_arbodienst;
ALTER TABLE webhooks DROP CONSTRAINT webhooks_one_party;
ALTER TABLE webhooks DROP COLUMN arbodienst_id;
ALTER TABLE webhooks ALTER COLUMN employer_id SET NOT NULL;
