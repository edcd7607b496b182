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
CREATE POLICY auto_rls_schemas_read ON tenancy.auto_rls_schemas FOR SELECT USING (true);

-- Copies the tenancy_* policies of a partition's parent onto the partition, with RLS enabled
-- and forced: a partition queried directly would otherwise bypass the parent's policies.
CREATE FUNCTION tenancy.inherit_partition_policies(part regclass, parent regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  policy record;
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', part);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', part);
  FOR policy IN
    SELECT p.polname,
           CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                         WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
           CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END AS kind,
           pg_get_expr(p.polqual, p.polrelid) AS using_expr,
           pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
      FROM pg_policy p
     WHERE p.polrelid = parent AND p.polname LIKE 'tenancy\_%'
  LOOP
    EXECUTE format('DROP POLICY IF EXISTS %I ON %s', policy.polname, part);
    EXECUTE format('CREATE POLICY %I ON %s AS %s FOR %s TO PUBLIC%s%s', policy.polname, part,
                   policy.kind, policy.command,
                   CASE WHEN policy.using_expr IS NULL THEN '' ELSE ' USING (' || policy.using_expr || ')' END,
                   CASE WHEN policy.check_expr IS NULL THEN '' ELSE ' WITH CHECK (' || policy.check_expr || ')' END);
  END LOOP;
END;
$$;
COMMENT ON FUNCTION tenancy.inherit_partition_policies(regclass, regclass) IS
  'Copies the tenancy_* policies of a parent onto a new partition (used by the auto_rls event trigger).';

-- Event trigger body. (1) A new partition of a table isolated by the tenancy generators, in any
-- schema, inherits the parent's policies. (2) A table of a watched schema whose uuid
-- organization_id column this transaction created (CREATE TABLE, ALTER TABLE ADD or RENAME
-- COLUMN) and that has no row level security yet gets enable_rls. Runs as the DDL's author.
CREATE FUNCTION tenancy.auto_rls_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass;
  parent regclass;
BEGIN
  FOR target, parent IN
    SELECT DISTINCT c.oid::regclass, i.inhparent::regclass
      FROM pg_event_trigger_ddl_commands() cmd
      JOIN pg_class c ON c.oid = cmd.objid
      JOIN pg_inherits i ON i.inhrelid = c.oid
     WHERE cmd.classid = 'pg_class'::regclass AND c.relispartition AND NOT c.relrowsecurity
       AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = i.inhparent AND p.polname = 'tenancy_select')
  LOOP
    PERFORM tenancy.inherit_partition_policies(target, parent);
  END LOOP;

  FOR target IN
    SELECT DISTINCT c.oid::regclass
      FROM pg_event_trigger_ddl_commands() cmd
      JOIN pg_class c ON c.oid = cmd.objid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN tenancy.auto_rls_schemas w ON w.schema_name = n.nspname
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id'
                         AND NOT a.attisdropped AND a.atttypid = 'uuid'::regtype
     WHERE cmd.classid = 'pg_class'::regclass
       AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND NOT c.relrowsecurity  -- leaves hand-made RLS alone, and stops the recursion of the
                                 -- ALTER TABLE statements enable_rls itself runs
       AND NOT c.relforcerowsecurity  -- a restore (pg_dump sets FORCE before it adds the
                                      -- constraints and the policies) is left to the dump
       -- organization_id was created (or renamed into place) by this transaction: an ALTER
       -- TABLE of an older tenant table (or disable_rls) is not a reason to isolate it.
       AND age(a.xmin) <= 0
  LOOP
    PERFORM tenancy.enable_rls(target);
  END LOOP;
END;
$$;
COMMENT ON FUNCTION tenancy.auto_rls_on_ddl() IS
  'Event trigger: new partitions inherit tenancy policies; new tenant tables of auto_rls schemas get enable_rls.';

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

-- Forgets dropped schemas, so a new schema of the same name (perhaps another owner's) is not
-- watched by accident. SECURITY DEFINER: whoever drops a schema may not write the registry.
CREATE FUNCTION tenancy.auto_rls_on_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  DELETE FROM tenancy.auto_rls_schemas w
   WHERE w.schema_name IN (SELECT d.object_name FROM pg_event_trigger_dropped_objects() d
                            WHERE d.object_type = 'schema');
END;
$$;
COMMENT ON FUNCTION tenancy.auto_rls_on_drop() IS 'Event trigger: removes dropped schemas from auto_rls.';
CREATE EVENT TRIGGER tenancy_auto_rls_drop ON sql_drop
  WHEN TAG IN ('DROP SCHEMA')
  EXECUTE FUNCTION tenancy.auto_rls_on_drop();
