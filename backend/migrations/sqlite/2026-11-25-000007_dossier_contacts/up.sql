-- Whom an employee asks about their dossier (SPEC §2.8): the employer's HR contact and the
-- arbodienst's case manager. A row without employee_id is the employer's default; a row with
-- one overrides that role for that employee only.
CREATE TABLE dossier_contacts (
    id TEXT PRIMARY KEY NOT NULL,
    employer_id TEXT NOT NULL REFERENCES employers (id),
    employee_id TEXT REFERENCES employees (id),
    role TEXT NOT NULL CHECK (role IN ('hr', 'case_manager')),
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX dossier_contacts_employer_default ON dossier_contacts (employer_id, role)
    WHERE employee_id IS NULL;
-- NULLs never clash in a unique index, so the employer's defaults need no exception here.
CREATE UNIQUE INDEX dossier_contacts_employee ON dossier_contacts (employee_id, role);
