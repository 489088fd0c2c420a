-- Passkeys (SPEC §8): WebAuthn credentials of a login, a second factor and a login of their
-- own. `credential` is the relying party's record (public key, counter, flags) as webauthn-rs
-- serialises it; nothing in it is secret.
CREATE TABLE passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    login_id TEXT NOT NULL REFERENCES logins (id),
    -- base64url of the credential id: one credential belongs to one login.
    credential_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    credential TEXT NOT NULL,
    last_used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX passkeys_login_id ON passkeys (login_id);

-- The server's half of a WebAuthn ceremony between its start and its finish: used once, within
-- minutes. `purpose` is registration, second_factor, login or step_up.
CREATE TABLE webauthn_ceremonies (
    id TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    login_id TEXT REFERENCES logins (id),
    employee_id TEXT REFERENCES employees (id),
    -- The session a step-up marks, or the login step (mfa_challenges) a second factor completes.
    session_id TEXT,
    mfa_challenge_id TEXT REFERENCES mfa_challenges (id),
    state TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webauthn_ceremonies_login_id ON webauthn_ceremonies (login_id);

-- When a session last proved the password or a second factor (a login, or POST /me/step-up):
-- sensitive changes ask for one within the last five minutes. Keyed by the session (the
-- refresh-token family).
CREATE TABLE session_step_ups (
    session_id TEXT PRIMARY KEY NOT NULL,
    stepped_up_at TIMESTAMP NOT NULL
);
