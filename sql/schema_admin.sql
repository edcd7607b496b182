-- Administration of the schema: grant_app_role / revoke_app_role, the identity tables' policies
-- as a granted application role, the last-OWNER rule, the DROP EXTENSION guard, and
-- distribute() (without Citus: its error, its plan, and the schema rules Citus imposes).
-- Its organizations, users and roles are its own (organizations P, Q, R).

SET client_min_messages = warning;

CREATE FUNCTION public.adm_p() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '5a000000-0000-4000-8000-00000000005a'::uuid $$;
CREATE FUNCTION public.adm_q() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '5b000000-0000-4000-8000-00000000005b'::uuid $$;
CREATE FUNCTION public.adm_r() RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT '5c000000-0000-4000-8000-00000000005c'::uuid $$;
-- Users: pat (OWNER of P, MEMBER of Q), quinn (ADMIN of P, OWNER of Q), rae (MEMBER of P),
-- sam (OWNER of R), tess (no membership).
CREATE FUNCTION public.adm_user(name text) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT md5('schema_admin:' || name)::uuid $$;
-- Runs a statement: 'N rows', or 'SQLSTATE: message' when it fails.
CREATE FUNCTION public.adm_rows(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE statement;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n || CASE WHEN n = 1 THEN ' row' ELSE ' rows' END;
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- Runs a statement and returns the parts of its error (code '00000' when it succeeds).
CREATE FUNCTION public.adm_error(statement text, OUT code text, OUT message text, OUT detail text,
                                 OUT hint text) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  code := '00000';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END $$;
-- Every privilege a role holds in schema tenancy (schema, tables, columns), as one string.
CREATE FUNCTION public.adm_acl(r regrole) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(string_agg(x, ' ' ORDER BY x COLLATE "C"), '')
    FROM (SELECT 'schema:' || a.privilege_type AS x
            FROM pg_namespace n, aclexplode(n.nspacl) a
           WHERE n.nspname = 'tenancy' AND a.grantee = r
          UNION ALL
          SELECT c.relname || ':' || a.privilege_type
            FROM pg_class c, aclexplode(c.relacl) a
           WHERE c.relnamespace = 'tenancy'::regnamespace AND a.grantee = r
          UNION ALL
          SELECT c.relname || '.' || att.attname || ':' || a.privilege_type
            FROM pg_class c JOIN pg_attribute att ON att.attrelid = c.oid, aclexplode(att.attacl) a
           WHERE c.relnamespace = 'tenancy'::regnamespace AND a.grantee = r) s
$$;

INSERT INTO tenancy.organizations (id, name, slug) VALUES
  (adm_p(), 'Admin P', 'admin-p'), (adm_q(), 'Admin Q', 'admin-q'), (adm_r(), 'Admin R', 'admin-r');
INSERT INTO tenancy.users (id, email, full_name, password_hash)
SELECT adm_user(u), u || '@admin.example.test', initcap(u), '$argon2id$not-a-real-hash'
  FROM unnest(ARRAY['pat', 'quinn', 'rae', 'sam', 'tess']) u;
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES
  (adm_p(), adm_user('pat'), 'OWNER'), (adm_p(), adm_user('quinn'), 'ADMIN'), (adm_p(), adm_user('rae'), 'MEMBER'),
  (adm_q(), adm_user('quinn'), 'OWNER'), (adm_q(), adm_user('pat'), 'MEMBER'),
  (adm_r(), adm_user('sam'), 'OWNER');
INSERT INTO tenancy.refresh_tokens (user_id, token_hash, expires_at)
  VALUES (adm_user('pat'), '\x01', now() + interval '1 day');
INSERT INTO tenancy.password_reset_tokens (user_id, token_hash, expires_at)
  VALUES (adm_user('pat'), '\x02', now() + interval '1 hour');

-- grant_app_role ------------------------------------------------------------------------------

CREATE ROLE regress_admin_app NOLOGIN;
CREATE ROLE regress_admin_super NOLOGIN SUPERUSER;
CREATE ROLE regress_admin_bypass NOLOGIN BYPASSRLS;
CREATE ROLE regress_admin_owner NOLOGIN;
CREATE ROLE regress_admin_heir NOLOGIN;
-- regress_admin_heir is a member of the role that owns the tables (it inherits its rights).
DO $$ BEGIN
  EXECUTE format('GRANT %I TO regress_admin_heir',
                 (SELECT c.relowner::regrole::text FROM pg_class c WHERE c.oid = 'tenancy.tasks'::regclass));
END $$;

-- Roles for which row level security would not hold are refused (42501), and so is NULL.
SELECT outcome($$SELECT tenancy.grant_app_role('regress_admin_super')$$) AS superuser;
SELECT outcome($$SELECT tenancy.grant_app_role('regress_admin_bypass')$$) AS bypassrls;
SELECT outcome($$SELECT tenancy.grant_app_role('regress_admin_heir')$$) AS member_of_owner;
SELECT outcome($$SELECT tenancy.grant_app_role(NULL)$$) AS null_role;
SELECT outcome($$SELECT tenancy.revoke_app_role(NULL)$$) AS revoke_null_role;
BEGIN;
ALTER TABLE tenancy.fx_rates OWNER TO regress_admin_owner;
SELECT outcome($$SELECT tenancy.grant_app_role('regress_admin_owner')$$) AS owner_of_a_table;
ROLLBACK;
-- Nothing was granted to any of them.
SELECT r AS refused_role, adm_acl(r::regrole) = '' AS holds_nothing
  FROM unnest(ARRAY['regress_admin_super', 'regress_admin_bypass', 'regress_admin_heir', 'regress_admin_owner']) r;
-- Only a superuser (or whoever it grants EXECUTE to) calls the administration functions.
BEGIN;
SET LOCAL ROLE regress_admin_app;
SELECT outcome($$SELECT tenancy.grant_app_role('regress_admin_app')$$) AS grant_as_plain_role;
SELECT outcome($$SELECT tenancy.revoke_app_role('regress_admin_app')$$) AS revoke_as_plain_role;
ROLLBACK;

-- A plain role: granted USAGE on the schema and the table privileges the policies then narrow:
-- full DML on tenant tables (the append-only and immutable ones refuse changes in their
-- triggers, with 55000: see schema_tables), SELECT and UPDATE on organizations, SELECT on the
-- platform tables, the users columns but password_hash, nothing on the token tables.
SELECT adm_acl('regress_admin_app') = '' AS nothing_before;
SELECT tenancy.grant_app_role('regress_admin_app');
SELECT ' ' || adm_acl('regress_admin_app') || ' ' LIKE '% schema:USAGE %' AS schema_usage;
SELECT t AS table_name,
       has_table_privilege('regress_admin_app', t, 'SELECT') AS sel,
       has_table_privilege('regress_admin_app', t, 'INSERT') AS ins,
       has_table_privilege('regress_admin_app', t, 'UPDATE') AS upd,
       has_table_privilege('regress_admin_app', t, 'DELETE') AS del,
       has_table_privilege('regress_admin_app', t, 'TRUNCATE') AS trunc,
       has_table_privilege('regress_admin_app', t, 'REFERENCES') AS refs,
       has_table_privilege('regress_admin_app', t, 'TRIGGER') AS trig
  FROM unnest(ARRAY['tenancy.tasks', 'tenancy.organization_members', 'tenancy.dependencies',
                    'tenancy.user_profiles', 'tenancy.cost_ledger', 'tenancy.audit_logs',
                    'tenancy.events', 'tenancy.transformation_versions', 'tenancy.organizations',
                    'tenancy.users', 'tenancy.subscription_plans', 'tenancy.fx_rates',
                    'tenancy.auto_rls_schemas', 'tenancy.refresh_tokens',
                    'tenancy.password_reset_tokens']) t;
-- users: every column but password_hash is readable; only the profile columns are writable.
SELECT a.attname AS users_column,
       has_column_privilege('regress_admin_app', 'tenancy.users', a.attname, 'SELECT') AS sel,
       has_column_privilege('regress_admin_app', 'tenancy.users', a.attname, 'UPDATE') AS upd,
       has_column_privilege('regress_admin_app', 'tenancy.users', a.attname, 'INSERT') AS ins
  FROM pg_attribute a
 WHERE a.attrelid = 'tenancy.users'::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum;
-- No table of the schema gives TRUNCATE, REFERENCES or TRIGGER; none of the token tables
-- gives anything; the trusted setter and the administration functions stay out of reach.
SELECT count(*) AS tables_with_truncate_references_or_trigger
  FROM pg_class c
 WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p')
   AND has_table_privilege('regress_admin_app', c.oid, 'TRUNCATE, REFERENCES, TRIGGER');
SELECT count(*) AS token_column_privileges
  FROM pg_attribute a
 WHERE a.attrelid IN ('tenancy.refresh_tokens'::regclass, 'tenancy.password_reset_tokens'::regclass)
   AND a.attnum > 0 AND NOT a.attisdropped
   AND has_column_privilege('regress_admin_app', a.attrelid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES');
SELECT f AS function_name, has_function_privilege('regress_admin_app', f, 'EXECUTE') AS can_execute
  FROM unnest(ARRAY['tenancy.set_context(uuid, uuid, tenancy.org_role, boolean)',
                    'tenancy.grant_app_role(regrole)', 'tenancy.revoke_app_role(regrole)',
                    'tenancy.distribute()', 'tenancy.distribution_plan()',
                    'tenancy.table_has_rows(regclass)',
                    'tenancy.set_context_token(text, boolean)', 'tenancy.current_org_id()']) f;
-- Idempotent: a second call changes nothing.
SELECT adm_acl('regress_admin_app') AS acl_after_first_grant \gset
SELECT tenancy.grant_app_role('regress_admin_app');
SELECT adm_acl('regress_admin_app') = :'acl_after_first_grant' AS second_grant_changes_nothing;
-- revoke_app_role takes everything back, and is idempotent too.
SELECT tenancy.revoke_app_role('regress_admin_app');
SELECT adm_acl('regress_admin_app') = '' AS nothing_after_revoke;
SELECT tenancy.revoke_app_role('regress_admin_app');
SELECT adm_acl('regress_admin_app') = '' AS nothing_after_second_revoke;
SELECT tenancy.grant_app_role('regress_admin_app');
SELECT adm_acl('regress_admin_app') = :'acl_after_first_grant' AS granted_again;

-- The identity tables as the application role --------------------------------------------

-- organizations: the context's organization and the context user's organizations.
BEGIN;
SELECT tenancy.set_context(adm_p(), adm_user('pat'));
SET LOCAL ROLE regress_admin_app;
SELECT slug AS visible_to_pat_in_p FROM tenancy.organizations ORDER BY slug;
SELECT adm_rows($$SELECT 1 FROM tenancy.organizations WHERE id = adm_r()$$) AS org_r_lookup;
-- pat is OWNER of P (at least ADMIN): updates P, but not Q (a member there, not its context).
SELECT adm_rows($$UPDATE tenancy.organizations SET description = 'updated by pat' WHERE id = adm_p()$$) AS update_own_org;
SELECT adm_rows($$UPDATE tenancy.organizations SET description = 'updated by pat' WHERE id = adm_q()$$) AS update_other_member_org;
SELECT adm_rows($$UPDATE tenancy.organizations SET description = 'updated by pat' WHERE id = adm_r()$$) AS update_foreign_org;
SELECT adm_rows($$UPDATE tenancy.organizations SET id = adm_r() WHERE id = adm_p()$$) AS move_org_id;
SELECT adm_rows($$INSERT INTO tenancy.organizations (name, slug) VALUES ('New', 'new-by-pat')$$) AS insert_org;
SELECT adm_rows($$DELETE FROM tenancy.organizations WHERE id = adm_p()$$) AS delete_org;
RESET ROLE;
ROLLBACK;
-- rae is a MEMBER of P: sees P only and cannot update it (no row qualifies).
BEGIN;
SELECT tenancy.set_context(adm_p(), adm_user('rae'));
SET LOCAL ROLE regress_admin_app;
SELECT slug AS visible_to_rae_in_p FROM tenancy.organizations ORDER BY slug;
SELECT adm_rows($$UPDATE tenancy.organizations SET description = 'updated by rae' WHERE id = adm_p()$$) AS member_updates_org;
RESET ROLE;
ROLLBACK;
-- quinn, ADMIN of P, may update P; the row then reads as updated.
BEGIN;
SELECT tenancy.set_context(adm_p(), adm_user('quinn'));
SET LOCAL ROLE regress_admin_app;
SELECT slug AS visible_to_quinn_in_p FROM tenancy.organizations ORDER BY slug;
SELECT adm_rows($$UPDATE tenancy.organizations SET description = 'updated by quinn' WHERE id = adm_p()$$) AS admin_updates_org;
SELECT description FROM tenancy.organizations WHERE id = adm_p();
RESET ROLE;
ROLLBACK;
-- A service context without a user sees its own organization only; no context sees none.
BEGIN;
SELECT tenancy.set_context(adm_r(), NULL, 'ADMIN');
SET LOCAL ROLE regress_admin_app;
SELECT slug AS visible_to_service_in_r FROM tenancy.organizations ORDER BY slug;
RESET ROLE;
SELECT tenancy.clear_context();
SET LOCAL ROLE regress_admin_app;
SELECT count(*) AS visible_without_context FROM tenancy.organizations;
SELECT count(*) AS users_visible_without_context FROM tenancy.users;
RESET ROLE;
ROLLBACK;

-- users: oneself and the members of the context's organization; password_hash never.
BEGIN;
SELECT tenancy.set_context(adm_p(), adm_user('pat'));
SET LOCAL ROLE regress_admin_app;
SELECT email AS visible_to_pat_in_p FROM tenancy.users ORDER BY email;
SELECT adm_rows($$SELECT 1 FROM tenancy.users WHERE email LIKE 'sam@%'$$) AS sam_lookup;
SELECT outcome($$SELECT * FROM tenancy.users$$) AS select_star;
SELECT outcome($$SELECT password_hash FROM tenancy.users$$) AS select_password_hash;
SELECT outcome($$SELECT count(*) FROM tenancy.users WHERE password_hash IS NOT NULL$$) AS filter_on_password_hash;
-- pat updates pat's profile columns, no one else's, and no other column.
SELECT adm_rows($$UPDATE tenancy.users SET full_name = 'Pat Admin'$$) AS update_all_visible;
SELECT adm_rows($$UPDATE tenancy.users SET full_name = 'Rae' WHERE id = adm_user('rae')$$) AS update_other_user;
SELECT adm_rows($$UPDATE tenancy.users SET full_name = 'Pat Renamed' WHERE id = adm_user('pat')$$) AS update_self;
SELECT adm_rows($$UPDATE tenancy.users SET email = 'pat@elsewhere.test' WHERE id = adm_user('pat')$$) AS update_email;
SELECT adm_rows($$UPDATE tenancy.users SET is_superadmin = true WHERE id = adm_user('pat')$$) AS update_is_superadmin;
SELECT adm_rows($$UPDATE tenancy.users SET password_hash = 'x' WHERE id = adm_user('pat')$$) AS update_password_hash;
SELECT adm_rows($$INSERT INTO tenancy.users (email) VALUES ('new@admin.example.test')$$) AS insert_user;
SELECT adm_rows($$DELETE FROM tenancy.users WHERE id = adm_user('pat')$$) AS delete_user;
SELECT email, full_name, username, default_org_id = adm_p() AS default_p
  FROM tenancy.users ORDER BY email;
-- The token tables: no access at all, for reading or writing.
SELECT outcome($$SELECT count(*) FROM tenancy.refresh_tokens$$) AS read_refresh_tokens;
SELECT outcome($$SELECT count(*) FROM tenancy.password_reset_tokens$$) AS read_reset_tokens;
SELECT outcome($$DELETE FROM tenancy.refresh_tokens$$) AS delete_refresh_tokens;
-- Nor can the role set a context itself.
SELECT outcome($$SELECT tenancy.set_context(adm_q(), adm_user('quinn'))$$) AS set_context;
RESET ROLE;
ROLLBACK;
-- Context Q for pat: pat and quinn (Q's members), not rae.
BEGIN;
SELECT tenancy.set_context(adm_q(), adm_user('pat'));
SET LOCAL ROLE regress_admin_app;
SELECT email AS visible_to_pat_in_q FROM tenancy.users ORDER BY email;
RESET ROLE;
ROLLBACK;
-- tess belongs nowhere: a context of hers cannot be set, and a service context of R shows
-- R's members (sam), not tess.
SELECT outcome($$SELECT tenancy.set_context(adm_r(), adm_user('tess'))$$) AS tess_in_r;
BEGIN;
SELECT tenancy.set_context(adm_r(), NULL, 'VIEWER');
SET LOCAL ROLE regress_admin_app;
SELECT email AS visible_to_service_in_r FROM tenancy.users ORDER BY email;
RESET ROLE;
ROLLBACK;

-- The last OWNER -----------------------------------------------------------------------------

-- R has one OWNER (sam): removing, demoting or soft-deleting that membership is refused.
SELECT adm_rows($$DELETE FROM tenancy.organization_members WHERE organization_id = adm_r()$$) AS remove_last_owner;
SELECT adm_rows($$UPDATE tenancy.organization_members SET role = 'ADMIN' WHERE organization_id = adm_r()$$) AS demote_last_owner;
SELECT adm_rows($$UPDATE tenancy.organization_members SET deleted_at = now() WHERE organization_id = adm_r()$$) AS soft_delete_last_owner;
-- Other changes of that membership are fine.
SELECT adm_rows($$UPDATE tenancy.organization_members SET role = 'OWNER', updated_at = now() WHERE organization_id = adm_r()$$) AS touch_last_owner;
-- With two OWNERs one of them can go, not both.
BEGIN;
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES (adm_r(), adm_user('tess'), 'OWNER');
SELECT adm_rows($$DELETE FROM tenancy.organization_members WHERE organization_id = adm_r() AND user_id = adm_user('sam')$$) AS remove_one_of_two;
SELECT adm_rows($$UPDATE tenancy.organization_members SET role = 'MEMBER' WHERE organization_id = adm_r() AND user_id = adm_user('tess')$$) AS demote_the_other;
SELECT adm_rows($$DELETE FROM tenancy.organization_members WHERE organization_id = adm_r()$$) AS remove_all;
ROLLBACK;
BEGIN;
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES (adm_r(), adm_user('tess'), 'OWNER');
SELECT adm_rows($$UPDATE tenancy.organization_members SET role = 'ADMIN' WHERE organization_id = adm_r()$$) AS demote_both;
SELECT adm_rows($$UPDATE tenancy.organization_members SET deleted_at = now() WHERE organization_id = adm_r() AND user_id = adm_user('sam')$$) AS soft_delete_one;
SELECT adm_rows($$UPDATE tenancy.organization_members SET deleted_at = now() WHERE organization_id = adm_r() AND user_id = adm_user('tess')$$) AS soft_delete_the_other;
ROLLBACK;
-- Through the application role: quinn (ADMIN of P, allowed to write memberships) cannot
-- demote or remove pat, an OWNER, a role above its own (42501); rae's membership can go. Pat
-- itself, P's only OWNER, cannot step down or leave either (55000).
BEGIN;
SELECT tenancy.set_context(adm_p(), adm_user('quinn'));
SET LOCAL ROLE regress_admin_app;
SELECT adm_rows($$UPDATE tenancy.organization_members SET role = 'ADMIN' WHERE user_id = adm_user('pat')$$) AS admin_demotes_owner;
SELECT adm_rows($$DELETE FROM tenancy.organization_members WHERE user_id = adm_user('pat')$$) AS admin_removes_owner;
SELECT adm_rows($$DELETE FROM tenancy.organization_members WHERE user_id = adm_user('rae')$$) AS admin_removes_member;
RESET ROLE;
SELECT tenancy.set_context(adm_p(), adm_user('pat'));
SET LOCAL ROLE regress_admin_app;
SELECT adm_rows($$UPDATE tenancy.organization_members SET role = 'ADMIN' WHERE user_id = adm_user('pat')$$) AS last_owner_steps_down;
SELECT adm_rows($$DELETE FROM tenancy.organization_members WHERE user_id = adm_user('pat')$$) AS last_owner_leaves;
RESET ROLE;
ROLLBACK;
-- Deleting the organization deletes its memberships, last OWNER included.
BEGIN;
SELECT adm_rows($$DELETE FROM tenancy.organizations WHERE id = adm_r()$$) AS delete_org_r;
SELECT count(*) AS memberships_of_r FROM tenancy.organization_members WHERE organization_id = adm_r();
ROLLBACK;
SELECT count(*) AS memberships_of_r_kept FROM tenancy.organization_members WHERE organization_id = adm_r();

-- The DROP EXTENSION guard --------------------------------------------------------------------

-- The tables hold rows: dropping the extension or its schema is refused (55000), and the
-- detail lists exactly the tables with rows. (Each attempt runs in a transaction that is
-- rolled back, so a guard that failed to fire would not take the extension with it.)
CREATE FUNCTION public.adm_tables_with_rows() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  tbl regclass;
  has_rows boolean;
  names text[] := '{}';
BEGIN
  FOR tbl IN SELECT c.oid::regclass FROM pg_extension e, unnest(e.extconfig) t(relid)
               JOIN pg_class c ON c.oid = t.relid
              WHERE e.extname = 'tenancy' ORDER BY c.oid::regclass::text LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', tbl) INTO has_rows;
    IF has_rows THEN
      names := names || tbl::text;
    END IF;
  END LOOP;
  RETURN 'Tables with rows: ' || array_to_string(names, ', ') || '.';
END $$;
BEGIN;
SELECT code, regexp_replace(message, '\d+', 'N') AS message,
       detail = adm_tables_with_rows() AS detail_lists_tables_with_rows,
       detail LIKE '%tenancy.organizations%' AS lists_organizations,
       detail LIKE '%tenancy.refresh_tokens%' AS lists_refresh_tokens, hint
  FROM adm_error('DROP EXTENSION tenancy');
ROLLBACK;
BEGIN;
SELECT code, regexp_replace(message, '\d+', 'N') AS message FROM adm_error('DROP EXTENSION tenancy CASCADE');
ROLLBACK;
BEGIN;
SELECT code, regexp_replace(message, '\d+', 'N') AS message FROM adm_error('DROP EXTENSION IF EXISTS plpgsql_nonexistent, tenancy');
ROLLBACK;
BEGIN;
SELECT code, regexp_replace(message, '\d+', 'N') AS message FROM adm_error('DROP SCHEMA tenancy CASCADE');
ROLLBACK;
SELECT extname AS still_installed FROM pg_extension WHERE extname = 'tenancy';
-- Other extensions and schemas are not affected.
SELECT outcome('CREATE EXTENSION tsm_system_rows') AS create_other_extension;
SELECT outcome('DROP EXTENSION tsm_system_rows') AS drop_other_extension;
SELECT outcome('CREATE SCHEMA regress_admin_scratch') AS create_other_schema;
SELECT outcome('CREATE TABLE regress_admin_scratch.t AS SELECT 1 AS x') AS fill_other_schema;
SELECT outcome('DROP SCHEMA regress_admin_scratch CASCADE') AS drop_other_schema;
-- Only a superuser may turn the guard off (the setting is superuser-only).
BEGIN;
SET LOCAL ROLE regress_admin_app;
SELECT outcome('SET tenancy.allow_drop_with_data = on') AS app_role_sets_allow_drop;
SELECT outcome($$SELECT set_config('tenancy.allow_drop_with_data', 'on', true)$$) AS app_role_set_config;
SHOW tenancy.allow_drop_with_data;
RESET ROLE;
SET LOCAL tenancy.allow_drop_with_data = on;
SHOW tenancy.allow_drop_with_data;
ROLLBACK;
SHOW tenancy.allow_drop_with_data;
-- (Dropping for real with allow_drop_with_data = on is tested by test/integration/dump_restore.sh,
-- not in this shared database.)

-- distribute() and the rules of Citus ----------------------------------------------------

-- Without the citus extension distribute() explains what is missing (55000); it is for
-- superusers only.
SELECT * FROM adm_error('SELECT tenancy.distribute()');
BEGIN;
SET LOCAL ROLE regress_admin_app;
SELECT outcome('SELECT tenancy.distribute()') AS distribute_as_app_role;
RESET ROLE;
ROLLBACK;
-- What it would do: reference tables first, then the tenant tables co-located with
-- organization_members, each after the tables it references; auto_rls_schemas stays local.
SELECT step, table_name, method, distribution_column, colocate_with FROM tenancy.distribution_plan();
-- Every table of the schema is in the plan once.
SELECT count(*) AS tables_not_planned_once
  FROM pg_class c
 WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND (SELECT count(*) FROM tenancy.distribution_plan() p WHERE p.table_name = c.oid) <> 1;

-- The schema obeys Citus's rules. The distributed tables and their distribution column:
CREATE VIEW public.adm_distributed AS
  SELECT p.table_name AS tbl, a.attnum AS dist_attnum, a.attname AS dist_column
    FROM tenancy.distribution_plan() p
    JOIN pg_attribute a ON a.attrelid = p.table_name AND a.attname = p.distribution_column
   WHERE p.method = 'distributed';
SELECT count(*) >= 20 AS many_distributed_tables FROM adm_distributed;
-- 1. The distribution column is a NOT NULL uuid.
SELECT d.tbl AS dist_column_not_uuid_not_null
  FROM adm_distributed d JOIN pg_attribute a ON a.attrelid = d.tbl AND a.attnum = d.dist_attnum
 WHERE a.atttypid <> 'uuid'::regtype OR NOT a.attnotnull
 ORDER BY 1::text;
-- 2. Every primary key, unique constraint and unique index (partial ones included) of a
--    distributed table includes its distribution column.
SELECT d.tbl, i.indexrelid::regclass AS unique_index_without_dist_column
  FROM adm_distributed d JOIN pg_index i ON i.indrelid = d.tbl
 WHERE i.indisunique AND NOT (d.dist_attnum = ANY (i.indkey::int2[]))
 ORDER BY 1::text, 2::text;
SELECT count(*) AS unique_indexes_checked
  FROM adm_distributed d JOIN pg_index i ON i.indrelid = d.tbl WHERE i.indisunique
\gset
SELECT :unique_indexes_checked >= 30 AS many_unique_indexes_checked;
-- 3. Every foreign key between distributed tables includes the distribution column of both,
--    at the same position.
SELECT f.conrelid::regclass AS tbl, f.conname AS foreign_key_not_on_dist_column
  FROM pg_constraint f
  JOIN adm_distributed l ON l.tbl = f.conrelid
  JOIN adm_distributed r ON r.tbl = f.confrelid
 WHERE f.contype = 'f'
   AND NOT EXISTS (SELECT 1 FROM generate_subscripts(f.conkey, 1) k
                    WHERE f.conkey[k] = l.dist_attnum AND f.confkey[k] = r.dist_attnum)
 ORDER BY 1::text, 2;
SELECT count(*) >= 15 AS many_foreign_keys_between_distributed_tables
  FROM pg_constraint f
  JOIN adm_distributed l ON l.tbl = f.conrelid
  JOIN adm_distributed r ON r.tbl = f.confrelid
 WHERE f.contype = 'f';
-- 4. No foreign key that includes a distribution column sets NULL or DEFAULT on delete or
--    update, or cascades an update.
SELECT f.conrelid::regclass AS tbl, f.conname AS dist_column_foreign_key_with_bad_action,
       f.confdeltype, f.confupdtype
  FROM pg_constraint f JOIN adm_distributed l ON l.tbl = f.conrelid
 WHERE f.contype = 'f' AND l.dist_attnum = ANY (f.conkey)
   AND (f.confdeltype IN ('n', 'd') OR f.confupdtype IN ('n', 'd', 'c'))
 ORDER BY 1::text, 2;
-- 5. Foreign keys go from distributed tables to distributed or reference tables, and from
--    reference tables to reference tables only; no table refers to a local one.
SELECT f.conrelid::regclass AS tbl, f.conname AS foreign_key_citus_refuses,
       pl.method AS from_method, pr.method AS to_method
  FROM pg_constraint f
  JOIN tenancy.distribution_plan() pl ON pl.table_name = f.conrelid
  LEFT JOIN tenancy.distribution_plan() pr ON pr.table_name = f.confrelid
 WHERE f.contype = 'f' AND f.conrelid <> f.confrelid
   AND (pr.method IS NULL OR pr.method = 'local' OR pl.method = 'local'
        OR (pl.method = 'reference' AND pr.method = 'distributed'))
 ORDER BY 1::text, 2;
-- 6. Nothing in the plan comes before a table it references.
SELECT f.conrelid::regclass AS tbl, f.conname AS foreign_key_planned_too_early
  FROM pg_constraint f
  JOIN tenancy.distribution_plan() pl ON pl.table_name = f.conrelid
  JOIN tenancy.distribution_plan() pr ON pr.table_name = f.confrelid
 WHERE f.contype = 'f' AND f.conrelid <> f.confrelid AND pr.step > pl.step
 ORDER BY 1::text, 2;

-- Clean up -----------------------------------------------------------------------------------
DROP VIEW public.adm_distributed;
DELETE FROM tenancy.organizations WHERE id IN (adm_p(), adm_q(), adm_r());
DELETE FROM tenancy.users WHERE id IN (SELECT adm_user(u) FROM unnest(ARRAY['pat', 'quinn', 'rae', 'sam', 'tess']) u);
SELECT count(*) AS rows_left FROM tenancy.refresh_tokens WHERE user_id = adm_user('pat');
SELECT tenancy.revoke_app_role('regress_admin_app');
DROP ROLE regress_admin_app, regress_admin_super, regress_admin_bypass, regress_admin_owner, regress_admin_heir;
DROP FUNCTION public.adm_p(), public.adm_q(), public.adm_r(), public.adm_user(text), public.adm_rows(text),
  public.adm_error(text), public.adm_acl(regrole), public.adm_tables_with_rows();
RESET client_min_messages;
