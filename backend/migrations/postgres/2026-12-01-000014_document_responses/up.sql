-- The employee's answer to a plan of action, an evaluation or a re-integration report
-- (SPEC §9): asked for at upload, given once, kept with the SHA-256 of the document answered.
ALTER TABLE documents ADD COLUMN response_requested BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE document_responses (
    id TEXT PRIMARY KEY NOT NULL,
    document_id TEXT NOT NULL UNIQUE REFERENCES documents (id),
    employer_id TEXT NOT NULL REFERENCES employers (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    -- agree or disagree
    agreement TEXT NOT NULL,
    -- The employee's own view, in their words (at most 4,000 characters).
    own_view TEXT,
    document_sha256 TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX document_responses_employee_id ON document_responses (employee_id);
