-- Back to one password per employment: each employment of a login gets the login's password.
UPDATE employees
SET password_hash = (SELECT l.password_hash FROM logins l WHERE l.id = employees.login_id)
WHERE login_id IS NOT NULL;
DROP TABLE password_resets;
CREATE TABLE password_resets (
    id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX password_resets_employee_id ON password_resets (employee_id);
ALTER TABLE employers DROP COLUMN mfa_required;
DROP INDEX employees_login_id;
ALTER TABLE employees DROP COLUMN login_id;
DROP TABLE email_changes;
DROP TABLE mfa_challenges;
DROP TABLE recovery_codes;
DROP TABLE logins;
