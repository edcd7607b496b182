#!/usr/bin/env bash
# Dump and restore: pg_dump keeps every row of every tenancy table, and a restore gives them back
# unchanged, with the extension's triggers, policies and grants in place. Then the DROP
# EXTENSION guard, for real: refused while the tables hold rows, allowed once a superuser sets
# tenancy.allow_drop_with_data = on (and without it when the tables are empty).
#
# 1. dump_src: CREATE EXTENSION tenancy; a few rows in EVERY table of schema tenancy (as the
#    superuser, parents first), including rows that went through the triggers (updated rows,
#    a reversed ledger entry, a ledger row whose user was deleted, a rotated refresh token, a
#    soft-deleted OWNER, warehouse tokens encrypted per organization), an application role
#    granted with grant_app_role, and a table of the application in a schema watched by auto_rls.
# 2. pg_dump -Fc, then three restores into empty databases: plain pg_restore, pg_restore
#    --single-transaction and pg_restore -j 4. Each must succeed without errors.
# 3. For every table (tenancy's and the application's): the row count and a checksum of the
#    rows, md5(string_agg(t::text, '|' ORDER BY t::text)), identical to dump_src; so are the
#    policies, the triggers (and their ENABLE ALWAYS state), the table and column privileges
#    and the event triggers; and each organization's encrypted token decrypts (same cluster,
#    same key file).
# 4. The guard in a restored database: DROP EXTENSION and DROP SCHEMA refused (55000); with
#    SET tenancy.allow_drop_with_data = on in a fresh session (the library not loaded yet) the
#    drop succeeds. In a fresh database with empty tables the drop needs no setting.
#
# Run (as root or a user who may run pg_virtualenv, with the extension installed):
#   bash test/integration/dump_restore.sh
# It re-executes itself inside a throw-away cluster made by `pg_virtualenv -t`. Prints one line
# per check, then `dump_restore: N passed, M failed`; exits non-zero on any failure.
set -uo pipefail

PG_VERSION="${DUMP_RESTORE_PG_VERSION:-15}"
if [[ -z "${TENANCY_DUMP_RESTORE_IN_VIRTUALENV:-}" ]]; then
  export TENANCY_DUMP_RESTORE_IN_VIRTUALENV=1
  exec pg_virtualenv -t -v "$PG_VERSION" -o tenancy.create_key_file=on bash "$0" "$@"
fi

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
WORK="$(mktemp -d)"
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
# Records a check: pass NAME or fail NAME [DETAIL].
pass() { passed=$((passed + 1)); echo "ok     $1"; }
fail() { failed=$((failed + 1)); echo "FAILED $1${2:+: $2}"; }
# Ends the run early: nothing after a failed setup step can be trusted.
die() {
  fail "$1" "${2:-}"
  echo "dump_restore: $passed passed, $failed failed"
  exit 1
}

# Runs SQL from stdin in database $1, stopping at the first error; extra args go to psql.
sql() { local db="$1"; shift; psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
# Prints the rows (unaligned, tuples only) of the query $2 in database $1.
sql_rows() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }

