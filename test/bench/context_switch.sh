#!/usr/bin/env bash
# Tenant-switch benchmark: what does switching the tenant context cost per transaction?
#
# One pgbench transaction = one tenant switch + one indexed primary-key read of a plain table
# (bench_items, 50 tenants x 200 rows). Four ways to switch, each as 50 script files (one per
# tenant, `-f file@1`, so pgbench picks a tenant at random without an extra lookup query):
#   naive           set_config('app.current_tenant_id', ...) + current_setting(...)::uuid
#   set_context     tenancy.set_context(org, user) (membership lookup) + tenancy.current_org_id()
#   token cached    SET LOCAL tenancy.context_token (verified once per backend, then cached)
#   token uncached  the same with tenancy.token_cache_size = 0 (Ed25519 verify every time)
# Rounds interleave the variants (rotating the start) to cancel drift; the median TPS of each
# variant is reported with its ratio to naive. A PL/pgSQL loop then times one uncached token
# verification directly (distinct tokens, cache off) minus the same loop with a cached token.
# Nothing here passes or fails on time: it prints what it measures and exits 0.
#
# Run (as root or a user who may run pg_virtualenv, with the extension installed):
#   bash test/bench/context_switch.sh
# Knobs: BENCH_SECONDS (10) per pgbench run, BENCH_ROUNDS (3), BENCH_CLIENTS (2),
#        BENCH_VERIFY_TOKENS (2000), BENCH_VERIFY_REPS (5), BENCH_PG_VERSION (15).
# It re-executes itself inside a throw-away cluster made by `pg_virtualenv -t`.
set -euo pipefail
# shellcheck source=test/bench/lib.sh
source "$(dirname "$0")/lib.sh"

PG_VERSION="${BENCH_PG_VERSION:-15}"
if [[ -z "${TENANCY_BENCH_IN_VIRTUALENV:-}" ]]; then
  export TENANCY_BENCH_IN_VIRTUALENV=1
  exec pg_virtualenv -t -v "$PG_VERSION" -o shared_buffers=256MB bash "$0" "$@"
fi

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
export PGDATABASE=tenancy_bench
SECONDS_PER_RUN="${BENCH_SECONDS:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
CLIENTS="${BENCH_CLIENTS:-2}"
VERIFY_TOKENS="${BENCH_VERIFY_TOKENS:-2000}"
VERIFY_REPS="${BENCH_VERIFY_REPS:-5}"
TENANTS=50
ROWS_PER_TENANT=200
VARIANTS=(naive set_context token_cached token_uncached)
declare -A LABEL=([naive]="naive" [set_context]="set_context" [token_cached]="token cached"
                  [token_uncached]="token uncached")
declare -A RUNS=()

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Runs SQL from stdin in the bench database, stopping at the first error; extra args go to psql.
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Prints one value (unaligned, tuples only) from the query given as $1.
sql_value() { psql -X -q -v ON_ERROR_STOP=1 -At -c "$1"; }

# Creates the database, the extension, 50 tenants with an ADMIN user each, the table and tokens.
setup_database() {
  createdb "$PGDATABASE"
  sql <<SQL
CREATE EXTENSION tenancy;
CREATE TABLE bench_tenants (n int PRIMARY KEY, org_id uuid NOT NULL, user_id uuid NOT NULL, token text);
INSERT INTO bench_tenants (n, org_id, user_id)
  SELECT g, gen_random_uuid(), gen_random_uuid() FROM generate_series(1, $TENANTS) g;
INSERT INTO tenancy.organizations (id, name, slug)
  SELECT org_id, 'Bench org ' || n, 'bench-org-' || n FROM bench_tenants;
INSERT INTO tenancy.users (id, email, full_name)
  SELECT user_id, 'bench-user-' || n || '@example.test', 'Bench user ' || n FROM bench_tenants;
INSERT INTO tenancy.organization_members (organization_id, user_id, role)
  SELECT org_id, user_id, 'ADMIN' FROM bench_tenants;

CREATE TABLE bench_items (organization_id uuid, id int, payload text, PRIMARY KEY (organization_id, id));
INSERT INTO bench_items
  SELECT t.org_id, i, md5(t.n || ':' || i) FROM bench_tenants t, generate_series(1, $ROWS_PER_TENANT) i;
ANALYZE bench_items;
ANALYZE bench_tenants;

CREATE TABLE bench_keys AS SELECT * FROM tenancy.generate_context_keypair();
SELECT format('ALTER DATABASE %I SET tenancy.context_public_keys = %L',
              current_database(), kid || ':' || public_key) FROM bench_keys
\gexec
UPDATE bench_tenants t
   SET token = tenancy.sign_context_token(k.secret_key, k.kid, t.org_id, t.user_id, 'ADMIN', '1 hour')
  FROM bench_keys k;

-- Elapsed microseconds of set_config('tenancy.context_token', tok, true) over every token.
CREATE FUNCTION bench_verify_loop(tokens text[]) RETURNS double precision
LANGUAGE plpgsql AS \$\$
DECLARE
  started timestamptz;
  tok text;
BEGIN
  started := clock_timestamp();
  FOREACH tok IN ARRAY tokens LOOP
    PERFORM set_config('tenancy.context_token', tok, true);
  END LOOP;
  RETURN extract(epoch FROM clock_timestamp() - started) * 1e6;
END
\$\$;
SQL
}

