-- Sample data for the fuzz tests (test/fuzz/sqlsmith.sh and test/fuzz/arguments.sh), loaded as
-- the superuser into a fresh database of a throw-away cluster:
--   psql -v ON_ERROR_STOP=1 -v app_password=... -f test/fuzz/sample_data.sql
-- It creates the extension, fills every tenancy table through the documented functions where
-- there is one (record_cost, reverse_entry, add_dependency, share_with, encrypt_secret under a
-- context), adds an application schema "app" with the kinds of relation the RLS generators
-- must cope with (auto_rls table, partitioned table, child table isolated through its foreign
-- key, security_invoker view, materialized view, sequence, composite type, a table without a
-- tenant column), and creates the two application roles:
--   app       plain role granted with grant_app_role; the scripts give it a signed context token
--   app_anon  the same grants, never a context
-- Ids are md5-derived from a tag (id('A'), id('ua'), id('A:project1'), ...); arguments.sql
-- derives the same ones. The server key file must be creatable (tenancy.create_key_file = on).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION tenancy;
CREATE FUNCTION pg_temp.id(tag text) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT md5('tenancy-fuzz:' || tag)::uuid $$;

-- Identity: A, B and D live, C soft-deleted; ua owns A, ub owns B, uv views A, ui is inactive,
-- ud is soft-deleted. ua's password is 'correct horse battery staple' (a real argon2id hash).
INSERT INTO tenancy.organizations (id, name, slug, org_type, plan, settings) VALUES
  (pg_temp.id('A'), 'Org A', 'org-a', 'company', 'PRO', '{"theme": "dark"}'),
  (pg_temp.id('B'), 'Org B', 'org-b', 'team', 'FREE', '{}'),
  (pg_temp.id('D'), 'Org D', 'org-d', 'nonprofit', 'ENTERPRISE', '{"n": 1}');
INSERT INTO tenancy.organizations (id, name, slug, deleted_at) VALUES
  (pg_temp.id('C'), 'Org C', 'org-c', '2024-03-01 00:00+00');
INSERT INTO tenancy.users (id, email, username, full_name, password_hash, default_org_id, is_active, deleted_at) VALUES
  (pg_temp.id('ua'), 'ua@example.test', 'ua', 'User A', tenancy.hash_password('correct horse battery staple'),
   pg_temp.id('A'), true, NULL),
  (pg_temp.id('ub'), 'ub@example.test', 'ub', 'User B', NULL, pg_temp.id('B'), true, NULL),
  (pg_temp.id('uv'), 'uv@example.test', 'uv', 'Viewer', NULL, pg_temp.id('A'), true, NULL),
  (pg_temp.id('ui'), 'ui@example.test', NULL, 'Inactive', NULL, NULL, false, NULL),
  (pg_temp.id('ud'), 'ud@example.test', NULL, 'Deleted', NULL, NULL, true, '2024-02-01 00:00+00');
INSERT INTO tenancy.organization_members (organization_id, id, user_id, role) VALUES
  (pg_temp.id('A'), pg_temp.id('m:A:ua'), pg_temp.id('ua'), 'OWNER'),
  (pg_temp.id('A'), pg_temp.id('m:A:ub'), pg_temp.id('ub'), 'MEMBER'),
  (pg_temp.id('A'), pg_temp.id('m:A:uv'), pg_temp.id('uv'), 'VIEWER'),
  (pg_temp.id('A'), pg_temp.id('m:A:ui'), pg_temp.id('ui'), 'ADMIN'),
  (pg_temp.id('B'), pg_temp.id('m:B:ub'), pg_temp.id('ub'), 'OWNER'),
  (pg_temp.id('B'), pg_temp.id('m:B:ua'), pg_temp.id('ua'), 'VIEWER'),
  (pg_temp.id('B'), pg_temp.id('m:B:ud'), pg_temp.id('ud'), 'ADMIN'),
  (pg_temp.id('D'), pg_temp.id('m:D:ua'), pg_temp.id('ua'), 'OWNER'),
  (pg_temp.id('C'), pg_temp.id('m:C:ua'), pg_temp.id('ua'), 'OWNER');