# A fingerprint of every table of the schemas tenancy and app: name, row count, checksum.
FINGERPRINT_SQL=$(cat <<'SQL'
CREATE FUNCTION pg_temp.fingerprint() RETURNS TABLE (tbl text, n bigint, checksum text)
LANGUAGE plpgsql AS $$
DECLARE
  t regclass;
BEGIN
  FOR t IN SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
            WHERE s.nspname IN ('tenancy', 'app') AND c.relkind IN ('r', 'p')
            ORDER BY c.oid::regclass::text COLLATE "C" LOOP
    tbl := t::text;
    EXECUTE format('SELECT count(*), md5(coalesce(string_agg(x::text, ''|'' ORDER BY x::text), '''')) FROM %s x', t)
      INTO n, checksum;
    RETURN NEXT;
  END LOOP;
END $$;
SELECT tbl || ' ' || n || ' ' || checksum FROM pg_temp.fingerprint();
SQL
)
fingerprint() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" <<<"$FINGERPRINT_SQL"; }

# The catalog facts a restore must reproduce: RLS flags, policies, triggers, privileges.
catalog_facts() {
  sql_rows "$1" "
   SELECT fact FROM (
    SELECT 'rls ' || c.oid::regclass || ' ' || c.relrowsecurity || ' ' || c.relforcerowsecurity
      FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
     WHERE s.nspname IN ('tenancy', 'app') AND c.relkind IN ('r', 'p')
    UNION ALL
    SELECT 'policy ' || p.polrelid::regclass || ' ' || p.polname || ' ' || p.polcmd::text || ' '
           || coalesce(pg_get_expr(p.polqual, p.polrelid), '-') || ' '
           || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')
      FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace s ON s.oid = c.relnamespace
     WHERE s.nspname IN ('tenancy', 'app')
    UNION ALL
    SELECT 'trigger ' || t.tgrelid::regclass || ' ' || t.tgname || ' ' || t.tgenabled::text
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace s ON s.oid = c.relnamespace
     WHERE s.nspname IN ('tenancy', 'app') AND NOT t.tgisinternal
    UNION ALL
    SELECT 'acl ' || c.oid::regclass || ' ' || coalesce(c.relacl::text, '-')
      FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
     WHERE s.nspname IN ('tenancy', 'app') AND c.relkind IN ('r', 'p')
    UNION ALL
    SELECT 'column-acl ' || a.attrelid::regclass || '.' || a.attname || ' ' || a.attacl::text
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace s ON s.oid = c.relnamespace
     WHERE s.nspname IN ('tenancy', 'app') AND a.attacl IS NOT NULL
    UNION ALL
    SELECT 'event-trigger ' || e.evtname || ' ' || e.evtevent || ' ' || e.evtenabled::text FROM pg_event_trigger e
    UNION ALL
    SELECT 'extconfig ' || count(*) FROM pg_extension e, unnest(e.extconfig) WHERE e.extname = 'tenancy'
   ) AS f(fact) ORDER BY fact COLLATE \"C\""
}

# ---- 1. The source database --------------------------------------------------------------
echo "== filling dump_src"
createdb dump_src || die "createdb dump_src"
psql -X -q -c "CREATE ROLE dump_app NOLOGIN" postgres >/dev/null ||
  die "create role dump_app"
sql dump_src >/dev/null <<'SQL' || die "fill dump_src"
SET client_min_messages = warning;
CREATE EXTENSION tenancy;
CREATE FUNCTION pg_temp.id(tag text) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT md5('dump_restore:' || tag)::uuid $$;

-- Identity: A and B live, C soft-deleted; users of A and B, an inactive one, a soft-deleted one.
INSERT INTO tenancy.organizations (id, name, slug, org_type, plan, settings) VALUES
  (pg_temp.id('A'), 'Org A', 'org-a', 'company', 'PRO', '{"theme": "dark"}'),
  (pg_temp.id('B'), 'Org B', 'org-b', 'team', 'FREE', '{}');
INSERT INTO tenancy.organizations (id, name, slug, deleted_at) VALUES
  (pg_temp.id('C'), 'Org C', 'org-c', '2024-03-01 00:00+00');
INSERT INTO tenancy.users (id, email, username, full_name, password_hash, default_org_id, is_active, deleted_at) VALUES
  (pg_temp.id('ua'), 'ua@example.test', 'ua', 'User A', '$argon2id$v=19$fake', pg_temp.id('A'), true, NULL),
  (pg_temp.id('ub'), 'ub@example.test', 'ub', 'User B', NULL, pg_temp.id('B'), true, NULL),
  (pg_temp.id('ui'), 'ui@example.test', NULL, 'Inactive', NULL, NULL, false, NULL),
  (pg_temp.id('ud'), 'ud@example.test', NULL, 'Deleted', NULL, NULL, true, '2024-02-01 00:00+00'),
  (pg_temp.id('ux'), 'ux@example.test', NULL, 'Leaves', NULL, NULL, true, NULL);
INSERT INTO tenancy.organization_members (organization_id, id, user_id, role, deleted_at) VALUES
  (pg_temp.id('A'), pg_temp.id('m:A:ua'), pg_temp.id('ua'), 'OWNER', NULL),
  (pg_temp.id('A'), pg_temp.id('m:A:ub'), pg_temp.id('ub'), 'VIEWER', NULL),
  (pg_temp.id('A'), pg_temp.id('m:A:ui'), pg_temp.id('ui'), 'ADMIN', NULL),
  (pg_temp.id('B'), pg_temp.id('m:B:ub'), pg_temp.id('ub'), 'OWNER', NULL),
  (pg_temp.id('B'), pg_temp.id('m:B:ud'), pg_temp.id('ud'), 'OWNER', NULL),
  (pg_temp.id('C'), pg_temp.id('m:C:ua'), pg_temp.id('ua'), 'OWNER', NULL);
-- B's second OWNER is soft-deleted (allowed while ub stays OWNER); A's viewer is promoted.
UPDATE tenancy.organization_members SET deleted_at = '2024-02-01 00:00+00' WHERE id = pg_temp.id('m:B:ud');
UPDATE tenancy.organization_members SET role = 'MEMBER' WHERE id = pg_temp.id('m:A:ub');
INSERT INTO tenancy.user_profiles (user_id, display_name, timezone, locale, preferences) VALUES
  (pg_temp.id('ua'), 'A', 'Europe/Lisbon', 'pt-PT', '{"digest": "weekly"}'),
  (pg_temp.id('ub'), 'B', 'America/Sao_Paulo', 'pt-BR', '{}');
-- A refresh token rotated into a second one; a used and an unused reset token.
INSERT INTO tenancy.refresh_tokens (id, user_id, token_hash, expires_at) VALUES
  (pg_temp.id('rt1'), pg_temp.id('ua'), '\x0101', '2030-01-01 00:00+00'),
  (pg_temp.id('rt2'), pg_temp.id('ua'), '\x0102', '2030-01-02 00:00+00');
UPDATE tenancy.refresh_tokens SET revoked_at = '2024-01-02 00:00+00', replaced_by_id = pg_temp.id('rt2')
 WHERE id = pg_temp.id('rt1');
INSERT INTO tenancy.password_reset_tokens (user_id, token_hash, expires_at, used_at) VALUES
  (pg_temp.id('ua'), '\x0201', '2024-01-01 01:00+00', '2024-01-01 00:30+00'),
  (pg_temp.id('ub'), '\x0202', '2030-01-01 00:00+00', NULL);

-- The platform catalog and rates.
INSERT INTO tenancy.subscription_plans (id, name, code, price, currency, billing_period) VALUES
  (pg_temp.id('plan:pro'), 'Pro', 'pro', 29.00, 'USD', 'monthly'),
  (pg_temp.id('plan:team'), 'Team', 'team', 290.00, 'EUR', 'yearly');
INSERT INTO tenancy.features (id, name, code) VALUES
  (pg_temp.id('feature:sso'), 'Single sign-on', 'sso'), (pg_temp.id('feature:audit'), 'Audit log', 'audit');
INSERT INTO tenancy.plan_features (plan_id, feature_id) VALUES
  (pg_temp.id('plan:pro'), pg_temp.id('feature:sso')), (pg_temp.id('plan:team'), pg_temp.id('feature:sso')),
  (pg_temp.id('plan:team'), pg_temp.id('feature:audit'));
INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES
  ('EUR', 'USD', '2024-01-01', 1.1), ('EUR', 'USD', '2024-02-01', 1.08), ('GBP', 'EUR', '2024-01-01', 1.17);

-- One set of tenant rows per organization, parents first.
CREATE FUNCTION pg_temp.fill(org uuid, usr uuid, k text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tenancy.subscriptions (organization_id, id, plan_id, status, start_date)
    VALUES (org, pg_temp.id(k || ':subscription'), pg_temp.id('plan:pro'), 'active', '2024-01-01 00:00+00');
  INSERT INTO tenancy.projects (organization_id, id, name, created_by_id, api_key_hash)
    VALUES (org, pg_temp.id(k || ':project'), 'Project ' || k, usr, convert_to('dsn-' || k, 'UTF8'));
  INSERT INTO tenancy.tasks (organization_id, id, project_id, title, description, created_by_id, assigned_to_id, due_date)
    VALUES (org, pg_temp.id(k || ':task'), pg_temp.id(k || ':project'), 'Migrate billing', 'Invoices to the ledger',
            usr, usr, '2024-06-30 17:00+00');
  UPDATE tenancy.tasks SET status = 'in_progress' WHERE id = pg_temp.id(k || ':task');
  INSERT INTO tenancy.comments (organization_id, id, task_id, author_id, body)
    VALUES (org, pg_temp.id(k || ':comment'), pg_temp.id(k || ':task'), usr, 'Looks good, ' || k);
  INSERT INTO tenancy.invitations (organization_id, id, email, role, token_hash, expires_at, accepted_at, invited_by_id)
    VALUES (org, pg_temp.id(k || ':invitation'), 'invitee-' || k || '@example.test', 'MEMBER',
            convert_to('invite-' || k, 'UTF8'), '2030-01-01 00:00+00', '2024-01-03 00:00+00', usr);
  INSERT INTO tenancy.issues (organization_id, id, project_id, fingerprint, title, events_count, users_affected,
                              first_seen_at, last_seen_at)
    VALUES (org, pg_temp.id(k || ':issue'), pg_temp.id(k || ':project'), 'fp-' || k, 'TypeError', 2, 1,
            '2024-01-01 10:00+00', '2024-01-02 10:00+00');
  INSERT INTO tenancy.events (organization_id, id, project_id, issue_id, occurred_at, user_identifier, payload) VALUES
    (org, pg_temp.id(k || ':event1'), pg_temp.id(k || ':project'), pg_temp.id(k || ':issue'), '2024-01-01 10:00+00',
     'visitor-1', '{"message": "TypeError", "line": 1}'),
    (org, pg_temp.id(k || ':event2'), pg_temp.id(k || ':project'), pg_temp.id(k || ':issue'), '2024-01-02 10:00+00',
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
  INSERT INTO tenancy.cost_ledger (organization_id, id, project_id, description, amount, currency, entry_date, created_by_id) VALUES
    (org, pg_temp.id(k || ':entry1'), pg_temp.id(k || ':project'), 'Hosting', 12.50, 'EUR', '2024-01-15', usr),
    (org, pg_temp.id(k || ':entry2'), NULL, 'Support', 100.00, 'USD', '2024-01-20', pg_temp.id('ux'));
  INSERT INTO tenancy.cost_ledger (organization_id, id, description, amount, currency, entry_date, created_by_id, reverses_entry_id)
    VALUES (org, pg_temp.id(k || ':reversal'), 'Hosting refunded', -12.50, 'EUR', '2024-01-16', usr, pg_temp.id(k || ':entry1'));
  INSERT INTO tenancy.audit_logs (organization_id, id, user_id, action, resource_type, resource_id, details, ip_address, user_agent)
    VALUES (org, pg_temp.id(k || ':audit'), usr, 'INSERT', 'projects', pg_temp.id(k || ':project'),
            '{"columns": ["name"]}', '192.0.2.1', 'curl/8'),
           (org, pg_temp.id(k || ':audit2'), pg_temp.id('ux'), 'login', NULL, NULL, '{}', NULL, NULL);
END $$;
SELECT pg_temp.fill(pg_temp.id('A'), pg_temp.id('ua'), 'A'), pg_temp.fill(pg_temp.id('B'), pg_temp.id('ub'), 'B');

-- Each organization's warehouse token, encrypted under its own context (bound to it).
SELECT tenancy.set_context(pg_temp.id('A'), NULL, NULL, false);
UPDATE tenancy.warehouse_connections SET access_token_encrypted = tenancy.encrypt_secret('dsn-token-A')
 WHERE organization_id = pg_temp.id('A');
SELECT tenancy.set_context(pg_temp.id('B'), NULL, NULL, false);
UPDATE tenancy.warehouse_connections SET access_token_encrypted = tenancy.encrypt_secret('dsn-token-B')
 WHERE organization_id = pg_temp.id('B');
SELECT tenancy.clear_context();

-- Sharing and cross-organization edges: one live share, one revoked.
INSERT INTO tenancy.org_shares (organization_id, id, grantee_org_id, scope, revoked_at) VALUES
  (pg_temp.id('B'), pg_temp.id('share:ledger'), pg_temp.id('A'), 'ledger', NULL),
  (pg_temp.id('B'), pg_temp.id('share:deps'), pg_temp.id('A'), 'dependencies', '2024-02-01 00:00+00');
INSERT INTO tenancy.dependencies (source_org_id, id, source_entity_id, target_org_id, target_entity_id, dependency_type, description) VALUES
  (pg_temp.id('A'), pg_temp.id('dep:A-B'), pg_temp.id('A:project'), pg_temp.id('B'), pg_temp.id('B:project'), 'runtime', 'calls the API'),
  (pg_temp.id('B'), pg_temp.id('dep:B-A'), pg_temp.id('B:project'), pg_temp.id('A'), pg_temp.id('A:project'), 'data', NULL);

-- User ux leaves: its ledger and audit rows keep their place with the user set to NULL.
DELETE FROM tenancy.users WHERE id = pg_temp.id('ux');

-- The application: a role granted with grant_app_role, and a tenant table of its own in a
-- schema watched by auto_rls (so it got the generated policies when it was created).
SELECT tenancy.grant_app_role('dump_app');
CREATE SCHEMA app;
SELECT tenancy.auto_rls('app');
CREATE TABLE app.notes (
  organization_id uuid NOT NULL REFERENCES tenancy.organizations (id) ON DELETE CASCADE,
  id int NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (organization_id, id)
);
GRANT USAGE ON SCHEMA app TO dump_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON app.notes TO dump_app;
INSERT INTO app.notes VALUES (pg_temp.id('A'), 1, 'first note of A'), (pg_temp.id('B'), 1, 'first note of B');
SQL
pass "fill dump_src"

# Every table of the schema holds rows (a new table not filled here fails this check).
empty=$(sql_rows dump_src "
  SELECT string_agg(c.relname, ', ' ORDER BY c.relname)
    FROM pg_class c
   WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p')
     AND (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %s', c.oid::regclass), false, true, '')))[1]::text::int = 0")
if [[ -z "$empty" ]]; then pass "every tenancy table has rows in dump_src"
else fail "every tenancy table has rows in dump_src" "empty: $empty"; fi
# app.notes got the generated policies from auto_rls.
if [[ "$(sql_rows dump_src "SELECT count(*) FROM pg_policy WHERE polrelid = 'app.notes'::regclass AND polname LIKE 'tenancy\_%'")" -ge 4 ]]; then
  pass "auto_rls isolated app.notes in dump_src"
else fail "auto_rls isolated app.notes in dump_src"; fi

src_fingerprint=$(fingerprint dump_src) || die "fingerprint dump_src"
src_catalog=$(catalog_facts dump_src) || die "catalog facts of dump_src"
echo "   $(wc -l <<<"$src_fingerprint") tables, $(awk '{s += $2} END {print s}' <<<"$src_fingerprint") rows"

# ---- 2. Dump and restores ----------------------------------------------------------------
echo "== pg_dump and pg_restore"
# pg_dump warns about "circular foreign-key constraints" for the tables that reference
# themselves (refresh_tokens.replaced_by_id, cost_ledger.reverses_entry_id): an extension's
# tables exist, with their foreign keys, before their rows are restored, as in a data-only
# dump. Harmless here: a table's rows are restored by one COPY, and the foreign-key checks of
# a statement run at its end, so the order of the rows within the table does not matter (the
# restores below prove it). Any other message fails the step.
if pg_dump -Fc -d dump_src -f "$WORK/dump_src.dump" 2>"$WORK/pg_dump.err"; then
  self_referencing=$(sql_rows dump_src "
    SELECT string_agg(DISTINCT c.conrelid::regclass::text, ' ') FROM pg_constraint c
     WHERE c.contype = 'f' AND c.conrelid = c.confrelid AND c.connamespace = 'tenancy'::regnamespace")
  unexpected=$(grep -v -e '^pg_dump: warning: there are circular foreign-key constraints on this table:$' \
                       -e '^pg_dump: hint: ' "$WORK/pg_dump.err" |
               grep -v -x -F -f <(for t in $self_referencing; do echo "pg_dump: detail: ${t#tenancy.}"; done))
  if [[ -z "$unexpected" ]]; then
    pass "pg_dump -Fc (circular foreign-key warnings only for self-referencing tables: ${self_referencing})"
  else die "pg_dump -Fc" "$(head -5 <<<"$unexpected")"; fi
else die "pg_dump -Fc" "$(head -5 "$WORK/pg_dump.err")"; fi

# Restores the dump into a new database $1; each further argument is one pg_restore run, its
# options separated by spaces (several runs: a restore by sections). Records the result.
restore() {
  local db="$1" run label
  shift
  label="$db: pg_restore"
  for run in "$@"; do label+=" ${run:-(no options)},"; done
  label="${label%,}"
  createdb "$db" || { fail "$label" "createdb failed"; return 1; }
  for run in "$@"; do
    # shellcheck disable=SC2086  # the options of one run are split on purpose
    if ! pg_restore --exit-on-error $run -d "$db" "$WORK/dump_src.dump" 2>"$WORK/$db.err" || [[ -s "$WORK/$db.err" ]]; then
      fail "$label" "$(head -5 "$WORK/$db.err" | tr '\n' ' ')"
      return 1
    fi
  done
  pass "$label"
}

# The warehouse tokens of A and B in database $1, each decrypted under its organization's context.
decrypted_secrets() {
  psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
\o /dev/null
SELECT tenancy.set_context(md5('dump_restore:A')::uuid, NULL, NULL, false);
\o
SELECT tenancy.decrypt_secret(access_token_encrypted) FROM tenancy.warehouse_connections
 WHERE organization_id = tenancy.current_org_id();
\o /dev/null
SELECT tenancy.set_context(md5('dump_restore:B')::uuid, NULL, NULL, false);
\o
SELECT tenancy.decrypt_secret(access_token_encrypted) FROM tenancy.warehouse_connections
 WHERE organization_id = tenancy.current_org_id();
SQL
}

# Compares database $1 with dump_src: the rows of every table, the encrypted secrets, then the
# catalog facts.
compare() {
  local db="$1" fp facts secrets
  fp=$(fingerprint "$db") || { fail "$db: fingerprint"; return; }
  if [[ "$fp" == "$src_fingerprint" ]]; then
    pass "$db: every table has the same row count and checksum ($(wc -l <<<"$fp") tables)"
  else
    fail "$db: rows differ from dump_src"
    diff <(echo "$src_fingerprint") <(echo "$fp") | sed 's/^/       /'
  fi
  secrets=$(decrypted_secrets "$db" 2>&1 | tr '\n' ' ')
  if [[ "$secrets" == "dsn-token-A dsn-token-B " ]]; then
    pass "$db: each organization's encrypted warehouse token decrypts after the restore"
  else
    fail "$db: encrypted warehouse tokens" "got '$secrets'"
  fi
  facts=$(catalog_facts "$db") || { fail "$db: catalog facts"; return; }
  if [[ "$facts" == "$src_catalog" ]]; then
    pass "$db: same policies, triggers, privileges and event triggers"
  else
    fail "$db: catalog facts differ from dump_src"
    diff <(echo "$src_catalog") <(echo "$facts") | sed 's/^/       /'
  fi
}

# Plain pg_restore: one transaction per object, in the archive's order.
if restore dump_dst ""; then compare dump_dst; fi
# pg_restore --single-transaction (-1): everything in one transaction. The auto_rls event
# trigger must leave the restored app.notes alone: its rows in auto_rls_schemas are restored
# before the table's ALTER TABLE ... ADD CONSTRAINT, which comes before the table's own
# ENABLE ROW LEVEL SECURITY and CREATE POLICY statements, all in the same transaction.
if restore dump_dst_single "--single-transaction"; then compare dump_dst_single; fi
# Parallel restore. pg_restore -j does not order the data of an extension's tables by their
# foreign keys (pg_dump records that order only as the archive's sequence, and the parallel
# workers load tables side by side), so a child table's COPY can run before its parent's
# and fail. A parallel restore therefore loads the data section without -j: schema and
# indexes in parallel, the rows in one pass.
if restore dump_dst_jobs "-j 4 --section=pre-data" "--section=data" "-j 4 --section=post-data"; then
  compare dump_dst_jobs
fi

# The restored application role still sees exactly its tenant's rows through the policies.
rows=$(sql_rows dump_dst "
  BEGIN;
  SELECT tenancy.set_context(md5('dump_restore:A')::uuid, md5('dump_restore:ua')::uuid);
  SET LOCAL ROLE dump_app;
  SELECT (SELECT count(*) FROM tenancy.projects) || ' ' || (SELECT count(*) FROM app.notes) || ' '
         || (SELECT count(*) FROM tenancy.cost_ledger);
  COMMIT;" | tail -1)
# A's project; A's note; A's 3 ledger entries and B's 3 (shared with A for 'ledger').
if [[ "$rows" == "1 1 6" ]]; then pass "dump_dst: the application role sees its tenant's rows (projects, notes, ledger: $rows)"
else fail "dump_dst: the application role sees its tenant's rows" "got '$rows', want '1 1 6'"; fi

# ---- 3. The DROP EXTENSION guard -----------------------------------------------------------
echo "== the DROP EXTENSION guard"
# Runs statements in a fresh session of database $1; prints stderr's first line, and fails when
# psql's exit status is not $2.
expect_status() {
  local db="$1" want="$2" label="$3"; shift 3
  local args=() s err status
  for s in "$@"; do args+=(-c "$s"); done
  err=$(psql -X -q -v ON_ERROR_STOP=1 -d "$db" "${args[@]}" 2>&1 >/dev/null)
  status=$?
  if [[ "$status" == "$want" ]]; then pass "$label${err:+ (${err%%$'\n'*})}"
  else fail "$label" "exit status $status, want $want${err:+: ${err%%$'\n'*}}"; fi
}
expect_status dump_dst 1 "dump_dst: DROP EXTENSION tenancy refused while tables hold rows" \
  "SET lc_messages = 'C'" "DROP EXTENSION tenancy CASCADE"
expect_status dump_dst 1 "dump_dst: DROP SCHEMA tenancy CASCADE refused" \
  "SET lc_messages = 'C'" "DROP SCHEMA tenancy CASCADE"
code=$(sql_rows dump_dst "
  DO \$\$ BEGIN DROP EXTENSION tenancy CASCADE; EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END \$\$;" 2>&1)
if [[ "$code" == *55000* ]]; then pass "dump_dst: the refusal is SQLSTATE 55000"
else fail "dump_dst: the refusal is SQLSTATE 55000" "got '$code'"; fi
if [[ "$(sql_rows dump_dst "SELECT count(*) FROM tenancy.organizations")" == 3 ]]; then
  pass "dump_dst: the data is still there"
else fail "dump_dst: the data is still there"; fi
# A fresh session: SET before the library is loaded (a placeholder the library then adopts).
expect_status dump_dst 0 "dump_dst: dropped with SET tenancy.allow_drop_with_data = on" \
  "SET tenancy.allow_drop_with_data = on" "DROP EXTENSION tenancy CASCADE"
left=$(sql_rows dump_dst "SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'tenancy') || ' '
                                 || (to_regclass('tenancy.organizations') IS NULL)")
if [[ "$left" == "0 true" ]]; then pass "dump_dst: the extension and its tables are gone"
else fail "dump_dst: the extension and its tables are gone" "got '$left'"; fi
# The setting is per session: the next drop (in another restored database) is refused again.
expect_status dump_dst_jobs 1 "dump_dst_jobs: refused again in a new session" "DROP EXTENSION tenancy CASCADE"
# Empty tables: nothing to lose, no setting needed.
createdb dump_empty || die "createdb dump_empty"
expect_status dump_empty 0 "dump_empty: CREATE EXTENSION tenancy" "CREATE EXTENSION tenancy"
expect_status dump_empty 0 "dump_empty: DROP EXTENSION tenancy with empty tables" "DROP EXTENSION tenancy"

echo "dump_restore: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
