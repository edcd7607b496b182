-- tenancy: a guided tour. Run it with `bash demo/run.sh` (a throw-away cluster is used).
\pset footer off
\pset null '(null)'
\set ECHO none

-- Shows an error that the tour expects, with its SQLSTATE, instead of stopping the tour.
CREATE FUNCTION public.refused(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'NOT refused (this would be a bug)';
EXCEPTION WHEN OTHERS THEN
  RETURN 'refused, SQLSTATE ' || SQLSTATE || ': ' || SQLERRM;
END;
$$;

\echo
\echo '== 1. CREATE EXTENSION tenancy'
CREATE EXTENSION tenancy;
SELECT extname, extversion, extnamespace::regnamespace AS schema FROM pg_extension WHERE extname = 'tenancy';

\echo
\echo '== 2. Two organizations, two users, and an application table filtered by organization'
INSERT INTO tenancy.organizations (id, name, slug) VALUES
  ('ac000000-0000-4000-8000-0000000000ac', 'Acme', 'acme'),
  ('6e000000-0000-4000-8000-00000000006e', 'Globex', 'globex');
INSERT INTO tenancy.users (id, email, full_name) VALUES
  ('a1000000-0000-4000-8000-0000000a11ce', 'alice@acme.test', 'Alice'),
  ('b0b00000-0000-4000-8000-000000000b0b', 'bob@globex.test', 'Bob');
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES
  ('ac000000-0000-4000-8000-0000000000ac', 'a1000000-0000-4000-8000-0000000a11ce', 'OWNER'),
  ('6e000000-0000-4000-8000-00000000006e', 'b0b00000-0000-4000-8000-000000000b0b', 'MEMBER');
SELECT o.name AS organization, u.email, m.role
  FROM tenancy.organization_members m
  JOIN tenancy.organizations o ON o.id = m.organization_id
  JOIN tenancy.users u ON u.id = m.user_id ORDER BY 1;

CREATE TABLE public.invoices (
  organization_id uuid NOT NULL DEFAULT tenancy.require_org_id(),
  id int GENERATED ALWAYS AS IDENTITY,
  customer text NOT NULL,
  amount numeric(12, 2) NOT NULL,
  PRIMARY KEY (organization_id, id)
);
INSERT INTO public.invoices (organization_id, customer, amount) VALUES
  ('ac000000-0000-4000-8000-0000000000ac', 'Road Runner Inc.', 120.00),
  ('ac000000-0000-4000-8000-0000000000ac', 'Coyote LLC', 80.50),
  ('6e000000-0000-4000-8000-00000000006e', 'Springfield Power', 9999.99);
\echo 'the lint finds the gap before the table is isolated:'
SELECT table_name, check_name, severity FROM tenancy.rls_audit(ARRAY['public']) ORDER BY 1, 2;
\echo 'enable_rls generates and runs the policies (the DDL it ran is returned):'
SELECT tenancy.enable_rls('public.invoices') AS generated_ddl \gset
SELECT count(*) AS statements_run FROM regexp_split_to_table(:'generated_ddl', E';\n') s WHERE s <> '';
SELECT polname AS policy, polcmd AS command FROM pg_policy WHERE polrelid = 'public.invoices'::regclass ORDER BY 1;
SELECT count(*) AS audit_findings_after FROM tenancy.rls_audit(ARRAY['public']);

-- app: what the application connects as. auth: the service allowed to vouch for users.
CREATE ROLE demo_app NOLOGIN;
CREATE ROLE demo_auth NOLOGIN;
GRANT SELECT, INSERT ON public.invoices TO demo_app, demo_auth;
GRANT EXECUTE ON FUNCTION tenancy.set_context(uuid, uuid, tenancy.org_role, boolean) TO demo_auth;
\echo 'invoices: 2 for Acme, 1 for Globex; roles demo_app (application) and demo_auth (trusted setter)'

\echo
\echo '== 3. No context, no rows: the application sees nothing until a tenant is chosen'
SET ROLE demo_app;
SELECT tenancy.context() AS context, (SELECT count(*) FROM public.invoices) AS visible_invoices;
RESET ROLE;

\echo
\echo '== 4. The trusted service switches to Alice @ Acme, for this transaction only'
SET ROLE demo_auth;
BEGIN;
SELECT tenancy.set_context('ac000000-0000-4000-8000-0000000000ac', 'a1000000-0000-4000-8000-0000000a11ce');
SELECT tenancy.context();
SELECT customer, amount FROM public.invoices ORDER BY id;
INSERT INTO public.invoices (customer, amount) VALUES ('Wile E. Coyote', 42.00) RETURNING organization_id AS filled_in_org, customer;
COMMIT;
\echo 'after COMMIT the context is gone (safe behind a transaction-pooling proxy):'
SELECT tenancy.context() AS context, (SELECT count(*) FROM public.invoices) AS visible_invoices;
RESET ROLE;

\echo
\echo '== 5. Spoofing attempts by the application role are refused'
SET ROLE demo_app;
SELECT public.refused($$SET tenancy.org_id = '6e000000-0000-4000-8000-00000000006e'$$) AS "SET tenancy.org_id";
SELECT public.refused($$SELECT set_config('tenancy.org_id', '6e000000-0000-4000-8000-00000000006e', true)$$) AS "set_config(...)";
SELECT public.refused($$SELECT tenancy.set_context('6e000000-0000-4000-8000-00000000006e')$$) AS "set_context as the app";
SELECT public.refused($$INSERT INTO public.invoices (customer, amount) VALUES ('sneaky', 1)$$) AS "write without context";
RESET ROLE;
SET ROLE demo_auth;
SELECT public.refused($$SELECT tenancy.set_context('6e000000-0000-4000-8000-00000000006e', 'a1000000-0000-4000-8000-0000000a11ce')$$) AS "Alice into Globex";
SELECT public.refused($$SELECT tenancy.set_context('6e000000-0000-4000-8000-00000000006e', 'b0b00000-0000-4000-8000-000000000b0b', 'OWNER')$$) AS "Bob as OWNER";
RESET ROLE;

\echo
\echo '== 6. Signed context: an Ed25519 token that any worker holding the public key can verify'
SELECT * FROM tenancy.generate_context_keypair() \gset key_
SELECT format('ALTER DATABASE %I SET tenancy.context_public_keys = %L', current_database(), :'key_kid' || ':' || :'key_public_key') \gexec
\echo 'ALTER DATABASE settings apply to new sessions: reconnecting'
\connect
SELECT current_setting('tenancy.context_public_keys') = :'key_kid' || ':' || :'key_public_key' AS public_key_configured;
SELECT tenancy.sign_context_token(:'key_secret_key', :'key_kid', '6e000000-0000-4000-8000-00000000006e',
                                  'b0b00000-0000-4000-8000-000000000b0b', 'MEMBER', '15 minutes') AS token \gset
SELECT left(:'token', 40) || '...' AS token_prefix, length(:'token') AS token_length;
SET ROLE demo_app;
BEGIN;
SET LOCAL tenancy.context_token = :'token';
\echo 'the application sets the token itself; it travels in-band through any pooler:'
SELECT tenancy.context();
SELECT customer, amount FROM public.invoices ORDER BY id;
COMMIT;
\echo 'a tampered token (one signature character changed) is refused and changes nothing:'
SELECT public.refused(format('SET tenancy.context_token = %L',
         overlay(:'token' PLACING (CASE WHEN substr(:'token', length(:'token') - 20, 1) = 'A' THEN 'B' ELSE 'A' END)
                 FROM length(:'token') - 20 FOR 1))) AS "tampered token";
SELECT public.refused($$SET tenancy.context_token = 'eyJhbGciOiJub25lIn0.e30.'$$) AS "alg none";
SELECT tenancy.context() AS context_after_refusals;
RESET ROLE;

\echo
\echo '== 7. The full schema: projects and tasks of both organizations, as the application sees them'
SELECT tenancy.grant_app_role('demo_app');
INSERT INTO tenancy.projects (organization_id, id, name) VALUES
  ('ac000000-0000-4000-8000-0000000000ac', 'ac000000-0000-4000-8000-00000000a001', 'Rocket skates'),
  ('6e000000-0000-4000-8000-00000000006e', '6e000000-0000-4000-8000-00000000b001', 'Reactor upgrade');
INSERT INTO tenancy.tasks (organization_id, project_id, title, status) VALUES
  ('ac000000-0000-4000-8000-0000000000ac', 'ac000000-0000-4000-8000-00000000a001', 'Order more ACME rockets', 'todo'),
  ('ac000000-0000-4000-8000-0000000000ac', 'ac000000-0000-4000-8000-00000000a001', 'Test on road runner', 'in_progress'),
  ('6e000000-0000-4000-8000-00000000006e', '6e000000-0000-4000-8000-00000000b001', 'Replace control rods', 'done');
SET ROLE demo_auth;
BEGIN;
SELECT tenancy.set_context('ac000000-0000-4000-8000-0000000000ac', 'a1000000-0000-4000-8000-0000000a11ce');
SET LOCAL ROLE demo_app;
\echo 'Alice @ Acme:'
SELECT p.name AS project, t.title, t.status FROM tenancy.tasks t JOIN tenancy.projects p USING (organization_id) WHERE p.id = t.project_id ORDER BY t.title;
SELECT public.refused($$INSERT INTO tenancy.tasks (project_id, title) VALUES ('6e000000-0000-4000-8000-00000000b001', 'sneak into Globex')$$) AS "task in Globex's project";
COMMIT;
BEGIN;
SELECT tenancy.set_context('6e000000-0000-4000-8000-00000000006e', 'b0b00000-0000-4000-8000-000000000b0b');
SET LOCAL ROLE demo_app;
\echo 'Bob @ Globex:'
SELECT p.name AS project, t.title, t.status FROM tenancy.tasks t JOIN tenancy.projects p USING (organization_id) WHERE p.id = t.project_id ORDER BY t.title;
SELECT o.name AS organizations_bob_can_see FROM tenancy.organizations o ORDER BY 1;
COMMIT;
RESET ROLE;
SELECT count(*) AS lint_findings_in_schema_tenancy FROM tenancy.rls_audit(ARRAY['tenancy']);

\echo
\echo '== 8. Identity: sign up, invite, accept, rotate a refresh token; the audit trail'
\echo 'passwords are argon2id (cheap costs for the tour), tokens are random and stored only as keyed hashes:'
SET tenancy.pwhash_opslimit = 1;
SET tenancy.pwhash_memlimit = '8MB';
SET ROLE demo_app;
SELECT tenancy.create_user('wile@acme.test', 'beep-beep-never', 'Wile E.') AS wile \gset
SELECT tenancy.create_user('road@runner.test', 'meep-meep', 'Road Runner') AS road \gset
RESET ROLE;
SELECT u.email, o.name AS personal_organization, m.role, left(u.password_hash, 30) || '...' AS password_hash
  FROM tenancy.users u JOIN tenancy.organizations o ON o.id = u.default_org_id
  JOIN tenancy.organization_members m ON m.organization_id = o.id AND m.user_id = u.id
 WHERE u.id IN (:'wile', :'road') ORDER BY 1;
SET ROLE demo_app;
SELECT tenancy.authenticate('wile@acme.test', 'beep-beep-never') = :'wile' AS "right password",
       tenancy.authenticate('wile@acme.test', 'anvil') IS NULL AS "wrong password: NULL",
       tenancy.authenticate('coyote@nowhere.test', 'anvil') IS NULL AS "unknown e-mail: NULL, same work";
RESET ROLE;
\echo 'Wile E. (OWNER of his workspace) invites Road Runner; the invitation token is shown once:'
SELECT default_org_id AS wile_org FROM tenancy.users WHERE id = :'wile' \gset
SET ROLE demo_auth;
SELECT tenancy.set_context(:'wile_org', :'wile', is_local => false);
SET ROLE demo_app;
SELECT tenancy.invite(:'wile_org', 'road@runner.test', 'MEMBER') AS invitation \gset
SELECT length(:'invitation') AS token_length, email, role, expires_at > now() AS live
  FROM tenancy.invitations WHERE organization_id = :'wile_org';
SELECT tenancy.clear_context();
SELECT tenancy.accept_invitation(:'invitation', :'road') IS NOT NULL AS accepted;
SELECT public.refused(format($$SELECT tenancy.accept_invitation(%L, %L)$$, :'invitation', :'road')) AS "accepting twice";
\echo 'a refresh token, rotated once; presenting the old one again is reuse and revokes them all:'
SELECT tenancy.issue_refresh_token(:'road') AS rt1 \gset
SELECT tenancy.rotate_refresh_token(:'rt1') AS rt2 \gset
SELECT :'rt2' <> :'rt1' AS rotated;
SELECT tenancy.rotate_refresh_token(:'rt1') IS NULL AS "reuse detected";
RESET ROLE;
SELECT count(*) FILTER (WHERE revoked_at IS NULL) AS road_runner_live_refresh_tokens FROM tenancy.refresh_tokens WHERE user_id = :'road';
\echo 'secrets are encrypted per organization (XChaCha20-Poly1305, the org id as associated data):'
SET ROLE demo_auth;
SELECT tenancy.set_context(:'wile_org', :'wile', is_local => false);
SET ROLE demo_app;
INSERT INTO tenancy.warehouse_connections (database_name, access_token_encrypted)
VALUES ('acme_dwh', tenancy.encrypt_secret('dwh-token-123'));
SELECT database_name, octet_length(access_token_encrypted) AS ciphertext_bytes,
       tenancy.decrypt_secret(access_token_encrypted) AS decrypted_in_own_org
  FROM tenancy.warehouse_connections;
SELECT tenancy.clear_context();
RESET ROLE;
\echo 'the audit trail of Wile''s workspace (the trigger records changed columns, never a token or hash value):'
SELECT a.action, a.resource_type, u.email AS actor, a.details - 'table' AS details
  FROM tenancy.audit_logs a LEFT JOIN tenancy.users u ON u.id = a.user_id
 WHERE a.organization_id = :'wile_org' ORDER BY a.created_at, a.action;
\echo 'and of Road Runner''s own events:'
SELECT a.action, a.details FROM tenancy.audit_logs a
 WHERE a.organization_id = (SELECT default_org_id FROM tenancy.users WHERE id = :'road') ORDER BY a.created_at, a.action;

\echo
\echo '== 9. The shared cost ledger: EUR and USD, shared between organizations, converted'
INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES
  ('EUR', 'USD', '2026-01-01', 1.0850), ('EUR', 'USD', '2026-02-01', 1.0925);
-- Globex makes Bob an ADMIN, so that he may share Globex's ledger.
UPDATE tenancy.organization_members SET role = 'ADMIN' WHERE user_id = 'b0b00000-0000-4000-8000-000000000b0b';
CREATE TEMP TABLE demo_org_names (id uuid, name text);
INSERT INTO demo_org_names VALUES ('ac000000-0000-4000-8000-0000000000ac', 'Acme'), ('6e000000-0000-4000-8000-00000000006e', 'Globex');
GRANT SELECT ON demo_org_names TO demo_app;
SET ROLE demo_auth;
BEGIN;
SELECT tenancy.set_context('ac000000-0000-4000-8000-0000000000ac', 'a1000000-0000-4000-8000-0000000a11ce') \gset
SET LOCAL ROLE demo_app;
\echo 'Acme records its costs in USD:'
SELECT tenancy.record_cost(1200.00, 'USD', '2026-01-15', 'Rocket fuel') IS NOT NULL AS recorded,
       tenancy.record_cost(310.40, 'USD', '2026-02-10', 'Anvils') IS NOT NULL AS recorded_too;
SELECT tenancy.record_cost(49.99, 'USD', '2026-02-11', 'Anvils (again)') AS double_booked \gset
COMMIT;
BEGIN;
SELECT tenancy.set_context('6e000000-0000-4000-8000-00000000006e', 'b0b00000-0000-4000-8000-000000000b0b') \gset
SET LOCAL ROLE demo_app;
\echo 'Globex records its costs in EUR and shares its ledger with Acme:'
SELECT tenancy.record_cost(850.00, 'EUR', '2026-01-20', 'Reactor inspection') IS NOT NULL AS recorded,
       tenancy.record_cost(99.95, 'EUR', '2026-02-03', 'Donuts') IS NOT NULL AS recorded_too;
SELECT tenancy.share_with('ac000000-0000-4000-8000-0000000000ac', 'ledger') IS NOT NULL AS shared;
COMMIT;
BEGIN;
SELECT tenancy.set_context('ac000000-0000-4000-8000-0000000000ac', 'a1000000-0000-4000-8000-0000000a11ce') \gset
SET LOCAL ROLE demo_app;
\echo 'the ledger is append-only: a correction is a reversing entry'
SELECT public.refused(format($$UPDATE tenancy.cost_ledger SET amount = 0 WHERE id = %L$$, :'double_booked')) AS "edit an entry";
SELECT tenancy.reverse_entry(:'double_booked', 'booked twice') IS NOT NULL AS reversed;
SELECT public.refused(format($$SELECT tenancy.reverse_entry(%L, 'again')$$, :'double_booked')) AS "reverse it twice";
\echo 'Acme''s summary covers Globex too (shared), per currency: euros are never added to dollars'
SELECT n.name AS organization, s.period_start, s.currency, s.total, s.entry_count
  FROM tenancy.ledger_summary('2026-01-01', '2026-12-31', period => 'month') s
  JOIN demo_org_names n ON n.id = s.organization_id ORDER BY 1, 2, 3;
\echo 'converted to USD at the rate of each entry''s date, rounded half-even per entry, then summed (money_sum):'
SELECT n.name AS organization, s.period_start, s.currency, s.total, s.entry_count
  FROM tenancy.ledger_summary('2026-01-01', '2026-12-31', period => 'month', target_currency => 'USD') s
  JOIN demo_org_names n ON n.id = s.organization_id ORDER BY 1, 2, 3;
\echo 'a rate that does not exist is an error naming the pair and the date, never a silent skip:'
SELECT public.refused($$SELECT * FROM tenancy.ledger_summary('2026-01-01', '2026-12-31', target_currency => 'GBP')$$) AS "convert to GBP";
COMMIT;
RESET ROLE;

\echo
\echo '== 10. Cross-organization dependencies: closure, impact, cycles, order, Mermaid'
INSERT INTO tenancy.organizations (id, name, slug) VALUES ('c0000000-0000-4000-8000-0000000000c0', 'Initech', 'initech');
INSERT INTO tenancy.users (id, email, full_name) VALUES ('c1000000-0000-4000-8000-0000000000c1', 'peter@initech.test', 'Peter');
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES
  ('c0000000-0000-4000-8000-0000000000c0', 'c1000000-0000-4000-8000-0000000000c1', 'ADMIN');
-- The entities of the tour, by name (the graph knows only ids).
CREATE TEMP TABLE demo_entities (org uuid, id uuid, name text);
INSERT INTO demo_entities VALUES
  ('ac000000-0000-4000-8000-0000000000ac', 'e0000000-0000-4000-8000-0000000000a1', 'acme/web'),
  ('ac000000-0000-4000-8000-0000000000ac', 'e0000000-0000-4000-8000-0000000000a2', 'acme/api'),
  ('6e000000-0000-4000-8000-00000000006e', 'e0000000-0000-4000-8000-0000000000b1', 'globex/payments'),
  ('6e000000-0000-4000-8000-00000000006e', 'e0000000-0000-4000-8000-0000000000b2', 'globex/ledger'),
  ('c0000000-0000-4000-8000-0000000000c0', 'e0000000-0000-4000-8000-0000000000c1', 'initech/tps'),
  ('c0000000-0000-4000-8000-0000000000c0', 'e0000000-0000-4000-8000-0000000000c2', 'initech/mainframe');
GRANT SELECT ON demo_entities TO demo_app;
SET ROLE demo_auth;
BEGIN;
SELECT tenancy.set_context('ac000000-0000-4000-8000-0000000000ac', 'a1000000-0000-4000-8000-0000000a11ce') \gset
SET LOCAL ROLE demo_app;
\echo 'Acme: web -> api -> globex/payments (a chain across organizations)'
SELECT tenancy.add_dependency('e0000000-0000-4000-8000-0000000000a1', 'ac000000-0000-4000-8000-0000000000ac', 'e0000000-0000-4000-8000-0000000000a2', 'runtime') IS NOT NULL AS added,
       tenancy.add_dependency('e0000000-0000-4000-8000-0000000000a2', '6e000000-0000-4000-8000-00000000006e', 'e0000000-0000-4000-8000-0000000000b1', 'runtime') IS NOT NULL AS added_too;
COMMIT;
BEGIN;
SELECT tenancy.set_context('6e000000-0000-4000-8000-00000000006e', 'b0b00000-0000-4000-8000-000000000b0b') \gset
SET LOCAL ROLE demo_app;
\echo 'Globex: payments -> ledger -> initech/tps; and Globex shares its dependencies with Acme'
SELECT tenancy.add_dependency('e0000000-0000-4000-8000-0000000000b1', '6e000000-0000-4000-8000-00000000006e', 'e0000000-0000-4000-8000-0000000000b2', 'data') IS NOT NULL AS added,
       tenancy.add_dependency('e0000000-0000-4000-8000-0000000000b2', 'c0000000-0000-4000-8000-0000000000c0', 'e0000000-0000-4000-8000-0000000000c1', 'build') IS NOT NULL AS added_too,
       tenancy.share_with('ac000000-0000-4000-8000-0000000000ac', 'dependencies') IS NOT NULL AS shared;
COMMIT;
BEGIN;
SELECT tenancy.set_context('c0000000-0000-4000-8000-0000000000c0', 'c1000000-0000-4000-8000-0000000000c1') \gset
SET LOCAL ROLE demo_app;
\echo 'Initech: tps -> mainframe -> tps (a cycle), private to Initech'
SELECT tenancy.add_dependency('e0000000-0000-4000-8000-0000000000c1', 'c0000000-0000-4000-8000-0000000000c0', 'e0000000-0000-4000-8000-0000000000c2', 'runtime') IS NOT NULL AS added,
       tenancy.add_dependency('e0000000-0000-4000-8000-0000000000c2', 'c0000000-0000-4000-8000-0000000000c0', 'e0000000-0000-4000-8000-0000000000c1', 'runtime') IS NOT NULL AS added_too;
\echo 'Initech sees its cycle:'
SELECT c.cycle_id, c.position, e.name FROM tenancy.dependency_cycles() c JOIN demo_entities e ON e.org = c.org_id AND e.id = c.entity_id ORDER BY 1, 2;
\echo 'so it has no build order (55000, naming the cycle):'
SELECT public.refused($$SELECT * FROM tenancy.dependency_order()$$) AS "dependency_order()";
\echo 'what breaks if initech/tps goes down (upstream impact, across organizations):'
SELECT e.name, c.depth, p.name AS via, c.dependency_type
  FROM tenancy.dependency_closure('c0000000-0000-4000-8000-0000000000c0', 'e0000000-0000-4000-8000-0000000000c1', 'upstream') c
  JOIN demo_entities e ON e.org = c.org_id AND e.id = c.entity_id
  JOIN demo_entities p ON p.org = c.parent_org_id AND p.id = c.parent_entity_id ORDER BY c.depth, e.name;
COMMIT;
BEGIN;
SELECT tenancy.set_context('ac000000-0000-4000-8000-0000000000ac', 'a1000000-0000-4000-8000-0000000a11ce') \gset
SET LOCAL ROLE demo_app;
\echo 'Acme: what acme/web depends on (downstream closure): Globex shared its edges; Initech''s private cycle stays hidden'
SELECT e.name, c.depth, p.name AS via, c.dependency_type
  FROM tenancy.dependency_closure('ac000000-0000-4000-8000-0000000000ac', 'e0000000-0000-4000-8000-0000000000a1') c
  JOIN demo_entities e ON e.org = c.org_id AND e.id = c.entity_id
  JOIN demo_entities p ON p.org = c.parent_org_id AND p.id = c.parent_entity_id ORDER BY c.depth, e.name;
\echo 'the build order Acme can see (dependencies first):'
SELECT o.position, e.name FROM tenancy.dependency_order() o JOIN demo_entities e ON e.org = o.org_id AND e.id = o.entity_id ORDER BY 1;
\echo 'and the same closure as Mermaid (one box per organization):'
SELECT tenancy.dependency_graph('ac000000-0000-4000-8000-0000000000ac', 'e0000000-0000-4000-8000-0000000000a1') AS mermaid;
COMMIT;
RESET ROLE;

\echo
\echo 'Tour complete.'
