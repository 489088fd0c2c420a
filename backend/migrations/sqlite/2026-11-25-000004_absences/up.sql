-- Absences (sick reports) and their history. No column here may hold a diagnosis, the nature
-- or the cause of an illness: only the fields the Dutch DPA allows an employer to ask for.
CREATE TABLE absences (
    id TEXT PRIMARY KEY NOT NULL,
    employer_id TEXT NOT NULL REFERENCES employers (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    first_sick_day DATE NOT NULL,
    recovered_on DATE,
    -- open | recovered | cancelled
    status TEXT NOT NULL,
    -- The previous absence of a linked spell (first sick day within 4 weeks of its end).
    linked_to TEXT REFERENCES absences (id),
    -- First sick day of the chain's first spell: the Poortwachter timeline runs from here.
    counting_from DATE NOT NULL,
    -- Hours worked on the first sick day, in quarter hours (0–96).
    hours_worked_quarters INTEGER,
    phone TEXT,
    care_address TEXT,
    expected_duration TEXT,
    safety_net BOOLEAN,
    occupational_accident BOOLEAN,
    third_party_accident BOOLEAN,
    -- employee | employer
    reported_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- One open absence per employee; the last line of defence behind the check in the code.
CREATE UNIQUE INDEX absences_one_open_per_employee ON absences (employee_id) WHERE status = 'open';
CREATE INDEX absences_employer_created ON absences (employer_id, created_at, id);
CREATE INDEX absences_employee_created ON absences (employee_id, created_at, id);

CREATE TABLE absence_partial_recoveries (
    id TEXT PRIMARY KEY NOT NULL,
    absence_id TEXT NOT NULL REFERENCES absences (id),
    from_date DATE NOT NULL,
    -- Percentage of the contract worked again, 1–99.
    percentage INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX absence_partial_recoveries_absence ON absence_partial_recoveries (absence_id);

-- Employer corrections and cancellations, with the reason given.
CREATE TABLE absence_corrections (
    id TEXT PRIMARY KEY NOT NULL,
    absence_id TEXT NOT NULL REFERENCES absences (id),
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX absence_corrections_absence ON absence_corrections (absence_id);
