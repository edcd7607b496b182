-- The full schema (SCHEMA.md): every tenant table isolated by organization for a plain
-- application role, composite foreign keys that make cross-tenant references impossible, the
-- CHECKs and triggers of the conventions, append-only tables, the global tables' policies, the
-- cross-organization dependencies, and the catalog facts (comments, pg_dump registration,
-- RLS, indexes) for every table of the schema. Runs last; its orgs and users are its own.

SET client_min_messages = warning;

-- The application role: plain (no superuser, no BYPASSRLS, owns nothing), granted exactly
-- what tenancy.grant_app_role gives an application; the policies then narrow it.
CREATE ROLE regress_schema_app NOLOGIN;
SELECT tenancy.grant_app_role('regress_schema_app');

-- Helpers. Organizations A, B (isolation) and C (share target); users of A and B, and X.
CREATE FUNCTION public.sch_a() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '1a000000-0000-4000-8000-00000000001a'::uuid $$;
CREATE FUNCTION public.sch_b() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '1b000000-0000-4000-8000-00000000001b'::uuid $$;
CREATE FUNCTION public.sch_c() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '1c000000-0000-4000-8000-00000000001c'::uuid $$;
CREATE FUNCTION public.sch_ua() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '1aa00000-0000-4000-8000-0000000001aa'::uuid $$;
CREATE FUNCTION public.sch_ub() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '1bb00000-0000-4000-8000-0000000001bb'::uuid $$;
CREATE FUNCTION public.sch_ux() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '1ee00000-0000-4000-8000-0000000001ee'::uuid $$;
-- Fixed row ids: sch_id('A:project') is the project of A, and so on.
CREATE FUNCTION public.sch_id(tag text) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT md5('schema_tables:' || tag)::uuid $$;
CREATE FUNCTION public.sch_org(org uuid) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE org WHEN public.sch_a() THEN 'A' WHEN public.sch_b() THEN 'B'
                  WHEN public.sch_c() THEN 'C' ELSE coalesce(org::text, 'NULL') END $$;
