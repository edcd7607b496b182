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
