-- The audit trail (SCHEMA.md, seed 001; API.md section 7): who did what to which resource, in
-- which organization. Append-only.

CREATE TABLE tenancy.audit_logs (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id()
    REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id uuid DEFAULT tenancy.current_user_id() REFERENCES tenancy.users (id) ON DELETE SET NULL,
  action text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
  resource_type text CHECK (length(resource_type) BETWEEN 1 AND 200),
  resource_id uuid,
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  ip_address inet,
  user_agent text CHECK (length(user_agent) <= 1000),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id)
);
CREATE INDEX audit_logs_recent_idx ON tenancy.audit_logs (organization_id, created_at DESC);
CREATE INDEX audit_logs_action_idx ON tenancy.audit_logs (organization_id, action, created_at DESC);
CREATE INDEX audit_logs_resource_idx ON tenancy.audit_logs (organization_id, resource_type, resource_id);
CREATE INDEX audit_logs_user_id_idx ON tenancy.audit_logs (user_id);
CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON tenancy.audit_logs
  FOR EACH ROW EXECUTE FUNCTION tenancy.refuse_change('append_only', 'user_id');
COMMENT ON TABLE tenancy.audit_logs IS 'Audit trail of actions in an organization. Append-only: UPDATE and DELETE raise 55000 (no updated_at); rows go only with their organization.';
COMMENT ON COLUMN tenancy.audit_logs.organization_id IS 'The organization acted in (tenant key).';
COMMENT ON COLUMN tenancy.audit_logs.id IS 'Log entry id (uuid).';
COMMENT ON COLUMN tenancy.audit_logs.user_id IS 'User who acted (defaults to the context user); NULL for service contexts or once that user is deleted.';
COMMENT ON COLUMN tenancy.audit_logs.action IS 'What was done, such as INSERT, UPDATE, DELETE or an application verb.';
COMMENT ON COLUMN tenancy.audit_logs.resource_type IS 'Kind of resource acted on (such as a table name); NULL when none.';
COMMENT ON COLUMN tenancy.audit_logs.resource_id IS 'Id of the resource acted on; NULL when none.';
COMMENT ON COLUMN tenancy.audit_logs.details IS 'Further facts, such as the changed columns (JSON object).';
COMMENT ON COLUMN tenancy.audit_logs.ip_address IS 'Client IP address; NULL when unknown.';
COMMENT ON COLUMN tenancy.audit_logs.user_agent IS 'Client user agent; NULL when unknown.';
COMMENT ON COLUMN tenancy.audit_logs.created_at IS 'When the action was logged.';

SELECT pg_catalog.pg_extension_config_dump('tenancy.audit_logs', '');

SELECT tenancy.enable_rls('tenancy.audit_logs', write_role => 'MEMBER', delete_role => 'ADMIN');

-- Writing the trail ---------------------------------------------------------------------------

-- The one writer of audit rows. The actor is kept only when that user exists (a signed context
-- may name a user the users table does not hold); NULL otherwise. SECURITY DEFINER: logging
-- never depends on the caller's privileges. Internal.
CREATE FUNCTION tenancy.write_audit_log(org uuid, actor uuid, action text, resource_type text,
                                        resource_id uuid, details jsonb)
RETURNS uuid
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
  INSERT INTO tenancy.audit_logs (organization_id, user_id, action, resource_type, resource_id, details)
  VALUES (org, (SELECT u.id FROM tenancy.users u WHERE u.id = actor), action, resource_type,
          resource_id, coalesce(details, '{}'))
  RETURNING id