INSERT INTO tenancy.user_profiles (user_id, display_name, timezone, locale, preferences) VALUES
  (pg_temp.id('ua'), 'A', 'Europe/Lisbon', 'pt-PT', '{"digest": "weekly"}'),
  (pg_temp.id('ub'), 'B', 'America/Sao_Paulo', 'pt-BR', '{}');
INSERT INTO tenancy.refresh_tokens (id, user_id, token_hash, expires_at) VALUES
  (pg_temp.id('rt1'), pg_temp.id('ua'), '\x0101', '2030-01-01 00:00+00'),
  (pg_temp.id('rt2'), pg_temp.id('ua'), '\x0102', '2030-01-02 00:00+00');
UPDATE tenancy.refresh_tokens SET revoked_at = '2024-01-02 00:00+00', replaced_by_id = pg_temp.id('rt2')
 WHERE id = pg_temp.id('rt1');
INSERT INTO tenancy.password_reset_tokens (user_id, token_hash, expires_at, used_at) VALUES
  (pg_temp.id('ua'), '\x0201', '2024-01-01 01:00+00', '2024-01-01 00:30+00'),
  (pg_temp.id('ub'), '\x0202', '2030-01-01 00:00+00', NULL);

-- The platform catalog and rates (EUR->USD from 2024-01-01; no rate for JPY at all).
INSERT INTO tenancy.subscription_plans (id, name, code, price, currency, billing_period) VALUES
  (pg_temp.id('plan:pro'), 'Pro', 'pro', 29.00, 'USD', 'monthly'),
  (pg_temp.id('plan:team'), 'Team', 'team', 290.00, 'EUR', 'yearly');
INSERT INTO tenancy.features (id, name, code) VALUES
  (pg_temp.id('feature:sso'), 'Single sign-on', 'sso'), (pg_temp.id('feature:audit'), 'Audit log', 'audit');
INSERT INTO tenancy.plan_features (plan_id, feature_id) VALUES
  (pg_temp.id('plan:pro'), pg_temp.id('feature:sso')), (pg_temp.id('plan:team'), pg_temp.id('feature:sso')),
  (pg_temp.id('plan:team'), pg_temp.id('feature:audit'));
INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES
  ('EUR', 'USD', '2024-01-01', 1.1), ('EUR', 'USD', '2024-02-01', 1.08), ('GBP', 'EUR', '2024-01-01', 1.17),
  ('GBP', 'USD', '2024-01-01', 1.27), ('USD', 'EUR', '2024-01-01', 0.91), ('CHF', 'USD', '2023-12-31', 1.19);

