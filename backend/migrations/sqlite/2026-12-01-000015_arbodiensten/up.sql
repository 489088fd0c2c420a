-- The arbodienst (occupational health service) as a party of its own (SPEC §9): one arbodienst
-- serves many employers, each employer links at most one.
CREATE TABLE arbodiensten (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- Receives the sick-report, recovery and answer e-mails of every linked employer.
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

ALTER TABLE employers ADD COLUMN arbodienst_id TEXT REFERENCES arbodiensten (id);
CREATE INDEX employers_arbodienst_id ON employers (arbodienst_id);
