CREATE TABLE employers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    absence_email TEXT NOT NULL,
    arbodienst_email TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE api_clients (
    id TEXT PRIMARY KEY NOT NULL,
    employer_id TEXT NOT NULL REFERENCES employers (id),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    token_generation INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE INDEX api_clients_employer_id ON api_clients (employer_id);