-- One set of tenant rows per organization, parents first (projects 1..3, tasks, comments, ...).
CREATE FUNCTION pg_temp.fill(org uuid, usr uuid, k text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tenancy.subscriptions (organization_id, id, plan_id, status, start_date)
    VALUES (org, pg_temp.id(k || ':subscription'), pg_temp.id('plan:pro'), 'active', '2024-01-01 00:00+00');
  INSERT INTO tenancy.projects (organization_id, id, name, created_by_id, api_key_hash)
    SELECT org, pg_temp.id(k || ':project' || n), 'Project ' || k || n, usr, NULL FROM generate_series(1, 3) n;
  INSERT INTO tenancy.tasks (organization_id, id, project_id, title, description, created_by_id, assigned_to_id, due_date)
    SELECT org, pg_temp.id(k || ':task' || n), pg_temp.id(k || ':project' || (1 + n % 3)), 'Task ' || n,
           'Description of task ' || n, usr, usr, '2024-06-30 17:00+00'::timestamptz + n * interval '1 day'
      FROM generate_series(1, 6) n;
  UPDATE tenancy.tasks SET status = 'in_progress' WHERE id = pg_temp.id(k || ':task1');
  INSERT INTO tenancy.comments (organization_id, id, task_id, author_id, body)
    SELECT org, pg_temp.id(k || ':comment' || n), pg_temp.id(k || ':task' || n), usr, 'Looks good, ' || k || n
      FROM generate_series(1, 4) n;
  INSERT INTO tenancy.invitations (organization_id, id, email, role, token_hash, expires_at, accepted_at, invited_by_id)
    VALUES (org, pg_temp.id(k || ':invitation'), 'invitee-' || k || '@example.test', 'MEMBER',
            convert_to('invite-' || k, 'UTF8'), '2030-01-01 00:00+00', '2024-01-03 00:00+00', usr);
  INSERT INTO tenancy.issues (organization_id, id, project_id, fingerprint, title, events_count, users_affected,
                              first_seen_at, last_seen_at)
    VALUES (org, pg_temp.id(k || ':issue'), pg_temp.id(k || ':project1'), 'fp-' || k, 'TypeError', 2, 1,
            '2024-01-01 10:00+00', '2024-01-02 10:00+00');
  INSERT INTO tenancy.events (organization_id, id, project_id, issue_id, occurred_at, user_identifier, payload) VALUES
    (org, pg_temp.id(k || ':event1'), pg_temp.id(k || ':project1'), pg_temp.id(k || ':issue'), '2024-01-01 10:00+00',
     'visitor-1', '{"message": "TypeError", "line": 1}'),
    (org, pg_temp.id(k || ':event2'), pg_temp.id(k || ':project1'), pg_temp.id(k || ':issue'), '2024-01-02 10:00+00',
     'visitor-1', '{"message": "TypeError", "line": 2}');
  INSERT INTO tenancy.sources (organization_id, id, name, source_type, config, warehouse_table_name, created_by_id)
    VALUES (org, pg_temp.id(k || ':source'), 'Budget', 'google_sheets', '{"sheet": "2024"}', 'budget', usr);
  INSERT INTO tenancy.source_schemas (organization_id, id, source_id, column_name, column_type, column_order) VALUES
    (org, pg_temp.id(k || ':col0'), pg_temp.id(k || ':source'), 'month', 'date', 0),
    (org, pg_temp.id(k || ':col1'), pg_temp.id(k || ':source'), 'amount', 'numeric', 1);
  INSERT INTO tenancy.sync_runs (organization_id, id, source_id, status, started_at, completed_at, rows_synced)
    VALUES (org, pg_temp.id(k || ':sync'), pg_temp.id(k || ':source'), 'succeeded',
            '2024-01-01 10:00+00', '2024-01-01 10:01+00', 42);
  INSERT INTO tenancy.warehouse_connections (organization_id, id, database_name, access_token_encrypted, is_connected)
    VALUES (org, pg_temp.id(k || ':connection'), 'warehouse_' || lower(k), NULL, true);
  INSERT INTO tenancy.transformations (organization_id, id, name, recipe, current_version, created_by_id)
    VALUES (org, pg_temp.id(k || ':transformation'), 'Monthly totals', '[{"op": "group"}]', 2, usr);
  INSERT INTO tenancy.transformation_versions (organization_id, id, transformation_id, version_number, recipe, generated_sql) VALUES
    (org, pg_temp.id(k || ':v1'), pg_temp.id(k || ':transformation'), 1, '[{"op": "group"}]', 'SELECT 1'),
    (org, pg_temp.id(k || ':v2'), pg_temp.id(k || ':transformation'), 2, '[{"op": "group"}, {"op": "sort"}]', 'SELECT 2');
  INSERT INTO tenancy.transformation_runs (organization_id, id, transformation_id, version_number, status, rows_affected)
    VALUES (org, pg_temp.id(k || ':run'), pg_temp.id(k || ':transformation'), 2, 'succeeded', 12);
  INSERT INTO tenancy.warehouse_tables (organization_id, id, warehouse_connection_id, table_name, source_id, transformation_id, row_count)
    VALUES (org, pg_temp.id(k || ':wt'), pg_temp.id(k || ':connection'), 'budget',
            pg_temp.id(k || ':source'), pg_temp.id(k || ':transformation'), 42);
  INSERT INTO tenancy.outputs (organization_id, id, transformation_id, name)
    VALUES (org, pg_temp.id(k || ':output'), pg_temp.id(k || ':transformation'), 'Totals export');
  INSERT INTO tenancy.schedules (organization_id, id, source_id, frequency, run_at_time, timezone, last_run_at, next_run_at)
    VALUES (org, pg_temp.id(k || ':schedule1'), pg_temp.id(k || ':source'), 'daily', '06:00', 'UTC',
            '2024-01-01 06:00+00', '2024-01-02 06:00+00');
  INSERT INTO tenancy.schedules (organization_id, id, output_id, frequency, run_at_day, timezone, is_active, next_run_at)
    VALUES (org, pg_temp.id(k || ':schedule2'), pg_temp.id(k || ':output'), 'weekly', 1, 'Europe/Berlin', false,
            '2024-01-08 05:00+00');
  INSERT INTO tenancy.audit_logs (organization_id, id, user_id, action, resource_type, resource_id, details, ip_address, user_agent)
    VALUES (org, pg_temp.id(k || ':audit'), usr, 'INSERT', 'projects', pg_temp.id(k || ':project1'),
            '{"columns": ["name"]}', '192.0.2.1', 'curl/8');
END $$;
SELECT pg_temp.fill(pg_temp.id('A'), pg_temp.id('ua'), 'A'), pg_temp.fill(pg_temp.id('B'), pg_temp.id('ub'), 'B'),
       pg_temp.fill(pg_temp.id('D'), pg_temp.id('ua'), 'D');

-- Under each organization's context: the ledger (record_cost, one reversal), encrypted
-- warehouse tokens, cross-organization dependencies (a chain and a cycle), and shares.
CREATE FUNCTION pg_temp.as_org(org uuid, usr uuid, k text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  first_entry uuid;
  n int;
BEGIN
  PERFORM tenancy.set_context(org, usr, NULL, true);
  first_entry := tenancy.record_cost(12.50, 'EUR', '2024-01-15', 'Hosting', pg_temp.id(k || ':project1'));
  FOR n IN 1..24 LOOP
    PERFORM tenancy.record_cost(round((n * 7.31)::numeric, 2), (ARRAY['EUR', 'USD', 'GBP', 'CHF'])[1 + n % 4],
                                ('2024-01-01'::date + n * 11), 'Entry ' || n,
                                CASE WHEN n % 2 = 0 THEN pg_temp.id(k || ':project' || (1 + n % 3)) END);
  END LOOP;
  PERFORM tenancy.record_cost(-3.00, 'USD', '2024-03-01', 'Credit note', NULL);
  PERFORM tenancy.reverse_entry(first_entry, 'Hosting refunded');
  UPDATE tenancy.warehouse_connections SET access_token_encrypted = tenancy.encrypt_secret('warehouse-token-' || k)
   WHERE organization_id = org;
END $$;
SELECT pg_temp.as_org(pg_temp.id('A'), pg_temp.id('ua'), 'A');
SELECT pg_temp.as_org(pg_temp.id('B'), pg_temp.id('ub'), 'B');
SELECT pg_temp.as_org(pg_temp.id('D'), pg_temp.id('ua'), 'D');
-- One entry in a currency without any fx rate, for the conversion errors.
BEGIN;
SELECT tenancy.set_context(pg_temp.id('A'), pg_temp.id('ua'));
SELECT tenancy.record_cost(1000, 'JPY', '2024-05-05', 'No rate for this one') IS NOT NULL AS recorded;
-- A: project1 -> project2 -> B:project1, project2 -> D:project1, project3 -> project3 (self-loop).
SELECT tenancy.add_dependency(pg_temp.id('A:project1'), pg_temp.id('A'), pg_temp.id('A:project2'), 'runtime', 'calls');
SELECT tenancy.add_dependency(pg_temp.id('A:project2'), pg_temp.id('B'), pg_temp.id('B:project1'), 'runtime', NULL);
SELECT tenancy.add_dependency(pg_temp.id('A:project2'), pg_temp.id('D'), pg_temp.id('D:project1'), 'data', 'exports');
SELECT tenancy.add_dependency(pg_temp.id('A:project3'), pg_temp.id('A'), pg_temp.id('A:project3'), 'build', 'self');
COMMIT;
BEGIN;
SELECT tenancy.set_context(pg_temp.id('B'), pg_temp.id('ub'));
-- B: project1 -> A:project1 closes a cycle A1 -> A2 -> B1 -> A1; B shares both scopes with A.
SELECT tenancy.add_dependency(pg_temp.id('B:project1'), pg_temp.id('A'), pg_temp.id('A:project1'), 'runtime', 'cycle');
SELECT tenancy.add_dependency(pg_temp.id('B:project2'), pg_temp.id('B'), pg_temp.id('B:project1'), 'data', NULL);
SELECT tenancy.share_with(pg_temp.id('A'), 'ledger') IS NOT NULL AS shared;
SELECT tenancy.share_with(pg_temp.id('A'), 'dependencies') IS NOT NULL AS shared;
COMMIT;
BEGIN;
SELECT tenancy.set_context(pg_temp.id('D'), pg_temp.id('ua'));
SELECT tenancy.share_with(pg_temp.id('A'), 'ledger') IS NOT NULL AS shared;
SELECT tenancy.add_dependency(pg_temp.id('D:project1'), pg_temp.id('D'), pg_temp.id('D:project2'), 'data', NULL);
COMMIT;
SELECT tenancy.clear_context();

-- The application schema: one relation of each kind the generators meet.
CREATE SCHEMA app;
SELECT tenancy.auto_rls('app');
CREATE TABLE app.notes (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id() REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id int NOT NULL,
  body text NOT NULL,
  amount numeric,
  PRIMARY KEY (organization_id, id)
);
CREATE TABLE app.parent (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id() REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  label text,
  PRIMARY KEY (organization_id, id)
);
CREATE TABLE app.child (
  id serial PRIMARY KEY,
  parent_id uuid NOT NULL REFERENCES app.parent (id) ON DELETE CASCADE,
  note text
);
SELECT tenancy.enable_rls_via('app.child', 'parent_id', 'app.parent') IS NOT NULL AS isolated;
CREATE TABLE app.parted (
  organization_id uuid NOT NULL DEFAULT tenancy.current_org_id(),
  day date NOT NULL,
  amount numeric NOT NULL,
  PRIMARY KEY (organization_id, day)
) PARTITION BY RANGE (day);
CREATE TABLE app.parted_2024 PARTITION OF app.parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.parted_other PARTITION OF app.parted DEFAULT;
CREATE TABLE app.no_tenant (id int PRIMARY KEY, label text);
CREATE VIEW app.notes_view WITH (security_invoker = true) AS SELECT organization_id, id, body FROM app.notes;
CREATE MATERIALIZED VIEW app.note_totals AS SELECT count(*) AS n FROM app.no_tenant;
CREATE SEQUENCE app.counter;
CREATE TYPE app.pair AS (a int, b text);
INSERT INTO app.notes (organization_id, id, body, amount)
  SELECT o, n, 'note ' || n, n * 1.25 FROM unnest(ARRAY[pg_temp.id('A'), pg_temp.id('B')]) o, generate_series(1, 5) n;
INSERT INTO app.parent (organization_id, id, label) VALUES
  (pg_temp.id('A'), pg_temp.id('A:parent'), 'parent of A'), (pg_temp.id('B'), pg_temp.id('B:parent'), 'parent of B');
INSERT INTO app.child (parent_id, note) VALUES (pg_temp.id('A:parent'), 'child of A'), (pg_temp.id('B:parent'), 'child of B');
INSERT INTO app.parted VALUES (pg_temp.id('A'), '2024-02-01', 10.00), (pg_temp.id('B'), '2023-02-01', 20.00);
INSERT INTO app.no_tenant VALUES (1, 'one'), (2, 'two');
SELECT tenancy.enable_audit('app.notes');

-- The application roles. statement_timeout bounds every query (sqlsmith sets its own 1s).
CREATE ROLE app LOGIN PASSWORD :'app_password';
CREATE ROLE app_anon LOGIN PASSWORD :'app_password';
SELECT tenancy.grant_app_role('app'), tenancy.grant_app_role('app_anon');
GRANT EXECUTE ON FUNCTION tenancy.set_context(uuid, uuid, tenancy.org_role, boolean) TO app;
GRANT USAGE ON SCHEMA app TO app, app_anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA app TO app, app_anon;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA app TO app, app_anon;
ALTER ROLE app SET statement_timeout = '2s';
ALTER ROLE app_anon SET statement_timeout = '2s';
ALTER ROLE app SET lock_timeout = '1s';
ALTER ROLE app_anon SET lock_timeout = '1s';
ANALYZE;