-- Sets the tenant context (as the trusted caller) and says which one is in force.
CREATE FUNCTION public.sch_as(org uuid, usr uuid, r tenancy.org_role DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tenancy.set_context(org, usr, r);
  RETURN public.sch_org(tenancy.current_org_id()) || ' ' || tenancy.current_org_role()::text;
END $$;
-- The same for one statement, with only the SQLSTATE of an error.
CREATE FUNCTION public.sch_rows(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE statement;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n || CASE WHEN n = 1 THEN ' row' ELSE ' rows' END;
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
-- The tenant tables: the tables of schema tenancy with an organization_id column.
CREATE FUNCTION public.sch_tenant_tables() RETURNS SETOF regclass LANGUAGE sql STABLE AS $$
  SELECT c.oid::regclass
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
   WHERE n.nspname = 'tenancy' AND c.relkind IN ('r', 'p')
   ORDER BY c.relname COLLATE "C"
$$;

-- Organizations, users (one OWNER per organization) and a user X who belongs nowhere.
INSERT INTO tenancy.organizations (id, name, slug) VALUES
  (sch_a(), 'Schema A', 'schema-a'), (sch_b(), 'Schema B', 'schema-b'), (sch_c(), 'Schema C', 'schema-c');
INSERT INTO tenancy.users (id, email) VALUES
  (sch_ua(), 'schema-a@example.test'), (sch_ub(), 'schema-b@example.test'), (sch_ux(), 'schema-x@example.test');
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES
  (sch_a(), sch_ua(), 'OWNER'), (sch_b(), sch_ub(), 'OWNER');

-- The platform catalog (global tables).
INSERT INTO tenancy.subscription_plans (id, name, code, price, currency, billing_period) VALUES
  (sch_id('plan'), 'Pro', 'pro', 29.00, 'USD', 'monthly');
INSERT INTO tenancy.features (id, name, code) VALUES (sch_id('feature'), 'Single sign-on', 'sso');
INSERT INTO tenancy.plan_features (plan_id, feature_id) VALUES (sch_id('plan'), sch_id('feature'));
INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES ('EUR', 'USD', '2024-01-01', 1.1);

-- One set of rows per organization, parents first: a row (two schedules) in every tenant
-- table, plus the user's profile and tokens. k is 'A' or 'B'.
CREATE FUNCTION public.sch_fixture(org uuid, usr uuid, k text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tenancy.user_profiles (user_id, display_name, timezone, locale)
    VALUES (usr, 'User ' || k, 'Europe/Lisbon', 'pt-PT');
  INSERT INTO tenancy.refresh_tokens (user_id, token_hash, expires_at)
    VALUES (usr, convert_to('refresh-' || k, 'UTF8'), now() + interval '30 days');
  INSERT INTO tenancy.password_reset_tokens (user_id, token_hash, expires_at)
    VALUES (usr, convert_to('reset-' || k, 'UTF8'), now() + interval '1 hour');
  INSERT INTO tenancy.org_shares (organization_id, id, grantee_org_id, scope)
    VALUES (org, sch_id(k || ':share'), sch_c(), 'dependencies');
  INSERT INTO tenancy.subscriptions (organization_id, id, plan_id, status)
    VALUES (org, sch_id(k || ':subscription'), sch_id('plan'), 'active');
  INSERT INTO tenancy.projects (organization_id, id, name, created_by_id, api_key_hash)
    VALUES (org, sch_id(k || ':project'), 'Project ' || k, usr, convert_to('dsn-' || k, 'UTF8'));
  INSERT INTO tenancy.tasks (organization_id, id, project_id, title, description, created_by_id)
    VALUES (org, sch_id(k || ':task'), sch_id(k || ':project'), 'Migrate the billing service',
            'Move invoices to the new ledger', usr);
  INSERT INTO tenancy.comments (organization_id, id, task_id, author_id, body)
    VALUES (org, sch_id(k || ':comment'), sch_id(k || ':task'), usr, 'Looks good');
  INSERT INTO tenancy.invitations (organization_id, id, email, role, token_hash, expires_at, invited_by_id)
    VALUES (org, sch_id(k || ':invitation'), 'invitee-' || k || '@example.test', 'MEMBER',
            convert_to('invite-' || k, 'UTF8'), now() + interval '7 days', usr);
  INSERT INTO tenancy.issues (organization_id, id, project_id, fingerprint, title, events_count, users_affected)
    VALUES (org, sch_id(k || ':issue'), sch_id(k || ':project'), 'fp-' || k, 'TypeError', 1, 1);
  INSERT INTO tenancy.events (organization_id, id, project_id, issue_id, user_identifier, payload)
    VALUES (org, sch_id(k || ':event'), sch_id(k || ':project'), sch_id(k || ':issue'), 'visitor-1',
            '{"message": "TypeError"}');
  INSERT INTO tenancy.sources (organization_id, id, name, source_type, config, created_by_id)
    VALUES (org, sch_id(k || ':source'), 'Budget sheet', 'google_sheets', '{"sheet": "2024"}', usr);
  INSERT INTO tenancy.source_schemas (organization_id, id, source_id, column_name, column_type, column_order)
    VALUES (org, sch_id(k || ':source_schema'), sch_id(k || ':source'), 'amount', 'numeric', 0);
  INSERT INTO tenancy.sync_runs (organization_id, id, source_id, status, started_at, completed_at, rows_synced)
    VALUES (org, sch_id(k || ':sync_run'), sch_id(k || ':source'), 'succeeded',
            '2024-01-01 10:00+00', '2024-01-01 10:01+00', 42);
  INSERT INTO tenancy.warehouse_connections (organization_id, id, database_name)
    VALUES (org, sch_id(k || ':connection'), 'warehouse_' || lower(k));
  INSERT INTO tenancy.transformations (organization_id, id, name, recipe)
    VALUES (org, sch_id(k || ':transformation'), 'Monthly totals', '[{"op": "group"}]');
  INSERT INTO tenancy.transformation_versions (organization_id, id, transformation_id, version_number, recipe)
    VALUES (org, sch_id(k || ':version'), sch_id(k || ':transformation'), 1, '[{"op": "group"}]');
  INSERT INTO tenancy.transformation_runs (organization_id, id, transformation_id, version_number, status)
    VALUES (org, sch_id(k || ':run'), sch_id(k || ':transformation'), 1, 'succeeded');
  INSERT INTO tenancy.warehouse_tables (organization_id, id, warehouse_connection_id, table_name, source_id, transformation_id)
    VALUES (org, sch_id(k || ':warehouse_table'), sch_id(k || ':connection'), 'budget',
            sch_id(k || ':source'), sch_id(k || ':transformation'));
  INSERT INTO tenancy.outputs (organization_id, id, transformation_id, name)
    VALUES (org, sch_id(k || ':output'), sch_id(k || ':transformation'), 'Totals export');
  INSERT INTO tenancy.schedules (organization_id, id, source_id, frequency, run_at_time, timezone)
    VALUES (org, sch_id(k || ':schedule_source'), sch_id(k || ':source'), 'daily', '06:00', 'UTC');
  INSERT INTO tenancy.schedules (organization_id, id, output_id, frequency, run_at_day, timezone)
    VALUES (org, sch_id(k || ':schedule_output'), sch_id(k || ':output'), 'weekly', 1, 'Europe/Berlin');
  INSERT INTO tenancy.cost_ledger (organization_id, id, project_id, description, amount, currency, entry_date, created_by_id)
    VALUES (org, sch_id(k || ':entry'), sch_id(k || ':project'), 'Hosting', 12.50, 'EUR', '2024-01-15', usr);
  INSERT INTO tenancy.audit_logs (organization_id, id, user_id, action, resource_type, resource_id, ip_address)
    VALUES (org, sch_id(k || ':audit'), usr, 'INSERT', 'projects', sch_id(k || ':project'), '192.0.2.1');
END $$;
SELECT sch_fixture(sch_a(), sch_ua(), 'A'), sch_fixture(sch_b(), sch_ub(), 'B');

-- Rows per organization in every tenant table, as the superuser sees them.
CREATE FUNCTION public.sch_counts() RETURNS TABLE (tbl text, org_a bigint, org_b bigint)
LANGUAGE plpgsql AS $$
BEGIN
  FOR tbl IN SELECT t::text FROM public.sch_tenant_tables() t LOOP
    EXECUTE format('SELECT count(*) FILTER (WHERE organization_id = public.sch_a()),
                           count(*) FILTER (WHERE organization_id = public.sch_b()) FROM %s', tbl)
      INTO org_a, org_b;
    RETURN NEXT;
  END LOOP;
END $$;
SELECT * FROM sch_counts();

-- Every tenant table as the application role in A's context (OWNER, so every write is allowed
-- by role): it sees only A's rows; updating or deleting B's rows affects none; moving a row
-- of its own to B is refused (by the policy, 42501, or by a trigger that fires first);
-- updating its own rows works except on the immutable and append-only tables (55000).
CREATE FUNCTION public.sch_isolation() RETURNS TABLE (tbl text, visible bigint, not_own bigint,
  update_b text, delete_b text, move_to_b text, update_own text)
LANGUAGE plpgsql AS $$
BEGIN
  FOR tbl IN SELECT t::text FROM public.sch_tenant_tables() t LOOP
    EXECUTE format('SELECT count(*), count(*) FILTER (WHERE organization_id IS DISTINCT FROM tenancy.current_org_id()) FROM %s', tbl)
      INTO visible, not_own;
    update_b := public.sch_rows(format('UPDATE %s SET id = id WHERE organization_id = public.sch_b()', tbl));
    delete_b := public.sch_rows(format('DELETE FROM %s WHERE organization_id = public.sch_b()', tbl));
    move_to_b := public.sch_rows(format('UPDATE %s SET organization_id = public.sch_b()', tbl));
    move_to_b := CASE WHEN move_to_b IN ('42501', '55000') THEN 'refused' ELSE move_to_b END;
    update_own := public.sch_rows(format('UPDATE %s SET id = id', tbl));
    RETURN NEXT;
  END LOOP;
END $$;
BEGIN;
SELECT sch_as(sch_a(), sch_ua()) AS context;
SET LOCAL ROLE regress_schema_app;
SELECT * FROM sch_isolation();
RESET ROLE;
ROLLBACK;
-- Nothing of B changed.
SELECT * FROM sch_counts() WHERE org_b = 0;

-- Without a context the application role sees no tenant row and writes none.
SET ROLE regress_schema_app;
SELECT count(*) AS projects_without_context FROM tenancy.projects;
SELECT * FROM outcomes($$INSERT INTO tenancy.projects (organization_id, name) VALUES (sch_a(), 'No context')$$);
RESET ROLE;

-- Cross-tenant references: in A's context, every reference to a row of B fails the composite
-- foreign key (23503), whatever the row level security says.
BEGIN;
SELECT sch_as(sch_a(), sch_ua()) AS context;
SET LOCAL ROLE regress_schema_app;
SELECT * FROM outcomes(
  $$INSERT INTO tenancy.tasks (project_id, title) VALUES (sch_id('B:project'), 'x')$$,
  $$INSERT INTO tenancy.comments (task_id, body) VALUES (sch_id('B:task'), 'x')$$,
  $$INSERT INTO tenancy.issues (project_id, fingerprint, title) VALUES (sch_id('B:project'), 'fp-x', 'x')$$,
  $$INSERT INTO tenancy.events (project_id, issue_id) VALUES (sch_id('A:project'), sch_id('B:issue'))$$,
  $$INSERT INTO tenancy.events (project_id, issue_id) VALUES (sch_id('B:project'), sch_id('A:issue'))$$,
  $$INSERT INTO tenancy.source_schemas (source_id, column_name, column_type, column_order) VALUES (sch_id('B:source'), 'x', 'text', 1)$$,
  $$INSERT INTO tenancy.sync_runs (source_id) VALUES (sch_id('B:source'))$$,
  $$INSERT INTO tenancy.warehouse_tables (warehouse_connection_id, table_name) VALUES (sch_id('B:connection'), 'x')$$,
  $$INSERT INTO tenancy.warehouse_tables (warehouse_connection_id, table_name, source_id) VALUES (sch_id('A:connection'), 'x', sch_id('B:source'))$$,
  $$INSERT INTO tenancy.warehouse_tables (warehouse_connection_id, table_name, transformation_id) VALUES (sch_id('A:connection'), 'x', sch_id('B:transformation'))$$,
  $$INSERT INTO tenancy.transformation_versions (transformation_id, version_number, recipe) VALUES (sch_id('B:transformation'), 2, '{}')$$,
  $$INSERT INTO tenancy.transformation_runs (transformation_id) VALUES (sch_id('B:transformation'))$$,
  $$INSERT INTO tenancy.transformation_runs (transformation_id, version_number) VALUES (sch_id('A:transformation'), 2)$$,
  $$INSERT INTO tenancy.outputs (transformation_id, name) VALUES (sch_id('B:transformation'), 'x')$$,
  $$INSERT INTO tenancy.schedules (source_id, frequency) VALUES (sch_id('B:source'), 'daily')$$,
  $$INSERT INTO tenancy.schedules (output_id, frequency) VALUES (sch_id('B:output'), 'daily')$$,
  $$INSERT INTO tenancy.cost_ledger (project_id, amount, currency, entry_date) VALUES (sch_id('B:project'), 1, 'EUR', '2024-02-01')$$,
  $$INSERT INTO tenancy.cost_ledger (amount, currency, entry_date, reverses_entry_id) VALUES (-12.50, 'EUR', '2024-02-01', sch_id('B:entry'))$$,
  $$UPDATE tenancy.tasks SET project_id = sch_id('B:project')$$,
  -- The same rows pointing at A's parents are fine.
  $$INSERT INTO tenancy.tasks (project_id, title) VALUES (sch_id('A:project'), 'x')$$,
  $$INSERT INTO tenancy.cost_ledger (amount, currency, entry_date) VALUES (3.25, 'USD', '2024-02-01')$$);
RESET ROLE;
ROLLBACK;

-- The catalog agrees: every foreign key between tenant tables includes organization_id at the
-- same position on both sides, and none of those sets NULL on delete or update.
SELECT c.conrelid::regclass AS tbl, c.conname
  FROM pg_constraint c
  JOIN pg_namespace n ON n.oid = c.connamespace
 WHERE n.nspname = 'tenancy' AND c.contype = 'f'
   AND c.conrelid IN (SELECT sch_tenant_tables()) AND c.confrelid IN (SELECT sch_tenant_tables())
   AND (NOT EXISTS (SELECT 1 FROM unnest(c.conkey, c.confkey) AS k(l, r)
                     JOIN pg_attribute la ON la.attrelid = c.conrelid AND la.attnum = k.l
                     JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.r
                    WHERE la.attname = 'organization_id' AND ra.attname = 'organization_id')
        OR c.confdeltype IN ('n', 'd') OR c.confupdtype IN ('n', 'd'))
 ORDER BY 1::text, 2;
SELECT count(*) AS composite_tenant_foreign_keys
  FROM pg_constraint c
 WHERE c.contype = 'f' AND c.conrelid IN (SELECT sch_tenant_tables()) AND c.confrelid IN (SELECT sch_tenant_tables());

-- Enumerated columns, currencies, counters, JSON objects, schedules' targets and time zones
-- (as the application role in A's context).
BEGIN;
SELECT sch_as(sch_a(), sch_ua()) AS context;
SET LOCAL ROLE regress_schema_app;
SELECT * FROM outcomes(
  $$UPDATE tenancy.subscriptions SET status = 'expired'$$,
  $$UPDATE tenancy.tasks SET status = 'blocked'$$,
  $$UPDATE tenancy.tasks SET status = 'in_progress'$$,
  $$UPDATE tenancy.invitations SET role = 'ROOT'$$,
  $$UPDATE tenancy.issues SET status = 'CLOSED'$$,
  $$UPDATE tenancy.issues SET status = 'RESOLVED'$$,
  $$UPDATE tenancy.issues SET events_count = -1$$,
  $$UPDATE tenancy.issues SET users_affected = -1$$,
  $$UPDATE tenancy.sources SET source_type = 'postgres'$$,
  $$UPDATE tenancy.sources SET source_type = 'database'$$,
  $$UPDATE tenancy.sources SET config = '[]'$$,
  $$UPDATE tenancy.sync_runs SET status = 'success'$$,
  $$UPDATE tenancy.transformation_runs SET status = 'done'$$,
  $$UPDATE tenancy.transformation_runs SET status = 'canceled'$$,
  $$UPDATE tenancy.schedules SET frequency = 'yearly'$$,
  $$UPDATE tenancy.schedules SET run_at_day = 8 WHERE frequency = 'weekly'$$,
  $$UPDATE tenancy.schedules SET run_at_day = 7 WHERE frequency = 'weekly'$$,
  $$UPDATE tenancy.schedules SET run_at_day = 1 WHERE frequency = 'daily'$$,
  $$UPDATE tenancy.schedules SET timezone = 'Mars/Olympus_Mons'$$,
  $$UPDATE tenancy.schedules SET timezone = 'PST'$$,
  $$UPDATE tenancy.schedules SET timezone = 'UTC+3'$$,
  $$UPDATE tenancy.schedules SET timezone = 'America/Sao_Paulo'$$,
  $$INSERT INTO tenancy.schedules (frequency) VALUES ('daily')$$,
  $$INSERT INTO tenancy.schedules (source_id, output_id, frequency) VALUES (sch_id('A:source'), sch_id('A:output'), 'daily')$$,
  $$INSERT INTO tenancy.schedules (source_id, frequency) VALUES (sch_id('A:source'), 'hourly')$$,
  $$INSERT INTO tenancy.cost_ledger (amount, currency, entry_date) VALUES (1, 'usd', '2024-02-01')$$,
  $$INSERT INTO tenancy.cost_ledger (amount, currency, entry_date) VALUES (1, 'US', '2024-02-01')$$,
  $$INSERT INTO tenancy.cost_ledger (amount, currency, entry_date) VALUES (1, 'US1', '2024-02-01')$$,
  $$INSERT INTO tenancy.cost_ledger (amount, currency, entry_date) VALUES (1.005, 'USD', '2024-02-01') RETURNING amount$$,
  $$UPDATE tenancy.user_profiles SET timezone = 'Nowhere/Special'$$,
  $$UPDATE tenancy.user_profiles SET timezone = 'Asia/Tokyo', preferences = '{"theme": "dark"}'$$,
  $$UPDATE tenancy.user_profiles SET preferences = '"dark"'$$);
-- The stored value of the rounded amount, and that updated_at moved on update.
SELECT amount FROM tenancy.cost_ledger WHERE amount = 1.01;
SELECT count(*) AS touched FROM tenancy.tasks WHERE status = 'in_progress' AND updated_at > created_at;
RESET ROLE;
ROLLBACK;
-- The global tables' CHECKs (as the superuser: nobody else writes them).
SELECT * FROM outcomes(
  $$INSERT INTO tenancy.subscription_plans (name, code, price, billing_period) VALUES ('Weekly', 'weekly', 1, 'weekly')$$,
  $$INSERT INTO tenancy.subscription_plans (name, code, price, currency, billing_period) VALUES ('Cheap', 'cheap', 1, 'usd', 'monthly')$$,
  $$INSERT INTO tenancy.subscription_plans (name, code, price, billing_period) VALUES ('Free', 'free', -1, 'yearly')$$,
  $$INSERT INTO tenancy.subscription_plans (name, code, price, billing_period) VALUES ('Pro again', 'pro', 1, 'yearly')$$,
  $$INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES ('EUR', 'USD', '2024-01-02', 0)$$,
  $$INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES ('EUR', 'EUR', '2024-01-02', 1)$$,
  $$INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES ('eur', 'USD', '2024-01-02', 1)$$,
  $$INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES ('EUR', 'USD', '2024-01-01', 1.2)$$,
  $$INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type) VALUES (sch_a(), sch_id('x'), sch_b(), sch_id('y'), '')$$,
  $$INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type) VALUES (sch_a(), sch_id('x'), sch_b(), sch_id('y'), ' build')$$,
  $$INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type) VALUES (sch_a(), sch_id('x'), sch_b(), sch_id('y'), repeat('x', 51))$$);

-- Append-only and immutable tables: no UPDATE (not even a no-op), no DELETE of ledger and
-- audit rows; corrections are new rows. An entry is reversed at most once.
BEGIN;
SELECT sch_as(sch_a(), sch_ua()) AS context;
SET LOCAL ROLE regress_schema_app;
SELECT * FROM outcomes(
  $$UPDATE tenancy.cost_ledger SET description = 'changed'$$,
  $$UPDATE tenancy.cost_ledger SET created_by_id = NULL$$,
  $$UPDATE tenancy.audit_logs SET user_id = NULL$$,
  $$DELETE FROM tenancy.cost_ledger$$,
  $$INSERT INTO tenancy.cost_ledger (amount, currency, entry_date, reverses_entry_id) VALUES (-12.50, 'EUR', '2024-01-16', sch_id('A:entry'))$$,
  $$INSERT INTO tenancy.cost_ledger (amount, currency, entry_date, reverses_entry_id) VALUES (-12.50, 'EUR', '2024-01-16', sch_id('A:entry'))$$,
  $$UPDATE tenancy.audit_logs SET action = 'DELETE'$$,
  $$DELETE FROM tenancy.audit_logs$$,
  $$INSERT INTO tenancy.audit_logs (action) VALUES ('login')$$,
  $$UPDATE tenancy.events SET payload = '{}'$$,
  $$UPDATE tenancy.transformation_versions SET generated_sql = 'SELECT 1'$$,
  $$DELETE FROM tenancy.transformation_versions$$,
  $$DELETE FROM tenancy.events$$);
SELECT count(*) AS ledger_rows, sum(amount) AS ledger_total FROM tenancy.cost_ledger;
SELECT action, user_id = sch_ua() AS by_context_user FROM tenancy.audit_logs ORDER BY action;
-- Deleting a transformation version deleted the run that named it.
SELECT count(*) AS transformation_runs FROM tenancy.transformation_runs;
RESET ROLE;
ROLLBACK;

-- The global tables, as the application role in A's context: the catalog and rates are
-- readable and not writable; the tokens are neither; a profile is its own user's.
BEGIN;
SELECT sch_as(sch_a(), sch_ua()) AS context;
SET LOCAL ROLE regress_schema_app;
SELECT (SELECT count(*) FROM tenancy.subscription_plans) AS plans,
       (SELECT count(*) FROM tenancy.features) AS features,
       (SELECT count(*) FROM tenancy.plan_features) AS plan_features,
       (SELECT count(*) FROM tenancy.fx_rates) AS fx_rates;
-- The token tables are not granted to the application role at all.
SELECT * FROM outcomes($$SELECT count(*) FROM tenancy.refresh_tokens$$,
                      $$SELECT count(*) FROM tenancy.password_reset_tokens$$);
SELECT display_name, timezone, locale FROM tenancy.user_profiles;
SELECT * FROM outcomes(
  $$INSERT INTO tenancy.subscription_plans (name, code, price, billing_period) VALUES ('Mine', 'mine', 0, 'monthly')$$,
  $$UPDATE tenancy.subscription_plans SET price = 0$$,
  $$DELETE FROM tenancy.features$$,
  $$INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES ('EUR', 'USD', '2024-01-02', 1)$$,
  $$UPDATE tenancy.fx_rates SET rate = 2$$,
  $$INSERT INTO tenancy.refresh_tokens (user_id, token_hash, expires_at) VALUES (sch_ua(), '\x00', now())$$,
  $$UPDATE tenancy.refresh_tokens SET revoked_at = now()$$,
  $$DELETE FROM tenancy.password_reset_tokens$$,
  $$UPDATE tenancy.user_profiles SET display_name = 'Renamed' WHERE user_id = sch_ub()$$,
  $$DELETE FROM tenancy.user_profiles WHERE user_id = sch_ub()$$,
  $$INSERT INTO tenancy.user_profiles (user_id) VALUES (sch_ux())$$,
  $$UPDATE tenancy.user_profiles SET display_name = 'Renamed'$$);
RESET ROLE;
ROLLBACK;

-- Dependencies: edges A->B, B->A, B->C. A reads the edges with A at either end, writes only
-- its own (source A); once B shares 'dependencies' with A, A also reads B->C.
INSERT INTO tenancy.dependencies (source_org_id, id, source_entity_id, target_org_id, target_entity_id, dependency_type) VALUES
  (sch_a(), sch_id('dep:A-B'), sch_id('A:project'), sch_b(), sch_id('B:project'), 'runtime'),
  (sch_b(), sch_id('dep:B-A'), sch_id('B:project'), sch_a(), sch_id('A:project'), 'build'),
  (sch_b(), sch_id('dep:B-C'), sch_id('B:project'), sch_c(), sch_id('C:service'), 'data');
CREATE FUNCTION public.sch_edges() RETURNS TABLE (edge text) LANGUAGE sql STABLE AS $$
  SELECT sch_org(source_org_id) || '->' || sch_org(target_org_id) || ' ' || dependency_type
    FROM tenancy.dependencies WHERE source_org_id IN (sch_a(), sch_b(), sch_c()) ORDER BY 1 $$;
BEGIN;
SELECT sch_as(sch_a(), sch_ua()) AS context;
SET LOCAL ROLE regress_schema_app;
SELECT * FROM sch_edges();
SELECT * FROM outcomes(
  $$UPDATE tenancy.dependencies SET description = 'seen'$$,
  $$UPDATE tenancy.dependencies SET source_org_id = sch_b() WHERE id = sch_id('dep:A-B')$$,
  $$DELETE FROM tenancy.dependencies WHERE source_org_id = sch_b()$$,
  $$INSERT INTO tenancy.dependencies (source_org_id, source_entity_id, target_org_id, target_entity_id, dependency_type) VALUES (sch_b(), sch_id('B:project'), sch_a(), sch_id('A:task'), 'data')$$,
  $$INSERT INTO tenancy.dependencies (source_entity_id, target_org_id, target_entity_id, dependency_type) VALUES (sch_id('A:task'), sch_c(), sch_id('C:service'), 'data')$$,
  $$INSERT INTO tenancy.dependencies (source_entity_id, target_org_id, target_entity_id, dependency_type) VALUES (sch_id('A:project'), sch_b(), sch_id('B:project'), 'runtime')$$);
SELECT * FROM sch_edges();
RESET ROLE;
ROLLBACK;
-- A VIEWER of A reads but does not write; a MEMBER writes but does not delete.
BEGIN;
SELECT sch_as(sch_a(), sch_ua(), 'VIEWER') AS context;
SET LOCAL ROLE regress_schema_app;
SELECT * FROM outcomes(
  $$SELECT * FROM tenancy.dependencies WHERE source_org_id = sch_a()$$,
  $$INSERT INTO tenancy.dependencies (source_entity_id, target_org_id, target_entity_id, dependency_type) VALUES (sch_id('A:task'), sch_c(), sch_id('C:service'), 'data')$$,
  $$UPDATE tenancy.dependencies SET description = 'seen'$$);
RESET ROLE;
SELECT sch_as(sch_a(), sch_ua(), 'MEMBER') AS context;
SET LOCAL ROLE regress_schema_app;
SELECT * FROM outcomes(
  $$UPDATE tenancy.dependencies SET description = 'seen'$$,
  $$DELETE FROM tenancy.dependencies$$);
RESET ROLE;
ROLLBACK;

-- Shares: B shares 'ledger' and 'dependencies' with A. A then reads B's ledger entries and
-- B's other edges, and still writes none of them.
INSERT INTO tenancy.org_shares (organization_id, grantee_org_id, scope) VALUES
  (sch_b(), sch_a(), 'ledger'), (sch_b(), sch_a(), 'dependencies');
BEGIN;
SELECT sch_as(sch_a(), sch_ua()) AS context;
SET LOCAL ROLE regress_schema_app;
SELECT sch_org(organization_id) AS org, amount, currency FROM tenancy.cost_ledger ORDER BY org;
SELECT * FROM sch_edges();
SELECT * FROM outcomes(
  $$UPDATE tenancy.cost_ledger SET description = 'changed' WHERE organization_id = sch_b()$$,
  $$DELETE FROM tenancy.cost_ledger WHERE organization_id = sch_b()$$,
  $$UPDATE tenancy.dependencies SET description = 'seen' WHERE source_org_id = sch_b()$$,
  $$DELETE FROM tenancy.dependencies WHERE source_org_id = sch_b()$$);
-- Tables without a share scope still show A's rows only.
SELECT count(*) FILTER (WHERE organization_id <> sch_a()) AS projects_not_own FROM tenancy.projects;
RESET ROLE;
ROLLBACK;
DELETE FROM tenancy.org_shares WHERE organization_id = sch_b() AND grantee_org_id = sch_a();

-- The lint finds nothing in the extension's schema.
SELECT * FROM tenancy.rls_audit(ARRAY['tenancy'])
 ORDER BY table_name::text COLLATE "C" NULLS LAST, check_name, detail;

-- Catalog facts for every table of the schema: RLS enabled and forced (organizations and
-- users, of the identity core, are left to its policies), a comment on the table and on every
-- column, registered for pg_dump, an index for every foreign key (its columns leading an
-- index, in any order), and an updated_at column kept by the trigger.
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p')
   AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
   AND c.relname NOT IN ('organizations', 'users')
 ORDER BY 1;
SELECT count(*) FILTER (WHERE obj_description(c.oid, 'pg_class') IS NULL) AS tables_without_comment
  FROM pg_class c WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p');
SELECT count(*) FILTER (WHERE col_description(c.oid, a.attnum) IS NULL) AS columns_without_comment
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p');
SELECT c.relname || '.' || a.attname AS column_without_comment
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p')
   AND col_description(c.oid, a.attnum) IS NULL
 ORDER BY 1;
SELECT c.relname AS not_in_extconfig
  FROM pg_class c WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p')
   AND c.oid <> ALL ((SELECT e.extconfig FROM pg_extension e WHERE e.extname = 'tenancy')::oid[])
 ORDER BY 1;
-- (org_shares, of the sharing machinery, indexes grantee_org_id for live shares only.)
SELECT f.conrelid::regclass AS tbl, f.conname AS foreign_key_without_index
  FROM pg_constraint f
 WHERE f.contype = 'f' AND f.connamespace = 'tenancy'::regnamespace
   AND f.conrelid <> 'tenancy.org_shares'::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_index i
                    WHERE i.indrelid = f.conrelid AND i.indpred IS NULL
                      AND (i.indkey::int2[])[0:cardinality(f.conkey) - 1] @> f.conkey
                      AND (i.indkey::int2[])[0:cardinality(f.conkey) - 1] <@ f.conkey)
 ORDER BY 1::text, 2;
