-- Employees and their accounts. No column here, or anywhere, may hold a diagnosis or the
-- nature of an illness (Dutch privacy law).
CREATE TABLE employees (
    id TEXT PRIMARY KEY NOT NULL,
    employer_id TEXT NOT NULL REFERENCES employers (id),
    external_id TEXT,
    email TEXT NOT NULL,
    email_normalised TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    language TEXT NOT NULL DEFAULT 'nl',
    notify_new_documents BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT,
    activated_at TIMESTAMP,
    deleted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Unique per employer among employees that are not deleted; the deleted keep their history.
CREATE UNIQUE INDEX employees_employer_email ON employees (employer_id, email_normalised) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX employees_employer_external_id ON employees (employer_id, external_id) WHERE deleted_at IS NULL AND external_id IS NOT NULL;
CREATE INDEX employees_email_normalised ON employees (email_normalised);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    failed_checks INTEGER NOT NULL DEFAULT 0,
    used_at TIMESTAMP,
    voided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX invitations_employee_id ON invitations (employee_id);

CREATE TABLE password_resets (
    id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX password_resets_employee_id ON password_resets (employee_id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_employee_id ON refresh_tokens (employee_id);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);

-- Failed logins per normalised e-mail address, whether or not an account exists.
CREATE TABLE login_attempts (
    email_normalised TEXT PRIMARY KEY NOT NULL,
    failed_count INTEGER NOT NULL DEFAULT 0,
    blocked_until TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE service_status (
    id INTEGER PRIMARY KEY NOT NULL,
    message TEXT,
    updated_at TIMESTAMP NOT NULL
);
