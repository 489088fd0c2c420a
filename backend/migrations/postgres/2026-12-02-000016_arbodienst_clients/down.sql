DROP INDEX events_arbodienst_id;
ALTER TABLE events DROP COLUMN arbodienst_id;
DELETE FROM api_clients WHERE employer_id IS NULL;
DROP INDEX api_clients_arbodienst_id;
ALTER TABLE api_clients DROP CONSTRAINT api_clients_one_party;
ALTER TABLE api_clients DROP COLUMN arbodienst_id;
ALTER TABLE api_clients ALTER COLUMN employer_id SET NOT NULL;
