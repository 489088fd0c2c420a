-- Poortwachter steps recorded by the employer or the arbodienst where no document here shows
-- them done (the week-42 report to UWV, say). SPEC §9. The note is a work note: never a
-- diagnosis or anything about the nature of the illness.
CREATE TABLE absence_steps (
    absence_id TEXT NOT NULL REFERENCES absences (id),
    step_key TEXT NOT NULL,
    done_on DATE NOT NULL,
    note TEXT,
    recorded_by_type TEXT NOT NULL,
    recorded_by_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (absence_id, step_key)
);

-- A late step whose `poortwachter.step_overdue` event was raised: the key makes it once,
-- whatever restarts or parallel workers happen.
CREATE TABLE overdue_steps (
    absence_id TEXT NOT NULL REFERENCES absences (id),
    step_key TEXT NOT NULL,
    due_on DATE NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    PRIMARY KEY (absence_id, step_key)
);

-- The worker looks for late steps among open absences.
CREATE INDEX absences_open_counting_from ON absences (status, counting_from);
