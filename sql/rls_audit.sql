-- The RLS lint: for every check, one object that trips it and one that passes it, in a schema
-- of its own. The audit must list exactly the tripping objects.
SET client_min_messages = warning;  -- enable_rls's "policy does not exist, skipping" notices
CREATE SCHEMA regress_audit;

-- A tenant table that passes every check: RLS enabled and forced, the four tenancy_* policies,
-- an index leading with organization_id, and a unique constraint that includes it.
CREATE TABLE regress_audit.clean (
  organization_id uuid NOT NULL, id int NOT NULL, code text NOT NULL,
  PRIMARY KEY (organization_id, id), UNIQUE (code, organization_id));
SELECT tenancy.enable_rls('regress_audit.clean') IS NOT NULL AS enabled;

-- A table without a tenant column and without RLS: not a tenant table, never reported.
CREATE TABLE regress_audit.plain (id int PRIMARY KEY, code text UNIQUE);

-- rls_disabled: a tenant column but no row level security.
CREATE TABLE regress_audit.no_rls (organization_id uuid NOT NULL, id int NOT NULL,
                                   PRIMARY KEY (organization_id, id));

-- rls_not_forced: enabled with a policy for every command, but the owner bypasses it.
CREATE TABLE regress_audit.not_forced (organization_id uuid NOT NULL, id int NOT NULL,
                                       PRIMARY KEY (organization_id, id));
ALTER TABLE regress_audit.not_forced ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON regress_audit.not_forced
  USING (organization_id = tenancy.current_org_id());

-- command_without_policy: SELECT, INSERT and UPDATE are allowed, DELETE only by a RESTRICTIVE
-- policy (which allows nothing on its own), so every DELETE is refused.
CREATE TABLE regress_audit.no_delete_policy (organization_id uuid NOT NULL, id int NOT NULL,
                                             PRIMARY KEY (organization_id, id));
ALTER TABLE regress_audit.no_delete_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE regress_audit.no_delete_policy FORCE ROW LEVEL SECURITY;
CREATE POLICY r ON regress_audit.no_delete_policy FOR SELECT USING (organization_id = tenancy.current_org_id());
CREATE POLICY a ON regress_audit.no_delete_policy FOR INSERT WITH CHECK (organization_id = tenancy.current_org_id());
CREATE POLICY w ON regress_audit.no_delete_policy FOR UPDATE USING (organization_id = tenancy.current_org_id());
CREATE POLICY d ON regress_audit.no_delete_policy AS RESTRICTIVE FOR DELETE USING (organization_id = tenancy.current_org_id());
-- ... and its passing twin: one permissive FOR ALL policy covers every command.
CREATE TABLE regress_audit.all_policy (organization_id uuid NOT NULL, id int NOT NULL,
                                       PRIMARY KEY (organization_id, id));
ALTER TABLE regress_audit.all_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE regress_audit.all_policy FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON regress_audit.all_policy USING (organization_id = tenancy.current_org_id());

-- tenant_column_not_indexed: the only index has organization_id second.
CREATE TABLE regress_audit.not_indexed (organization_id uuid NOT NULL, id int NOT NULL);
CREATE INDEX not_indexed_id_org ON regress_audit.not_indexed (id, organization_id);
SELECT tenancy.enable_rls('regress_audit.not_indexed') IS NOT NULL AS enabled;