SELECT c.relname AS updated_at_without_trigger
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'updated_at'
 WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                    WHERE t.tgrelid = c.oid AND t.tgfoid = 'tenancy.touch_updated_at()'::regprocedure)
 ORDER BY 1;
-- The tables without updated_at are the immutable and append-only ones (and the link table).
SELECT c.relname AS without_updated_at
  FROM pg_class c
 WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'updated_at')
 ORDER BY 1;
-- The full-text index on tasks is used for a search.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM tenancy.tasks
 WHERE to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(description, ''))
       @@ to_tsquery('english', 'ledger');
RESET enable_seqscan;

-- Foreign-key actions through the append-only tables: hard-deleting a user sets its references
-- to NULL (allowed), and deleting an organization removes all its rows, ledger and audit
-- trail included (RESTRICT references inside the organization go with it).
INSERT INTO tenancy.cost_ledger (organization_id, id, amount, currency, entry_date, created_by_id)
  VALUES (sch_a(), sch_id('A:entry-x'), 5, 'USD', '2024-03-01', sch_ux());
INSERT INTO tenancy.audit_logs (organization_id, id, user_id, action) VALUES (sch_a(), sch_id('A:audit-x'), sch_ux(), 'login');
INSERT INTO tenancy.cost_ledger (organization_id, id, amount, currency, entry_date, reverses_entry_id)
  VALUES (sch_b(), sch_id('B:reversal'), -12.50, 'EUR', '2024-01-16', sch_id('B:entry'));
