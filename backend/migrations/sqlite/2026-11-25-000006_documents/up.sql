-- Re-integration dossier documents. The file itself lives in document storage under
-- `storage_key` (the document id, never the uploader's file name); `file_name` is the
-- sanitised display name only. `absence_id` is a plain reference (no foreign key) so this
-- table does not depend on the order in which the absences migration lands.
CREATE TABLE documents (
    id TEXT PRIMARY KEY NOT NULL,
    employer_id TEXT NOT NULL REFERENCES employers (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    absence_id TEXT,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    document_date DATE NOT NULL,
    visible_to_employee BOOLEAN NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    published_by_role TEXT NOT NULL,
    published_by_client_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX documents_employee_order ON documents (employee_id, document_date, created_at, id);
CREATE INDEX documents_employer_id ON documents (employer_id);
