DROP TABLE session_step_ups;
DROP TABLE webauthn_ceremonies;
DROP TABLE passkeys;
