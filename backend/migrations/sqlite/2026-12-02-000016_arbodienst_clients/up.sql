-- An API client belongs to one party: an employer, or an arbodienst acting for every employer
-- linked to it (SPEC §9). SQLite cannot relax NOT NULL in place, so the table is rebuilt; no
-- other table references it.
CREATE TABLE api_clients_by_party (
    id TEXT PRIMARY KEY NOT NULL,
    employer_id TEXT REFERENCES employers (id),
    arbodienst_id TEXT REFERENCES arbodiensten (id),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    token_generation INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK ((employer_id IS NULL) <> (arbodienst_id IS NULL))
);
INSERT INTO api_clients_by_party
    (id, employer_id, name, scopes, secret_hash, token_generation, created_at, revoked_at)
SELECT id, employer_id, name, scopes, secret_hash, token_generation, created_at, revoked_at
FROM api_clients;
DROP TABLE api_clients;
ALTER TABLE api_clients_by_party RENAME TO api_clients;
CREATE INDEX api_clients_employer_id ON api_clients (employer_id);
CREATE INDEX api_clients_arbodienst_id ON api_clients (arbodienst_id);

-- The arbodienst the employer was linked to when the event happened: its feed holds these.
ALTER TABLE events ADD COLUMN arbodienst_id TEXT REFERENCES arbodiensten (id);
CREATE INDEX events_arbodienst_id ON events (arbodienst_id, id);