-- unique_without_tenant_column: a UNIQUE constraint on code alone (clean's includes the tenant).
CREATE TABLE regress_audit.unique_no_tenant (organization_id uuid NOT NULL, id int NOT NULL,
                                             code text NOT NULL UNIQUE,
                                             PRIMARY KEY (organization_id, id));
SELECT tenancy.enable_rls('regress_audit.unique_no_tenant') IS NOT NULL AS enabled;

-- A partitioned tenant table: enable_rls on the parent covers its partition, so it passes. A
-- table attached later with ATTACH PARTITION has no policies of its own: rls_disabled.
CREATE TABLE regress_audit.part (organization_id uuid NOT NULL, id int NOT NULL,
                                 PRIMARY KEY (organization_id, id)) PARTITION BY LIST (id);
CREATE TABLE regress_audit.part_1 PARTITION OF regress_audit.part FOR VALUES IN (1);
SELECT tenancy.enable_rls('regress_audit.part') IS NOT NULL AS enabled;
CREATE TABLE regress_audit.part_2 (organization_id uuid NOT NULL, id int NOT NULL);
ALTER TABLE regress_audit.part ATTACH PARTITION regress_audit.part_2 FOR VALUES IN (2);

-- view_without_security_invoker: a view over an RLS table that runs with its owner's rights.
-- Passing: the same view with security_invoker (spelled as PostgreSQL allows for a boolean), and
-- a definer view over a table without RLS.
CREATE VIEW regress_audit.v_definer AS SELECT id FROM regress_audit.clean;
CREATE VIEW regress_audit.v_invoker WITH (security_invoker = true) AS SELECT id FROM regress_audit.clean;
CREATE VIEW regress_audit.v_invoker_on WITH (security_invoker = on) AS SELECT id FROM regress_audit.clean;
CREATE VIEW regress_audit.v_invoker_yes WITH (security_invoker = yes) AS SELECT id FROM regress_audit.clean;
CREATE VIEW regress_audit.v_plain AS SELECT id FROM regress_audit.plain;
-- security_invoker = false is the definer view again.
CREATE VIEW regress_audit.v_invoker_off WITH (security_invoker = false) AS SELECT id FROM regress_audit.clean;
SELECT c.relname, c.reloptions FROM pg_class c
 WHERE c.relnamespace = 'regress_audit'::regnamespace AND c.relkind = 'v' ORDER BY 1;

-- security_definer_without_search_path: a SECURITY DEFINER function without SET search_path.
-- Passing: the same with it, and an ordinary (invoker) function.
CREATE FUNCTION regress_audit.definer_no_path() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
CREATE FUNCTION regress_audit.definer_with_path() RETURNS int LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE FUNCTION regress_audit.invoker_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';

-- Exactly the tripping objects, nothing for the passing ones.
SELECT * FROM tenancy.rls_audit(ARRAY['regress_audit'])
 ORDER BY table_name::text COLLATE "C" NULLS LAST, check_name, detail;

-- enable_rls fixes the RLS findings (rls_disabled, rls_not_forced, command_without_policy, and
-- the attached partition); it does not add indexes, change constraints, views or functions.
SELECT tenancy.enable_rls('regress_audit.no_rls') IS NOT NULL AS enabled;
SELECT tenancy.enable_rls('regress_audit.not_forced') IS NOT NULL AS enabled;
SELECT tenancy.enable_rls('regress_audit.no_delete_policy') IS NOT NULL AS enabled;
SELECT tenancy.enable_rls('regress_audit.part') IS NOT NULL AS enabled;
SELECT * FROM tenancy.rls_audit(ARRAY['regress_audit'])
 ORDER BY table_name::text COLLATE "C" NULLS LAST, check_name, detail;
-- enable_rls left the hand-made policies alone.
SELECT polrelid::regclass AS table_name, polname FROM pg_policy
 WHERE polrelid IN ('regress_audit.not_forced'::regclass, 'regress_audit.no_delete_policy'::regclass)
 ORDER BY polrelid::regclass::text COLLATE "C", polname COLLATE "C";

-- Fixing the rest by hand leaves the schema clean.
CREATE INDEX not_indexed_org ON regress_audit.not_indexed (organization_id);
ALTER TABLE regress_audit.unique_no_tenant DROP CONSTRAINT unique_no_tenant_code_key;
ALTER TABLE regress_audit.unique_no_tenant ADD UNIQUE (organization_id, code);
ALTER VIEW regress_audit.v_definer SET (security_invoker = true);
ALTER VIEW regress_audit.v_invoker_off SET (security_invoker = true);
ALTER FUNCTION regress_audit.definer_no_path() SET search_path = pg_catalog, pg_temp;
SELECT * FROM tenancy.rls_audit(ARRAY['regress_audit']);

-- Breaking it again: each regression shows up.
ALTER TABLE regress_audit.clean NO FORCE ROW LEVEL SECURITY;
DROP POLICY tenancy_update ON regress_audit.clean;
ALTER VIEW regress_audit.v_invoker RESET (security_invoker);
ALTER FUNCTION regress_audit.definer_with_path() RESET search_path;
SELECT * FROM tenancy.rls_audit(ARRAY['regress_audit'])
 ORDER BY table_name::text COLLATE "C" NULLS LAST, check_name, detail;

-- The default (NULL) audits every user schema, this one included: the same rows as asking for
-- it by name, and nothing from the system schemas.
SELECT count(*) AS regress_audit_rows
  FROM tenancy.rls_audit() a
 WHERE coalesce(a.table_name::text, a.detail) LIKE ANY (ARRAY['regress\_audit.%', 'function regress\_audit.%']);
SELECT count(*) AS missing_from_default FROM (
  SELECT * FROM tenancy.rls_audit(ARRAY['regress_audit'])
  EXCEPT ALL
  SELECT * FROM tenancy.rls_audit(NULL)) missing;
SELECT count(*) AS system_rows
  FROM tenancy.rls_audit() a
  LEFT JOIN pg_class c ON c.oid = a.table_name
  LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname IN ('pg_catalog', 'information_schema', 'pg_toast')
    OR a.detail LIKE ANY (ARRAY['function pg\_catalog.%', 'function information\_schema.%']);

-- No schema, an empty list, or an unknown schema: nothing to audit.
SELECT count(*) AS empty_list FROM tenancy.rls_audit(ARRAY[]::name[]);
SELECT count(*) AS unknown_schema FROM tenancy.rls_audit(ARRAY['regress_no_such_schema']);

-- The extension's own schema. These rows are known gaps of the platform tables, to be cleaned up
-- by the schema work; this records where they stand.
SELECT count(*) AS tenancy_rows FROM tenancy.rls_audit(ARRAY['tenancy']);
SELECT * FROM tenancy.rls_audit(ARRAY['tenancy'])
 ORDER BY table_name::text COLLATE "C" NULLS LAST, check_name, detail;

DROP SCHEMA regress_audit CASCADE;
RESET client_min_messages;