$$;
REVOKE EXECUTE ON FUNCTION tenancy.write_audit_log(uuid, uuid, text, text, uuid, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.write_audit_log(uuid, uuid, text, text, uuid, jsonb) IS
  'Appends one audit row (internal; flows and the audit trigger use it).';

-- Column names whose values never enter the trail: password and token hashes, API key hashes,
-- encrypted secrets. Only their names are recorded as changed.
CREATE FUNCTION tenancy.is_secret_column(column_name text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT column_name ~ '(password|secret|token|hash|encrypted|private_key|api_key)'
$$;
COMMENT ON FUNCTION tenancy.is_secret_column(text) IS
  'True for a column whose values the audit trail never records (hashes, tokens, secrets).';

-- Row trigger attached by enable_audit: logs INSERT, UPDATE and DELETE made under a tenant
-- context, in the row's organization (or the context's, for a table without organization_id),
-- with the context's user, the row's id, and details {table, columns[, old, new]}: the columns
-- set (INSERT) or changed (UPDATE, updated_at aside; an UPDATE that changes nothing is not
-- logged), and for UPDATE the old and new values of the changed columns, except secret ones.
-- Changes made without a context (a superuser's maintenance, a restore, the SECURITY DEFINER
-- flows, which log their own events) are not logged here, and neither are rows of an
-- organization that is being deleted.
CREATE FUNCTION tenancy.audit_row_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  row_data jsonb := coalesce(new_row, old_row);
  org uuid;
  row_id uuid;
  changed text[];
  details jsonb;
BEGIN
  IF tenancy.current_org_id() IS NULL THEN
    RETURN NULL;
  END IF;
  org := coalesce((row_data ->> 'organization_id')::uuid, tenancy.current_org_id());
  IF NOT EXISTS (SELECT 1 FROM tenancy.organizations o WHERE o.id = org) THEN
    RETURN NULL;
  END IF;
  IF row_data ->> 'id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
    row_id := (row_data ->> 'id')::uuid;
  END IF;
  changed := CASE TG_OP
    WHEN 'INSERT' THEN ARRAY(SELECT n.key FROM jsonb_each(new_row) n
                              WHERE n.value <> 'null'::jsonb ORDER BY n.key)
    WHEN 'UPDATE' THEN ARRAY(SELECT n.key FROM jsonb_each(new_row) n
                              WHERE n.value IS DISTINCT FROM old_row -> n.key AND n.key <> 'updated_at'
                              ORDER BY n.key)
    ELSE '{}'::text[] END;
  IF TG_OP = 'UPDATE' AND cardinality(changed) = 0 THEN
    RETURN NULL;
  END IF;
  details := jsonb_build_object('table', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 'columns', to_jsonb(changed));
  IF TG_OP = 'UPDATE' THEN
    details := details || jsonb_build_object(
      'old', (SELECT coalesce(jsonb_object_agg(c, old_row -> c), '{}') FROM unnest(changed) c
               WHERE NOT tenancy.is_secret_column(c)),
      'new', (SELECT coalesce(jsonb_object_agg(c, new_row -> c), '{}') FROM unnest(changed) c
               WHERE NOT tenancy.is_secret_column(c)));
  END IF;
  PERFORM tenancy.write_audit_log(org, tenancy.current_user_id(), TG_OP, TG_TABLE_NAME, row_id, details);
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.audit_row_change() FROM PUBLIC;
COMMENT ON FUNCTION tenancy.audit_row_change() IS
  'Trigger of enable_audit: logs row changes made under a tenant context (never a secret column''s value).';

-- Attaches (or re-attaches) the audit trigger tenancy_audit to a table. Not executable by
-- PUBLIC: the trigger writes into the trail of whatever organization_id a row carries, so only
-- the administrator decides which tables feed it.
CREATE FUNCTION tenancy.enable_audit(tbl regclass) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
DECLARE
  target record;
BEGIN
  IF tbl IS NULL THEN
    RAISE EXCEPTION 'tbl must not be NULL' USING ERRCODE = '22023';
  END IF;
  SELECT n.nspname, c.relname, c.relkind INTO target
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
  IF target.relkind NOT IN ('r', 'p') THEN
    RAISE EXCEPTION '% is not a table', tbl USING ERRCODE = '42809';
  END IF;
  IF tbl = 'tenancy.audit_logs'::regclass THEN
    RAISE EXCEPTION 'the audit trail cannot audit itself' USING ERRCODE = '22023';
  END IF;
  EXECUTE format('DROP TRIGGER IF EXISTS tenancy_audit ON %I.%I', target.nspname, target.relname);
  EXECUTE format('CREATE TRIGGER tenancy_audit AFTER INSERT OR UPDATE OR DELETE ON %I.%I '
                 'FOR EACH ROW EXECUTE FUNCTION tenancy.audit_row_change()', target.nspname, target.relname);
END;
$$;
REVOKE EXECUTE ON FUNCTION tenancy.enable_audit(regclass) FROM PUBLIC;
COMMENT ON FUNCTION tenancy.enable_audit(regclass) IS
  'Attaches the audit trigger (tenancy_audit) to a table; idempotent. Not executable by PUBLIC.';

-- An application event in the context's organization, by the context's user. SECURITY
-- DEFINER: any member (a VIEWER too; not a read-only context without a role) may log, and only
-- into its own organization; the application role cannot insert into audit_logs itself.
CREATE FUNCTION tenancy.log_event(action text, resource_type text, resource_id uuid,
                                  details jsonb DEFAULT '{}')
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, tenancy, pg_temp
AS $$
BEGIN
  IF tenancy.current_org_id() IS NULL OR NOT tenancy.has_role('VIEWER') THEN
    RAISE EXCEPTION 'log_event needs a tenant context with a role' USING ERRCODE = '42501',
      HINT = 'Call tenancy.set_context() or set tenancy.context_token first.';
  END IF;
  IF action IS NULL OR length(action) NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'action must be 1 to 100 characters' USING ERRCODE = '22023';
  END IF;
  IF resource_type IS NOT NULL AND length(resource_type) NOT BETWEEN 1 AND 200 THEN
    RAISE EXCEPTION 'resource_type must be NULL or 1 to 200 characters' USING ERRCODE = '22023';
  END IF;
  IF details IS NULL OR jsonb_typeof(details) <> 'object' THEN
    RAISE EXCEPTION 'details must be a JSON object' USING ERRCODE = '22023';
  END IF;
  RETURN tenancy.write_audit_log(tenancy.current_org_id(), tenancy.current_user_id(), action,
                                 resource_type, resource_id, details);
END;
$$;
COMMENT ON FUNCTION tenancy.log_event(text, text, uuid, jsonb) IS
  'Appends an application event to the audit trail of the context''s organization; returns its id.';

-- Audited by default (issue 5).
SELECT tenancy.enable_audit(t) FROM unnest(ARRAY[
  'tenancy.organization_members', 'tenancy.invitations', 'tenancy.projects',
  'tenancy.warehouse_connections', 'tenancy.subscriptions']::regclass[]) AS t;
