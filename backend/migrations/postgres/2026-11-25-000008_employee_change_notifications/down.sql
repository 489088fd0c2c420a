DROP TRIGGER absence_partial_recoveries_changed ON absence_partial_recoveries;
DROP TRIGGER absences_changed ON absences;
DROP TRIGGER refresh_tokens_changed ON refresh_tokens;
DROP TRIGGER employees_changed ON employees;
DROP FUNCTION verzuim_notify_employee_changed();
