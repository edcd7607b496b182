#!/usr/bin/env bash
# ALTER EXTENSION tenancy UPDATE, from the first released version to the current one.
#
# 1. Every released version (upgrade/released.sha256) can be installed with CREATE EXTENSION
#    ... VERSION, and PostgreSQL finds an update path from each to the current version.
# 2. Database "upgraded": the first released version, sample data written through it (users,
#    organizations, members, a share, ledger entries in two currencies with fx rates, a
#    reversal, dependencies, audit rows), its answers recorded (ledger_summary in several
#    forms, closure, cycles, order), then ALTER EXTENSION tenancy UPDATE.
#    Database "fresh": CREATE EXTENSION tenancy at the current version.
# 3. Same catalog: `pg_dump --schema-only --binary-upgrade` of the two (binary-upgrade mode
#    dumps the extension's member objects one by one, which a plain dump omits: it prints only
#    CREATE EXTENSION), with the lines naming OIDs (binary_upgrade_set_next_*) removed, is
#    identical; so is a catalog listing of every member object with its definition, owner,
#    ACL and comment (pg_describe_object, pg_get_functiondef, ...).
# 4. Data kept: every row of every tenancy table is the same before and after the update
#    (md5 of the ordered rows per table), and the recorded answers are the same.
#
# Run (as root or a user who may run pg_virtualenv, with the extension installed):
#   bash test/integration/upgrade.sh
# It re-executes itself inside a throw-away cluster made by `pg_virtualenv -t` on a free port.
# Prints one line per check, then `upgrade: N passed, M failed`; exits non-zero on any failure.
set -uo pipefail

PG_VERSION="${UPGRADE_PG_VERSION:-15}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

# shellcheck source=test/lib/throwaway_cluster.sh
source "$ROOT/test/lib/throwaway_cluster.sh"
reexec_in_throwaway_cluster upgrade "$@"

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
WORK="$(mktemp -d)"
trap '[[ -n ${UPGRADE_KEEP:-} ]] || rm -rf "$WORK"' EXIT

mapfile -t VERSIONS < <(awk '{print $1}' "$ROOT/upgrade/released.sha256")
FIRST=${VERSIONS[0]}
CURRENT=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$ROOT/tenancy.control")

passed=0
failed=0
# Records a passed check NAME.
pass() { passed=$((passed + 1)); echo "ok     $1"; }
# Records a failed check NAME [DETAIL].
fail() { failed=$((failed + 1)); echo "FAILED $1${2:+: $2}"; }
# Ends the run early: nothing after a failed setup step can be trusted.
die() {
  fail "$1" "${2:-}"
  echo "upgrade: $passed passed, $failed failed"
  exit 1
}
# Runs stdin's SQL in database $1, stopping at the first error; output discarded.
sql() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null; }
# Prints one value from query $2 in database $1.
value() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }

