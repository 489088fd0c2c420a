DROP INDEX audit_log_employee;
ALTER TABLE audit_log DROP COLUMN employee_id;
