-- Whose absence, document or account an audit entry is about, so the employee's access log
-- (SPEC §10, `GET /me/access-log`) reads it by one index. Entries written before name it by
-- their resource.
ALTER TABLE audit_log ADD COLUMN employee_id TEXT;
UPDATE audit_log SET employee_id = (SELECT employee_id FROM absences WHERE absences.id = audit_log.resource_id)
WHERE resource_type = 'absence';
UPDATE audit_log SET employee_id = (SELECT employee_id FROM documents WHERE documents.id = audit_log.resource_id)
WHERE resource_type = 'document';
UPDATE audit_log SET employee_id = resource_id WHERE resource_type = 'employee';
CREATE INDEX audit_log_employee ON audit_log (employee_id, id);