DELETE FROM tenancy.users WHERE id = sch_ux();
SELECT (SELECT created_by_id IS NULL FROM tenancy.cost_ledger WHERE id = sch_id('A:entry-x')) AS ledger_user_cleared,
       (SELECT user_id IS NULL FROM tenancy.audit_logs WHERE id = sch_id('A:audit-x')) AS audit_user_cleared;
SELECT * FROM outcomes($$DELETE FROM tenancy.projects WHERE id = sch_id('A:project')$$);
DELETE FROM tenancy.organizations WHERE id = sch_b();
SELECT * FROM sch_counts() WHERE org_b <> 0;
SELECT count(*) AS edges_of_b FROM tenancy.dependencies WHERE sch_b() IN (source_org_id, target_org_id);
SELECT sum(org_a) AS rows_of_a FROM sch_counts();

-- Clean up: A and C with everything in them; the role.
DELETE FROM tenancy.organizations WHERE id IN (sch_a(), sch_c());
DELETE FROM tenancy.users WHERE id IN (sch_ua(), sch_ub());
DELETE FROM tenancy.subscription_plans WHERE id = sch_id('plan');
DELETE FROM tenancy.features WHERE id = sch_id('feature');
DELETE FROM tenancy.fx_rates WHERE base = 'EUR' AND quote = 'USD' AND rate_date = '2024-01-01';
SELECT sum(org_a + org_b) AS rows_left FROM sch_counts();
SELECT tenancy.revoke_app_role('regress_schema_app');
DROP ROLE regress_schema_app;
RESET client_min_messages;