# 1. Each released version installs, and each has a path to the current one.
for version in "${VERSIONS[@]}"; do
  db="v_${version//./_}"
  createdb "$db" || die "createdb $db"
  if out=$(psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION tenancy VERSION '$version'" 2>&1); then
    pass "CREATE EXTENSION tenancy VERSION '$version'"
  else
    fail "CREATE EXTENSION tenancy VERSION '$version'" "$out"
  fi
  if [[ $version != "$CURRENT" ]]; then
    path=$(value "$db" "SELECT path FROM pg_extension_update_paths('tenancy') WHERE source = '$version' AND target = '$CURRENT'")
    if [[ -n $path ]]; then pass "update path $version -> $CURRENT: $path"; else fail "update path $version -> $CURRENT" "none"; fi
  fi
  dropdb "$db"
done

# 2. The first release with data, updated; the current version fresh.
createdb upgraded || die "createdb upgraded"
createdb fresh || die "createdb fresh"
sql fresh <<<"CREATE EXTENSION tenancy" || die "CREATE EXTENSION tenancy (fresh)"
sql upgraded <<SQL || die "sample data under $FIRST"
CREATE EXTENSION tenancy VERSION '$FIRST';
INSERT INTO tenancy.users (id, email, full_name) VALUES
  ('75706772-6164-6500-0000-00000000000a', 'ann@upgrade.test', 'Ann'),
  ('75706772-6164-6500-0000-00000000000b', 'bob@upgrade.test', 'Bob');
INSERT INTO tenancy.organizations (id, name, slug) VALUES
  ('75706772-6164-6500-0000-0000000000a1', 'Acme', 'acme'),
  ('75706772-6164-6500-0000-0000000000b1', 'Beta', 'beta');
INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES
  ('75706772-6164-6500-0000-0000000000a1', '75706772-6164-6500-0000-00000000000a', 'OWNER'),
  ('75706772-6164-6500-0000-0000000000b1', '75706772-6164-6500-0000-00000000000b', 'OWNER');
INSERT INTO tenancy.fx_rates (base, quote, rate_date, rate) VALUES
  ('EUR', 'USD', '2024-01-01', 1.10), ('EUR', 'USD', '2024-03-01', 1.0825),
  ('USD', 'EUR', '2024-01-01', 0.91);
SELECT tenancy.set_context('75706772-6164-6500-0000-0000000000b1', '75706772-6164-6500-0000-00000000000b', is_local => false);
SELECT tenancy.share_with('75706772-6164-6500-0000-0000000000a1', 'ledger');
SELECT tenancy.share_with('75706772-6164-6500-0000-0000000000a1', 'dependencies');
SELECT tenancy.record_cost(19.99 * k, 'EUR', date '2024-01-01' + k * 5, 'beta ' || k) FROM generate_series(1, 20) k;
SELECT tenancy.add_dependency('75706772-6164-6500-0000-0000000000e1', '75706772-6164-6500-0000-0000000000a1',
                              '75706772-6164-6500-0000-0000000000e2', 'runtime');
SELECT tenancy.set_context('75706772-6164-6500-0000-0000000000a1', '75706772-6164-6500-0000-00000000000a', is_local => false);
SELECT tenancy.record_cost(100.05 * k, CASE WHEN k % 2 = 0 THEN 'USD' ELSE 'EUR' END, date '2024-01-03' + k * 7, 'acme ' || k)
  FROM generate_series(1, 30) k;
SELECT tenancy.reverse_entry((SELECT id FROM tenancy.cost_ledger WHERE description = 'acme 3'), 'typo');
SELECT tenancy.add_dependency('75706772-6164-6500-0000-0000000000e2', '75706772-6164-6500-0000-0000000000a1',
                              '75706772-6164-6500-0000-0000000000e3', 'build');
SELECT tenancy.add_dependency('75706772-6164-6500-0000-0000000000e3', '75706772-6164-6500-0000-0000000000a1',
                              '75706772-6164-6500-0000-0000000000e2', 'data');
SELECT tenancy.log_event('upgrade.test', 'test', NULL, '{"step": "before"}');
SQL

# The answers an application sees, as the text of each query's ordered rows (as Acme's owner).
answers() {
  psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=terse -At -d "$1" <<'SQL'
\o /dev/null
SELECT tenancy.set_context('75706772-6164-6500-0000-0000000000a1', '75706772-6164-6500-0000-00000000000a', is_local => false);
\o
SELECT 'summary', s::text FROM tenancy.ledger_summary('2024-01-01', '2024-12-31') s;
SELECT 'by month', s::text FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization,period}', 'month') s;
SELECT 'in USD', s::text FROM tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization}', 'quarter', 'USD') s;
SELECT 'narrowed', s::text FROM tenancy.ledger_summary('2024-02-01', '2024-06-30', '{currency}', NULL, NULL,
                                                      ARRAY['75706772-6164-6500-0000-0000000000b1']::uuid[]) s;
SELECT 'closure', c::text FROM tenancy.dependency_closure('75706772-6164-6500-0000-0000000000b1', '75706772-6164-6500-0000-0000000000e1') c;
SELECT 'cycles', c::text FROM tenancy.dependency_cycles() c;
SELECT 'no fx', tenancy.ledger_summary('2024-01-01', '2024-12-31', '{organization}', NULL, 'GBP')::text;
SQL
}