# Writes the 50 pgbench scripts of each variant into $WORK/<variant>/.
write_scripts() {
  local n org user token v
  for v in naive set_context token_cached; do mkdir -p "$WORK/$v"; done
  while IFS='|' read -r n org user token; do
    cat >"$WORK/naive/$n.sql" <<EOF
\set id random(1, $ROWS_PER_TENANT)
BEGIN;
SELECT set_config('app.current_tenant_id', '$org', true);
SELECT payload FROM bench_items WHERE organization_id = current_setting('app.current_tenant_id')::uuid AND id = :id;
END;
EOF
    cat >"$WORK/set_context/$n.sql" <<EOF
\set id random(1, $ROWS_PER_TENANT)
BEGIN;
SELECT tenancy.set_context('$org', '$user');
SELECT payload FROM bench_items WHERE organization_id = tenancy.current_org_id() AND id = :id;
END;
EOF
    cat >"$WORK/token_cached/$n.sql" <<EOF
\set id random(1, $ROWS_PER_TENANT)
BEGIN;
SET LOCAL tenancy.context_token = '$token';
SELECT payload FROM bench_items WHERE organization_id = tenancy.current_org_id() AND id = :id;
END;
EOF
  done < <(sql_value "SELECT n, org_id, user_id, token FROM bench_tenants ORDER BY n")
  # The uncached variant runs the same scripts; only the connection options differ.
  ln -s "$WORK/token_cached" "$WORK/token_uncached"
}

# Prints the connection options (PGOPTIONS) a variant runs with.
variant_options() {
  if [[ "$1" == token_uncached ]]; then echo "-c tenancy.token_cache_size=0"; else echo ""; fi
}

