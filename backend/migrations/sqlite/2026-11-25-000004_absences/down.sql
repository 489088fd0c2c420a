DROP TABLE absence_corrections;
DROP TABLE absence_partial_recoveries;
DROP TABLE absences;
