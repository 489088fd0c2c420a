DROP INDEX document_responses_employee_id;
DROP TABLE document_responses;
ALTER TABLE documents DROP COLUMN response_requested;
