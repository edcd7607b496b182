-- Data safety: DROP EXTENSION tenancy refuses while its tables hold rows, unless a superuser
-- SET tenancy.allow_drop_with_data = on first.

-- True when the table has at least one row, whatever the caller's RLS context (the guard must
-- see every tenant's rows).
CREATE FUNCTION tenancy.table_has_rows(tbl regclass) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
DECLARE
  has_rows boolean;
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', tbl) INTO has_rows;
  RETURN has_rows;
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.table_has_rows(regclass) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.table_has_rows(regclass) IS 'Whether a table has rows, ignoring RLS (used by the DROP EXTENSION guard).';

CREATE FUNCTION tenancy.guard_drop() RETURNS event_trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'tenancy_guard_drop';
COMMENT ON FUNCTION tenancy.guard_drop() IS 'Event trigger: refuses to drop tenancy while its tables hold rows.';
CREATE EVENT TRIGGER tenancy_guard_drop ON ddl_command_start
  WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA')
  EXECUTE FUNCTION tenancy.guard_drop();
