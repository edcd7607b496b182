-- The audit trail (API.md section 7): audit_logs is append-only; enable_audit's trigger logs
-- row changes made under a tenant context (never a secret column's value); log_event.
SET client_min_messages = warning;

-- Two organizations of our own, an OWNER and a VIEWER in the first.
INSERT INTO tenancy.organizations (id, name, slug) VALUES
  ('a0d10000-0000-4000-8000-0000000000a1', 'Audit A', 'audit-a'),
  ('a0d10000-0000-4000-8000-0000000000b2', 'Audit B', 'audit-b');
INSERT INTO tenancy.users (id, email) VALUES
  ('a0d10000-0000-4000-8000-00000000000e', 'owner@audit.test'),
  ('a0d10000-0000-4000-8000-00000000000f', 'viewer@audit.test');
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES
  ('a0d10000-0000-4000-8000-0000000000a1', 'a0d10000-0000-4000-8000-00000000000e', 'OWNER'),
  ('a0d10000-0000-4000-8000-0000000000a1', 'a0d10000-0000-4000-8000-00000000000f', 'VIEWER'),
  ('a0d10000-0000-4000-8000-0000000000b2', 'a0d10000-0000-4000-8000-00000000000e', 'OWNER');
-- (Without a context, those inserts were not logged.)
SELECT count(*) AS logged_without_context FROM tenancy.audit_logs
 WHERE organization_id IN ('a0d10000-0000-4000-8000-0000000000a1', 'a0d10000-0000-4000-8000-0000000000b2');

CREATE ROLE regress_audit_app NOLOGIN;
SELECT tenancy.grant_app_role('regress_audit_app');

-- The trail of organization A, oldest first.
CREATE FUNCTION public.audit_trail() RETURNS TABLE (action text, resource_type text, actor text, details jsonb)
LANGUAGE sql AS $$
  SELECT a.action, a.resource_type, u.email, a.details - 'table'
    FROM tenancy.audit_logs a LEFT JOIN tenancy.users u ON u.id = a.user_id
   WHERE a.organization_id = 'a0d10000-0000-4000-8000-0000000000a1' ORDER BY a.created_at, a.id
$$;

---------------------------------------------------------------------------------------------
-- Audited by default
---------------------------------------------------------------------------------------------
SELECT c.relname, t.tgenabled, pg_get_triggerdef(t.oid) LIKE '%AFTER INSERT OR DELETE OR UPDATE%FOR EACH ROW%' AS row_trigger
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE t.tgname = 'tenancy_audit' AND c.relnamespace = 'tenancy'::regnamespace ORDER BY 1;

---------------------------------------------------------------------------------------------
-- What the trigger records
---------------------------------------------------------------------------------------------
SELECT tenancy.set_context('a0d10000-0000-4000-8000-0000000000a1', 'a0d10000-0000-4000-8000-00000000000e', is_local => false);
SET ROLE regress_audit_app;
INSERT INTO tenancy.projects (id, name, description) VALUES ('a0d10000-0000-4000-8000-0000000000c1', 'Audit web', 'first');
UPDATE tenancy.projects SET description = 'second' WHERE id = 'a0d10000-0000-4000-8000-0000000000c1';
-- An update that changes nothing (updated_at aside) is not logged.
UPDATE tenancy.projects SET description = 'second' WHERE id = 'a0d10000-0000-4000-8000-0000000000c1';
-- A secret column: its name is recorded, its value never. (The application role cannot write
-- api_key_hash, only create_api_key can; the superuser does it here, under the same context.)
RESET ROLE;
UPDATE tenancy.projects SET api_key_hash = '\xdeadbeefdeadbeefdeadbeef', name = 'Audit web 2'
 WHERE id = 'a0d10000-0000-4000-8000-0000000000c1';
SET ROLE regress_audit_app;
INSERT INTO tenancy.warehouse_connections (database_name, access_token_encrypted)
VALUES ('audit_wh', tenancy.encrypt_secret('wh-secret-token'));
UPDATE tenancy.warehouse_connections SET access_token_encrypted = tenancy.encrypt_secret('wh-secret-token-2'), is_connected = true
 WHERE database_name = 'audit_wh';
DELETE FROM tenancy.warehouse_connections WHERE database_name = 'audit_wh';
DELETE FROM tenancy.projects WHERE id = 'a0d10000-0000-4000-8000-0000000000c1';
RESET ROLE;
SELECT * FROM audit_trail();
-- The resource id, the context's user and organization are recorded.
SELECT DISTINCT a.resource_id = 'a0d10000-0000-4000-8000-0000000000c1' AS project_id
  FROM tenancy.audit_logs a WHERE a.organization_id = 'a0d10000-0000-4000-8000-0000000000a1' AND a.resource_type = 'projects';
-- No value of a secret column anywhere in the trail.
SELECT count(*) AS rows_with_secret_values FROM tenancy.audit_logs
 WHERE details::text LIKE '%deadbeef%' OR details::text LIKE '%wh-secret%' OR details::text LIKE '%\\x01%';

-- A membership change in A (the default-audited organization_members).
SET ROLE regress_audit_app;
UPDATE tenancy.organization_members SET role = 'MEMBER'
 WHERE organization_id = 'a0d10000-0000-4000-8000-0000000000a1' AND user_id = 'a0d10000-0000-4000-8000-00000000000f';
RESET ROLE;
SELECT action, resource_type, details -> 'old' AS old, details -> 'new' AS new FROM tenancy.audit_logs
 WHERE organization_id = 'a0d10000-0000-4000-8000-0000000000a1' AND resource_type = 'organization_members';

-- Deleting an organization whose audited rows cascade away works (nothing is logged into an
-- organization that is going).
INSERT INTO tenancy.organizations (id, name, slug) VALUES ('a0d10000-0000-4000-8000-0000000000d4', 'Audit D', 'audit-d');
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES
  ('a0d10000-0000-4000-8000-0000000000d4', 'a0d10000-0000-4000-8000-00000000000e', 'OWNER');
SELECT tenancy.set_context('a0d10000-0000-4000-8000-0000000000d4', 'a0d10000-0000-4000-8000-00000000000e', is_local => false);
INSERT INTO tenancy.projects (organization_id, name) VALUES ('a0d10000-0000-4000-8000-0000000000d4', 'Doomed');
SELECT outcome($$DELETE FROM tenancy.organizations WHERE id = 'a0d10000-0000-4000-8000-0000000000d4'$$) AS delete_org;
SELECT count(*) AS d_rows_left FROM tenancy.audit_logs WHERE organization_id = 'a0d10000-0000-4000-8000-0000000000d4';

---------------------------------------------------------------------------------------------
-- Append-only
---------------------------------------------------------------------------------------------
SELECT tenancy.set_context('a0d10000-0000-4000-8000-0000000000a1', 'a0d10000-0000-4000-8000-00000000000e', is_local => false);
SET ROLE regress_audit_app;
SELECT * FROM outcomes(
  $$UPDATE tenancy.audit_logs SET action = 'forged'$$,
  $$DELETE FROM tenancy.audit_logs$$);
RESET ROLE;
-- The superuser too.
SELECT * FROM outcomes(
  $$UPDATE tenancy.audit_logs SET action = 'forged' WHERE organization_id = 'a0d10000-0000-4000-8000-0000000000a1'$$,
  $$DELETE FROM tenancy.audit_logs WHERE organization_id = 'a0d10000-0000-4000-8000-0000000000a1'$$);

---------------------------------------------------------------------------------------------
-- log_event
---------------------------------------------------------------------------------------------
-- Any member may log, a VIEWER too, into its own organization only.
SELECT tenancy.set_context('a0d10000-0000-4000-8000-0000000000a1', 'a0d10000-0000-4000-8000-00000000000f', is_local => false);
SET ROLE regress_audit_app;
SELECT tenancy.log_event('report.exported', 'reports', 'a0d10000-0000-4000-8000-0000000000e5', '{"format": "csv"}') AS event \gset
SELECT tenancy.log_event('report.viewed', NULL, NULL) IS NOT NULL AS logged;
RESET ROLE;
SELECT a.id = :'event' AS returned_id, a.organization_id = 'a0d10000-0000-4000-8000-0000000000a1' AS org,
       u.email, a.action, a.resource_type, a.resource_id = 'a0d10000-0000-4000-8000-0000000000e5' AS resource, a.details
  FROM tenancy.audit_logs a JOIN tenancy.users u ON u.id = a.user_id WHERE a.action LIKE 'report.%' ORDER BY a.action;
-- B sees none of A's trail.
SELECT tenancy.set_context('a0d10000-0000-4000-8000-0000000000b2', 'a0d10000-0000-4000-8000-00000000000e', is_local => false);
SET ROLE regress_audit_app;
SELECT count(*) AS a_rows_seen_from_b FROM tenancy.audit_logs WHERE organization_id = 'a0d10000-0000-4000-8000-0000000000a1';
-- Refused: bad action, resource type or details; no context.
SELECT label, outcome(s) FROM (VALUES
  ('NULL action', $$SELECT tenancy.log_event(NULL, 'x', NULL)$$),
  ('empty action', $$SELECT tenancy.log_event('', 'x', NULL)$$),
  ('long action', $$SELECT tenancy.log_event(repeat('a', 101), 'x', NULL)$$),
  ('empty resource type', $$SELECT tenancy.log_event('a', '', NULL)$$),
  ('details not an object', $$SELECT tenancy.log_event('a', 'x', NULL, '[1]')$$),
  ('NULL details', $$SELECT tenancy.log_event('a', 'x', NULL, NULL)$$)) AS t(label, s);
RESET ROLE;
SELECT tenancy.clear_context();
SET ROLE regress_audit_app;
SELECT outcome($$SELECT tenancy.log_event('a', 'x', NULL)$$) AS no_context;
RESET ROLE;
-- A read-only context (no role) cannot log either, and nobody inserts into the trail directly.
SELECT tenancy.set_context('a0d10000-0000-4000-8000-0000000000a1', is_local => false);
SET ROLE regress_audit_app;
SELECT outcome($$SELECT tenancy.log_event('a', 'x', NULL)$$) AS read_only_context;
RESET ROLE;
SELECT tenancy.set_context('a0d10000-0000-4000-8000-0000000000a1', 'a0d10000-0000-4000-8000-00000000000e', is_local => false);
SET ROLE regress_audit_app;
SELECT outcome($$INSERT INTO tenancy.audit_logs (action, user_id, created_at) VALUES ('DELETE', 'a0d10000-0000-4000-8000-00000000000e', '2020-01-01')$$) AS forged_insert;
RESET ROLE;
SELECT tenancy.clear_context();

---------------------------------------------------------------------------------------------
-- enable_audit
---------------------------------------------------------------------------------------------
-- An application table with a secret column, audited; idempotent.
CREATE TABLE public.audit_app_accounts (organization_id uuid NOT NULL, id uuid PRIMARY KEY, login text, password_hash text);
SELECT tenancy.enable_audit('public.audit_app_accounts');
SELECT tenancy.enable_audit('public.audit_app_accounts');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'public.audit_app_accounts'::regclass AND tgname = 'tenancy_audit';
SELECT tenancy.set_context('a0d10000-0000-4000-8000-0000000000a1', 'a0d10000-0000-4000-8000-00000000000e', is_local => false);
INSERT INTO public.audit_app_accounts VALUES ('a0d10000-0000-4000-8000-0000000000a1', 'a0d10000-0000-4000-8000-0000000000f6', 'root', 'hunter2-hash');
UPDATE public.audit_app_accounts SET password_hash = 'hunter3-hash', login = 'admin';
SELECT action, resource_type, details - 'table' AS details FROM tenancy.audit_logs
 WHERE resource_type = 'audit_app_accounts' ORDER BY created_at, action;
SELECT count(*) AS rows_with_password_values FROM tenancy.audit_logs WHERE details::text LIKE '%hunter%';
SELECT tenancy.clear_context();
-- Refused: NULL, a view, the trail itself; and any role but the administrator.
CREATE VIEW public.audit_app_view AS SELECT 1 AS x;
SELECT label, outcome(s) FROM (VALUES
  ('NULL', $$SELECT tenancy.enable_audit(NULL)$$),
  ('view', $$SELECT tenancy.enable_audit('public.audit_app_view')$$),
  ('audit_logs', $$SELECT tenancy.enable_audit('tenancy.audit_logs')$$),
  ('missing', $$SELECT tenancy.enable_audit('public.no_such_table')$$)) AS t(label, s);
-- (The application role owns a temporary table, so only the function's privilege stops it.)
SET ROLE regress_audit_app;
CREATE TEMP TABLE audit_own (organization_id uuid, id uuid);
SELECT outcome($$SELECT tenancy.enable_audit('audit_own')$$) AS app_enables_audit,
       outcome($$CREATE TRIGGER sneaky AFTER INSERT ON audit_own FOR EACH ROW EXECUTE FUNCTION tenancy.audit_row_change()$$) AS app_attaches_trigger;
DROP TABLE audit_own;
RESET ROLE;
SELECT p.oid::regprocedure AS function, p.prosecdef, p.proconfig, p.provolatile,
       has_function_privilege('regress_audit_app', p.oid, 'EXECUTE') AS app_execute
  FROM pg_proc p WHERE p.oid IN ('tenancy.enable_audit(regclass)'::regprocedure,
                                 'tenancy.log_event(text, text, uuid, jsonb)'::regprocedure,
                                 'tenancy.audit_row_change()'::regprocedure,
                                 'tenancy.write_audit_log(uuid, uuid, text, text, uuid, jsonb)'::regprocedure)
 ORDER BY 1::text;

DROP VIEW public.audit_app_view;
DROP TABLE public.audit_app_accounts;
DROP FUNCTION public.audit_trail();
SELECT tenancy.revoke_app_role('regress_audit_app');
DROP ROLE regress_audit_app;
