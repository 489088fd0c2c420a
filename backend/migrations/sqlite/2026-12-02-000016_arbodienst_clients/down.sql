DROP INDEX events_arbodienst_id;
ALTER TABLE events DROP COLUMN arbodienst_id;
DELETE FROM api_clients WHERE employer_id IS NULL;
CREATE TABLE api_clients_of_employers (
    id TEXT PRIMARY KEY NOT NULL,
    employer_id TEXT NOT NULL REFERENCES employers (id),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    token_generation INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
INSERT INTO api_clients_of_employers
SELECT id, employer_id, name, scopes, secret_hash, token_generation, created_at, revoked_at
FROM api_clients;
DROP TABLE api_clients;
ALTER TABLE api_clients_of_employers RENAME TO api_clients;
CREATE INDEX api_clients_employer_id ON api_clients (employer_id);
