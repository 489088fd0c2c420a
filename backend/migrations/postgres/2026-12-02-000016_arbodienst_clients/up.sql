-- An API client belongs to one party: an employer, or an arbodienst acting for every employer
-- linked to it (SPEC §9).
ALTER TABLE api_clients ALTER COLUMN employer_id DROP NOT NULL;
ALTER TABLE api_clients ADD COLUMN arbodienst_id TEXT REFERENCES arbodiensten (id);
ALTER TABLE api_clients ADD CONSTRAINT api_clients_one_party
    CHECK ((employer_id IS NULL) <> (arbodienst_id IS NULL));
CREATE INDEX api_clients_arbodienst_id ON api_clients (arbodienst_id);

-- The arbodienst the employer was linked to when the event happened: its feed holds these.
ALTER TABLE events ADD COLUMN arbodienst_id TEXT REFERENCES arbodiensten (id);
CREATE INDEX events_arbodienst_id ON events (arbodienst_id, id);
