DROP INDEX absences_open_counting_from;
DROP TABLE overdue_steps;
DROP TABLE absence_steps;
