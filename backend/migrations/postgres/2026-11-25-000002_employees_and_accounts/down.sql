DROP TABLE service_status;
DROP TABLE login_attempts;
DROP TABLE refresh_tokens;
DROP TABLE password_resets;
DROP TABLE invitations;
DROP TABLE employees;