# md5 of each tenancy table's rows, in a fixed order.
fingerprints() {
  psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" <<'SQL'
DO $$
DECLARE
  t regclass;
  digest text;
BEGIN
  FOR t IN SELECT c.oid::regclass FROM pg_class c
            WHERE c.relnamespace = 'tenancy'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY c.relname LOOP
    EXECUTE format('SELECT md5(coalesce(string_agg(r::text, E''\n'' ORDER BY r::text), '''')) || '' '' || count(*) FROM %s r', t)
      INTO digest;
    RAISE NOTICE '% %', t, digest;
  END LOOP;
END $$;
SQL
}

before_answers=$(answers upgraded 2>&1)
before_rows=$(fingerprints upgraded 2>&1)
grep -q 'no fx rate' <<<"$before_answers" && pass "answers recorded under $FIRST (the missing-rate error included)" ||
  fail "answers recorded under $FIRST" "$before_answers"

if out=$(psql -X -q -v ON_ERROR_STOP=1 -d upgraded -c "ALTER EXTENSION tenancy UPDATE" 2>&1); then
  pass "ALTER EXTENSION tenancy UPDATE ($FIRST -> $CURRENT)"
else
  die "ALTER EXTENSION tenancy UPDATE" "$out"
fi
version=$(value upgraded "SELECT extversion FROM pg_extension WHERE extname = 'tenancy'")
[[ $version == "$CURRENT" ]] && pass "extversion is $CURRENT" || fail "extversion" "$version"

# 3. Same catalog.
# The schema as pg_dump --binary-upgrade prints it, without what names a particular cluster:
# OID assignments and the config tables' OIDs (binary_upgrade_*), transaction ids
# (relfrozenxid, then the toast table's OID), and the dump's random \restrict key.
schema_dump() {
  pg_dump --schema-only --binary-upgrade -d "$1" |
    grep -v -E 'binary_upgrade_|relfrozenxid|^WHERE oid = .[0-9]+.;$|^\\(un)?restrict |^-- Dumped (from|by)'
}
schema_dump upgraded >"$WORK/upgraded.sql"
schema_dump fresh >"$WORK/fresh.sql"
members=$(grep -c 'ALTER EXTENSION tenancy ADD' "$WORK/fresh.sql")
if diff -u "$WORK/fresh.sql" "$WORK/upgraded.sql" >"$WORK/schema.diff"; then
  pass "pg_dump --schema-only --binary-upgrade: identical ($members member objects, $(wc -l <"$WORK/fresh.sql") lines)"
else
  fail "pg_dump --schema-only --binary-upgrade differs" "$(head -40 "$WORK/schema.diff")"
fi
((members > 100)) && pass "the dump lists the extension's members one by one ($members)" ||
  fail "the dump lists the extension's members" "$members"

# Every member object with its definition, owner, ACL and comment.
catalog() {
  psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" <<'SQL'
SELECT pg_describe_object(d.classid, d.objid, 0) || ' | ' ||
       coalesce(CASE d.classid
         WHEN 'pg_proc'::regclass THEN (SELECT pg_get_functiondef(p.oid) || ' acl=' || coalesce(p.proacl::text, '') ||
                                               ' owner=' || p.proowner::regrole::text || ' parallel=' || p.proparallel::text ||
                                               ' cost=' || p.procost::text FROM pg_proc p WHERE p.oid = d.objid AND p.prokind <> 'a')
         WHEN 'pg_class'::regclass THEN (SELECT c.relkind::text || ' acl=' || coalesce(c.relacl::text, '') || ' rls=' ||
                                                c.relrowsecurity::text || c.relforcerowsecurity::text ||
                                                ' cols=' || (SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) ||
                                                                               ':' || a.attnotnull::text || ':' ||
                                                                               coalesce(pg_get_expr(ad.adbin, ad.adrelid), ''), ',' ORDER BY a.attnum)
                                                             FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                                                            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
                                         FROM pg_class c WHERE c.oid = d.objid)
         WHEN 'pg_type'::regclass THEN (SELECT format_type(t.oid, NULL) || ' ' || t.typtype::text FROM pg_type t WHERE t.oid = d.objid)
       END, '') || ' | ' || coalesce(obj_description(d.objid, d.classid::regclass::text), '')
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'tenancy') AND d.deptype = 'e'
UNION ALL
SELECT 'constraint ' || conrelid::regclass || '.' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'tenancy'::regnamespace
UNION ALL
SELECT 'index ' || indexrelid::regclass || ' ' || pg_get_indexdef(indexrelid) FROM pg_index
 WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'tenancy'::regnamespace)
UNION ALL
SELECT 'policy ' || schemaname || '.' || tablename || '.' || policyname || ' ' || cmd || ' ' ||
       coalesce(qual, '') || ' ' || coalesce(with_check, '') || ' ' || roles::text
  FROM pg_policies WHERE schemaname = 'tenancy'
UNION ALL
SELECT 'trigger ' || tgrelid::regclass || '.' || tgname || ' ' || pg_get_triggerdef(oid) FROM pg_trigger
 WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'tenancy'::regnamespace)
UNION ALL
SELECT 'config dump ' || unnest(extconfig)::regclass || ' ' || array_to_string(extcondition, ',')
  FROM pg_extension WHERE extname = 'tenancy'
ORDER BY 1;
SQL
}
catalog upgraded >"$WORK/upgraded.catalog"
catalog fresh >"$WORK/fresh.catalog"
if diff -u "$WORK/fresh.catalog" "$WORK/upgraded.catalog" >"$WORK/catalog.diff"; then
  pass "catalog listing identical ($(wc -l <"$WORK/fresh.catalog") lines: members, constraints, indexes, policies, triggers)"
else
  fail "catalog listing differs" "$(head -40 "$WORK/catalog.diff")"
fi

# 4. Data kept, answers kept.
after_rows=$(fingerprints upgraded 2>&1)
tables=$(grep -c NOTICE <<<"$after_rows")
[[ $before_rows == "$after_rows" ]] && pass "every row of the $tables tenancy tables kept" ||
  fail "rows changed by the update" "$(diff <(echo "$before_rows") <(echo "$after_rows") | head -20)"
grep -q 'cost_ledger [0-9a-f]* 51$' <<<"$after_rows" && pass "the 51 ledger entries are there" ||
  fail "ledger entries" "$(grep cost_ledger <<<"$after_rows")"
after_answers=$(answers upgraded 2>&1)
[[ $before_answers == "$after_answers" ]] &&
  pass "answers identical before and after ($(wc -l <<<"$after_answers") lines: summaries, conversion, closure, cycles, errors)" ||
  fail "answers changed" "$(diff <(echo "$before_answers") <(echo "$after_answers") | head -20)"

echo "upgrade: $passed passed, $failed failed"
((failed == 0))
