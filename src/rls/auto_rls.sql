-- auto_rls (API.md section 2): tables created in a registered schema with an organization_id
-- column, or given one by ALTER TABLE, are isolated by enable_rls at once.

CREATE TABLE tenancy.auto_rls_schemas (
  schema_name name PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tenancy.auto_rls_schemas IS 'Schemas whose new tenant tables get enable_rls automatically (platform table).';
COMMENT ON COLUMN tenancy.auto_rls_schemas.schema_name IS 'The schema watched by the auto_rls event trigger.';
COMMENT ON COLUMN tenancy.auto_rls_schemas.created_at IS 'When auto_rls was turned on for it.';
SELECT pg_catalog.pg_extension_config_dump('tenancy.auto_rls_schemas', '');
ALTER TABLE tenancy.auto_rls_schemas ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.auto_rls_schemas FORCE ROW LEVEL SECURITY;
CREATE POLICY tenancy_read ON tenancy.auto_rls_schemas FOR SELECT USING (true);

-- Event trigger body: enable_rls for each new or altered table of a watched schema that has a
-- uuid organization_id column and no row level security yet. Runs as the DDL's author (the owner).
CREATE FUNCTION tenancy.auto_rls_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass;
BEGIN
  FOR target IN
    SELECT DISTINCT c.oid::regclass
      FROM pg_event_trigger_ddl_commands() cmd
      JOIN pg_class c ON c.oid = cmd.objid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN tenancy.auto_rls_schemas w ON w.schema_name = n.nspname
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id'
                         AND NOT a.attisdropped AND a.atttypid = 'uuid'::regtype
     WHERE cmd.classid = 'pg_class'::regclass
       AND cmd.command_tag IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE TABLE AS', 'SELECT INTO')
       AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND NOT c.relrowsecurity  -- leaves hand-made RLS alone, and stops the recursion of the
                                 -- ALTER TABLE statements enable_rls itself runs
       AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname LIKE 'tenancy\_%')
  LOOP
    PERFORM tenancy.enable_rls(target);
  END LOOP;
END;
$$;
COMMENT ON FUNCTION tenancy.auto_rls_on_ddl() IS 'Event trigger: applies enable_rls to new tenant tables of auto_rls schemas.';

CREATE EVENT TRIGGER tenancy_auto_rls ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE TABLE AS', 'SELECT INTO')
  EXECUTE FUNCTION tenancy.auto_rls_on_ddl();

-- Turns automatic RLS on (or off) for a schema. Only the schema's owner (or a superuser).
CREATE FUNCTION tenancy.auto_rls(schema_name name, enabled boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  schema_owner oid;
BEGIN
  IF auto_rls.schema_name IS NULL OR enabled IS NULL THEN
    RAISE EXCEPTION 'schema_name and enabled must not be NULL' USING ERRCODE = '22023';
  END IF;
  SELECT n.nspowner INTO schema_owner FROM pg_namespace n WHERE n.nspname = auto_rls.schema_name;
  IF schema_owner IS NULL THEN
    RAISE EXCEPTION 'schema "%" does not exist', auto_rls.schema_name USING ERRCODE = '3F000';
  END IF;
  IF NOT pg_has_role(session_user, schema_owner, 'USAGE') THEN
    RAISE EXCEPTION 'only the owner of schema "%" can change auto_rls for it', auto_rls.schema_name
      USING ERRCODE = '42501';
  END IF;
  IF enabled THEN
    INSERT INTO tenancy.auto_rls_schemas (schema_name) VALUES (auto_rls.schema_name) ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM tenancy.auto_rls_schemas w WHERE w.schema_name = auto_rls.schema_name;
  END IF;
END;
$$;
COMMENT ON FUNCTION tenancy.auto_rls(name, boolean) IS
  'Turns on (or off) automatic enable_rls for new tables with an organization_id column in a schema.';
GRANT SELECT ON tenancy.auto_rls_schemas TO PUBLIC;
