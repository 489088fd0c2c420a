-- One login per person (SPEC §8): one normalised address with one password, one lockout
-- count (login_attempts, keyed by the same address) and one set of second factors, however many
-- employers employ the person. Employments (employees rows) link to it once activated.
CREATE TABLE logins (
    id TEXT PRIMARY KEY NOT NULL,
    email_normalised TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    -- The TOTP secret, sealed with the data key (auth::sealing); confirmed once a code matched.
    totp_secret BYTEA,
    totp_confirmed_at TIMESTAMP,
    -- The last time step whose code was accepted: a code is accepted once (no replay).
    totp_last_step BIGINT,
    last_login_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Ten single-use codes for when the authenticator is lost; only their digests are kept.
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY NOT NULL,
    login_id TEXT NOT NULL REFERENCES logins (id),
    code_hash TEXT NOT NULL UNIQUE,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX recovery_codes_login_id ON recovery_codes (login_id);

-- A password that was right, waiting for its second factor (the mfa_token names the row).
CREATE TABLE mfa_challenges (
    id TEXT PRIMARY KEY NOT NULL,
    login_id TEXT NOT NULL REFERENCES logins (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mfa_challenges_login_id ON mfa_challenges (login_id);

-- An employer changed the address of an active employee: the login keeps the old address until
-- the link sent to the new one is followed.
CREATE TABLE email_changes (
    id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    login_id TEXT NOT NULL REFERENCES logins (id),
    new_email TEXT NOT NULL,
    new_email_normalised TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    voided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX email_changes_employee_id ON email_changes (employee_id);

ALTER TABLE employees ADD COLUMN login_id TEXT REFERENCES logins (id);
CREATE INDEX employees_login_id ON employees (login_id);

-- Two-step login is required unless the employer turns it off (SPEC §8).
ALTER TABLE employers ADD COLUMN mfa_required BOOLEAN NOT NULL DEFAULT TRUE;

-- Resets now belong to the login. Links still open (valid one hour) are dropped: asking again
-- gives a new one.
DROP TABLE password_resets;
CREATE TABLE password_resets (
    id TEXT PRIMARY KEY NOT NULL,
    login_id TEXT NOT NULL REFERENCES logins (id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX password_resets_login_id ON password_resets (login_id);

-- The existing accounts: one login per address, with the password of the account used most
-- recently (its id becomes the login's). The other accounts of the address keep their
-- password_hash until the server's first start after this migration sends each one a reset
-- e-mail and clears it (accounts::logins::adopt_legacy_passwords).
INSERT INTO logins (id, email_normalised, password_hash, created_at, updated_at)
SELECT e.id, e.email_normalised, e.password_hash, e.activated_at, e.updated_at
FROM employees e
WHERE e.password_hash IS NOT NULL AND e.activated_at IS NOT NULL AND e.deleted_at IS NULL
  AND e.id = (
    SELECT c.id FROM employees c
    WHERE c.email_normalised = e.email_normalised AND c.password_hash IS NOT NULL
      AND c.activated_at IS NOT NULL AND c.deleted_at IS NULL
    ORDER BY (SELECT MAX(r.created_at) FROM refresh_tokens r WHERE r.employee_id = c.id) DESC NULLS LAST,
             c.activated_at DESC, c.id
    LIMIT 1
  );
UPDATE employees
SET login_id = (SELECT l.id FROM logins l WHERE l.email_normalised = employees.email_normalised)
WHERE password_hash IS NOT NULL AND activated_at IS NOT NULL AND deleted_at IS NULL;
UPDATE employees SET password_hash = NULL WHERE login_id IS NULL OR login_id = id;