# Prints variant $1's row counts in transactions 1 and 2 of a fresh session, plus server warnings.
count_twice() {
  local txn="BEGIN; $2; SELECT 'rows', count(*) FROM bench_items WHERE organization_id = $3; END;"
  local counts
  counts=$(sql -At <<<"$txn
$txn" 2>"$WORK/sanity.err" | awk -F'|' '$1 == "rows" {printf "%s%s", sep, $2; sep = ", "}')
  printf '  %-15s rows seen in 1st, 2nd transaction of a fresh session: %s (of %d)\n' \
    "$1" "$counts" "$ROWS_PER_TENANT"
  sed 's/^/      server said: /' "$WORK/sanity.err"
}

# Checks each switch sees its tenant's rows (2nd transaction = pgbench's steady state), cache knob.
sanity_check() {
  local org user token cache
  IFS='|' read -r org user token < <(sql_value "SELECT org_id, user_id, token FROM bench_tenants WHERE n = 1")
  count_twice naive "SELECT set_config('app.current_tenant_id', '$org', true)" \
    "current_setting('app.current_tenant_id')::uuid"
  count_twice set_context "SELECT tenancy.set_context('$org', '$user')" "tenancy.current_org_id()"
  count_twice token "SET LOCAL tenancy.context_token = '$token'" "tenancy.current_org_id()"
  cache=$(PGOPTIONS="$(variant_options token_uncached)" sql_value "LOAD 'tenancy'; SHOW tenancy.token_cache_size")
  echo "  uncached runs have tenancy.token_cache_size = $cache" \
       "(default $(sql_value "LOAD 'tenancy'; SHOW tenancy.token_cache_size"))"
}

# Runs pgbench once for variant $1 and prints its TPS (without connection time).
run_pgbench() {
  local variant=$1 f
  local -a args=(-n -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_PER_RUN")
  for f in "$WORK/$variant"/*.sql; do args+=(-f "$f@1"); done
  PGOPTIONS="$(variant_options "$variant")" pgbench_tps "variant $variant" "${args[@]}"
}


# Runs all rounds, rotating the variant order each round, and stores every TPS in RUNS.
run_rounds() {
  local round i k variant tps
  for ((round = 0; round < ROUNDS; round++)); do
    for ((i = 0; i < ${#VARIANTS[@]}; i++)); do
      k=$(((round + i) % ${#VARIANTS[@]}))
      variant=${VARIANTS[$k]}
      tps=$(run_pgbench "$variant")
      RUNS[$variant]="${RUNS[$variant]:-} $(printf '%.1f' "$tps")"
      printf '  round %d  %-15s %10.1f tps\n' "$((round + 1))" "${LABEL[$variant]}" "$tps"
    done
  done
}

declare -A MEDIAN=()
# Prints the TPS table and the target ratios; sets MEDIAN[variant].
report_tps() {
  local variant ratio
  for variant in "${VARIANTS[@]}"; do
    # shellcheck disable=SC2086  # RUNS holds space-separated numbers
    MEDIAN[$variant]=$(median ${RUNS[$variant]})
  done
  printf '\n%-16s %12s %16s   %s\n' "variant" "median TPS" "ratio to naive" "runs (TPS)"
  for variant in "${VARIANTS[@]}"; do
    ratio=$(awk -v a="${MEDIAN[$variant]}" -v b="${MEDIAN[naive]}" 'BEGIN {printf "%.3f", a / b}')
    printf '%-16s %12.1f %16s  %s\n' "${LABEL[$variant]}" "${MEDIAN[$variant]}" "$ratio" "${RUNS[$variant]}"
  done
  echo
  awk -v a="${MEDIAN[set_context]}" -v b="${MEDIAN[naive]}" \
    'BEGIN {printf "set_context / naive = %.3f (target >= 0.90)\n", a / b}'
  awk -v a="${MEDIAN[token_cached]}" -v b="${MEDIAN[naive]}" \
    'BEGIN {printf "token cached / naive = %.3f (target >= 0.90)\n", a / b}'
}

# Times N uncached verifications (distinct tokens, cache off) minus N cached ones, in one session.
measure_verification() {
  local out
  out=$(sql -At <<SQL
LOAD 'tenancy';
CREATE TEMP TABLE verify_tokens AS
  SELECT array_agg(tenancy.sign_context_token(k.secret_key, k.kid, t.org_id, t.user_id, 'ADMIN',
                                              make_interval(secs => 3600 + g)) ORDER BY g) AS distinct_tokens,
         array_fill((SELECT token FROM bench_tenants WHERE n = 1), ARRAY[$VERIFY_TOKENS]) AS same_token
    FROM generate_series(1, $VERIFY_TOKENS) g
    JOIN bench_tenants t ON t.n = 1 + g % $TENANTS
   CROSS JOIN bench_keys k;
SELECT 'distinct', count(DISTINCT tok) FROM verify_tokens, unnest(distinct_tokens) tok;
CREATE TEMP TABLE verify_times (kind text, us double precision);
$(for ((r = 0; r < VERIFY_REPS; r++)); do cat <<REP
SET tenancy.token_cache_size = 0;
INSERT INTO verify_times SELECT 'uncached', bench_verify_loop(distinct_tokens) FROM verify_tokens;
SET tenancy.token_cache_size = 1024;
INSERT INTO verify_times SELECT 'cached', bench_verify_loop(same_token) FROM verify_tokens;
REP
done)
SELECT kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM verify_times GROUP BY kind;
SQL
  )
  local distinct uncached cached
  distinct=$(awk -F'|' '$1 == "distinct" {print $2}' <<<"$out")
  uncached=$(awk -F'|' '$1 == "uncached" {print $2}' <<<"$out")
  cached=$(awk -F'|' '$1 == "cached" {print $2}' <<<"$out")
  echo "direct measurement: $distinct distinct tokens, median of $VERIFY_REPS loops of $VERIFY_TOKENS set_config calls"
  awk -v u="$uncached" -v c="$cached" -v n="$VERIFY_TOKENS" 'BEGIN {
    printf "  loop, cache off, distinct tokens: %.2f us per set_config\n", u / n
    printf "  loop, cache on, same token:       %.2f us per set_config (baseline)\n", c / n
    printf "uncached verification: %.1f us per token (target < 100 us)\n", (u - c) / n
  }'
}

# Derives the extra per-transaction cost of uncached verification from the pgbench medians.
report_pgbench_extra() {
  awk -v u="${MEDIAN[token_uncached]}" -v c="${MEDIAN[token_cached]}" -v k="$CLIENTS" 'BEGIN {
    printf "from pgbench, (1/TPS_uncached - 1/TPS_cached) x %d clients: %.1f us extra per transaction\n",
           k, (1 / u - 1 / c) * k * 1e6
  }'
}

# Sets up, checks, runs the pgbench rounds, then the direct verification measurement.
main() {
  echo "== tenancy context-switch benchmark (PostgreSQL $(psql -X -At -d postgres -c 'SHOW server_version'), $(nproc) CPUs)"
  echo "   pgbench -n -M prepared -c $CLIENTS -j $CLIENTS -T $SECONDS_PER_RUN, $ROUNDS rounds, $TENANTS tenants x $ROWS_PER_TENANT rows"
  setup_database
  write_scripts
  echo "== sanity (tenant 1, fresh sessions)"
  sanity_check
  echo "== pgbench rounds"
  run_rounds
  report_tps
  echo
  echo "== uncached verification cost"
  measure_verification
  report_pgbench_extra
}

main
