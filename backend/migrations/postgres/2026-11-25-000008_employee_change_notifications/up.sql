-- Every instance keeps employees' hot reads (open sessions, first page of their absences) in
-- memory. These triggers tell all instances, through NOTIFY, which employee's reads a committed
-- change made stale. NOTIFY is transactional: it is delivered on commit, never for a rollback.
-- The payload is the employee's id; '*' means "forget everything" (the employee is unknown).
-- SQLite has no such migration: it serves one process per file, which sees its own changes.
CREATE FUNCTION verzuim_notify_employee_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed RECORD;
    employee TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    IF TG_TABLE_NAME = 'employees' THEN
        employee := changed.id;
    ELSIF TG_TABLE_NAME = 'absence_partial_recoveries' THEN
        SELECT a.employee_id INTO employee FROM absences a WHERE a.id = changed.absence_id;
    ELSE
        employee := changed.employee_id;
    END IF;
    PERFORM pg_notify('verzuim_employee_changed', COALESCE(employee, '*'));
    RETURN NULL;
END
$$;

-- A new employee or a new session cannot make a cached read stale; their changes can.
CREATE TRIGGER employees_changed AFTER UPDATE OR DELETE ON employees
    FOR EACH ROW EXECUTE FUNCTION verzuim_notify_employee_changed();
CREATE TRIGGER refresh_tokens_changed AFTER UPDATE OR DELETE ON refresh_tokens
    FOR EACH ROW EXECUTE FUNCTION verzuim_notify_employee_changed();
CREATE TRIGGER absences_changed AFTER INSERT OR UPDATE OR DELETE ON absences
    FOR EACH ROW EXECUTE FUNCTION verzuim_notify_employee_changed();
CREATE TRIGGER absence_partial_recoveries_changed
    AFTER INSERT OR UPDATE OR DELETE ON absence_partial_recoveries
    FOR EACH ROW EXECUTE FUNCTION verzuim_notify_employee_changed();
