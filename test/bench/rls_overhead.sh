#!/usr/bin/env bash
# RLS overhead benchmark: what does tenancy's generated row-level security cost a query, against
# the same query with an explicit tenant filter and against the naive current_setting() policy?
#
# Data: a tasks-like table of 1,000,000 rows over 1,000 organizations (1,000 rows and 20 projects
# per organization, ids contiguous per organization), PRIMARY KEY (organization_id, id) and an
# index (organization_id, project_id). Three copies of the same data, one per variant:
#   rls     bench_tasks_rls: tenancy.enable_rls(); each transaction calls
#           tenancy.set_context(org) (service context, no user) and queries without a tenant filter
#   plain   bench_tasks_plain: no RLS, no tenant switch; the query says WHERE organization_id = org
#   naive   bench_tasks_naive: ENABLE + FORCE RLS with the policy
#           USING (organization_id = current_setting('app.current_tenant_id')::uuid); each
#           transaction calls set_config('app.current_tenant_id', org, true), no tenant filter
# All variants build the org uuid text from pgbench's integer :k with the same expression.
# Queries run as bench_app (LOGIN, not the owner, not a superuser). One pgbench transaction =
# BEGIN; [tenant switch;] one query; END. Three queries, each benchmarked for every variant:
#   point   primary-key lookup            WHERE id = :id
#   range   50 rows of one organization   WHERE id BETWEEN :start AND :start + 49 ORDER BY id
#   count   rows per project              SELECT project_id, count(*) ... GROUP BY project_id
# Before timing it checks that the variants return the same rows for one organization and shows
# the plans. Rounds interleave the variants (rotating the start) to cancel drift; the median TPS
# of each (query, variant) is reported with its ratio to plain and to naive.
# Nothing here passes or fails on time: it prints what it measures and exits 0.
#
# Run (as root or a user who may run pg_virtualenv, with the extension installed):
#   bash test/bench/rls_overhead.sh
# Knobs: BENCH_SECONDS (8) per pgbench run, BENCH_ROUNDS (3), BENCH_CLIENTS (2),
#        BENCH_PG_VERSION (15).
# It re-executes itself inside a throw-away cluster made by `pg_virtualenv -t`.
set -euo pipefail
# shellcheck source=test/bench/lib.sh
source "$(dirname "$0")/lib.sh"

PG_VERSION="${BENCH_PG_VERSION:-15}"
if [[ -z "${TENANCY_BENCH_IN_VIRTUALENV:-}" ]]; then
  export TENANCY_BENCH_IN_VIRTUALENV=1
  # The three tables with their indexes (~420 MB) fit in shared buffers and are prewarmed.
  exec pg_virtualenv -t -v "$PG_VERSION" -o shared_buffers=1GB bash "$0" "$@"
fi

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
export PGDATABASE=tenancy_bench
SECONDS_PER_RUN="${BENCH_SECONDS:-5}"
ROUNDS="${BENCH_ROUNDS:-3}"
CLIENTS="${BENCH_CLIENTS:-2}"
ORGS=1000
ROWS_PER_ORG=1000
PROJECTS_PER_ORG=20
RANGE_ROWS=50
APP_ROLE=bench_app
CHECK_ORG=7 # the organization of the correctness check

VARIANTS=(rls plain naive)
QUERIES=(point range count)
MODES=(session pipelined roundtrips)
declare -A TABLE=([rls]=bench_tasks_rls [plain]=bench_tasks_plain [naive]=bench_tasks_naive)
declare -A RUNS=() MEDIAN=()

# The org uuid's text from pgbench's integer :k; every variant evaluates exactly this.
ORG_TEXT="'00000000-0000-4000-8000-' || lpad(to_hex(:k::int), 12, '0')"
# The same mapping for the data load (k is a column there).
ORG_OF_K="('00000000-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid"
COLUMNS="id, project_id, title, status, created_at"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Runs SQL from stdin in the bench database as the owner, stopping at the first error.
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Prints one value (unaligned, tuples only) from the query given as $1.
sql_value() { psql -X -q -v ON_ERROR_STOP=1 -At -c "$1"; }

# Creates the extension, the organizations, the three tables, their policies and bench_app.
setup_database() {
  createdb "$PGDATABASE"
  sql -v app_password="${PGPASSWORD:-}" <<SQL
CREATE EXTENSION tenancy;
CREATE EXTENSION pg_prewarm;
INSERT INTO tenancy.organizations (id, name, slug)
  SELECT $ORG_OF_K, 'Bench org ' || k, 'bench-org-' || k FROM generate_series(1, $ORGS) k;

CREATE TABLE bench_tasks_rls (
  organization_id uuid NOT NULL,
  id bigint NOT NULL,
  project_id int NOT NULL,
  title text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE bench_tasks_plain (LIKE bench_tasks_rls);
CREATE TABLE bench_tasks_naive (LIKE bench_tasks_rls);
-- Organization k owns ids (k-1)*$ROWS_PER_ORG + 1 .. k*$ROWS_PER_ORG and projects 1..$PROJECTS_PER_ORG.
INSERT INTO bench_tasks_rls
  SELECT $ORG_OF_K, (k - 1) * $ROWS_PER_ORG + i, 1 + (i - 1) % $PROJECTS_PER_ORG,
         'Task ' || i || ' of org ' || k, (ARRAY['todo', 'doing', 'review', 'done'])[1 + i % 4],
         timestamptz '2024-01-01 00:00+00' + ((k - 1) * $ROWS_PER_ORG + i) * interval '1 minute'
    FROM generate_series(1, $ORGS) k, generate_series(1, $ROWS_PER_ORG) i;
INSERT INTO bench_tasks_plain SELECT * FROM bench_tasks_rls;
INSERT INTO bench_tasks_naive SELECT * FROM bench_tasks_rls;
ALTER TABLE bench_tasks_rls ADD PRIMARY KEY (organization_id, id);
ALTER TABLE bench_tasks_plain ADD PRIMARY KEY (organization_id, id);
ALTER TABLE bench_tasks_naive ADD PRIMARY KEY (organization_id, id);
CREATE INDEX bench_tasks_rls_project_idx ON bench_tasks_rls (organization_id, project_id);
CREATE INDEX bench_tasks_plain_project_idx ON bench_tasks_plain (organization_id, project_id);
CREATE INDEX bench_tasks_naive_project_idx ON bench_tasks_naive (organization_id, project_id);
VACUUM ANALYZE bench_tasks_rls;
VACUUM ANALYZE bench_tasks_plain;
VACUUM ANALYZE bench_tasks_naive;
VACUUM ANALYZE tenancy.organizations;

-- Variant rls: the extension's policies (its DROP POLICY IF EXISTS notices are not of interest).
SET client_min_messages = warning;
SELECT tenancy.enable_rls('bench_tasks_rls') IS NOT NULL AS enabled \gset
RESET client_min_messages;
-- Variant naive: the seed document's policy.
ALTER TABLE bench_tasks_naive ENABLE ROW LEVEL SECURITY;
ALTER TABLE bench_tasks_naive FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON bench_tasks_naive
  USING (organization_id = current_setting('app.current_tenant_id')::uuid);

CREATE ROLE $APP_ROLE LOGIN PASSWORD :'app_password';
GRANT SELECT ON bench_tasks_rls, bench_tasks_plain, bench_tasks_naive TO $APP_ROLE;
GRANT EXECUTE ON FUNCTION tenancy.set_context(uuid, uuid, tenancy.org_role, boolean) TO $APP_ROLE;
SQL
}

# Writes out the load's dirty buffers (else the checkpoint it triggered spreads them over the
# first minutes of timing), then loads the three tables and their indexes into shared buffers.
prewarm() {
  sql_value "CHECKPOINT" >/dev/null
  sql_value "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c
               WHERE c.relname LIKE 'bench_tasks_%' AND c.relkind IN ('r', 'i')"
}

# Prints the tenant-switch statement of variant $1 (none for plain); $2 = local (this
# transaction) or session (this connection).
switch_sql() {
  local is_local=true
  [[ ${2:-local} == session ]] && is_local=false
  case $1 in
    rls) echo "SELECT tenancy.set_context(($ORG_TEXT)::uuid, is_local => $is_local);" ;;
    naive) echo "SELECT set_config('app.current_tenant_id', $ORG_TEXT, $is_local);" ;;
    plain) ;;
  esac
}

# Prints query $2 of variant $1; plain carries the tenant filter itself.
query_sql() {
  local table=${TABLE[$1]} org_and=""
  [[ $1 == plain ]] && org_and="organization_id = ($ORG_TEXT)::uuid AND "
  case $2 in
    point) echo "SELECT $COLUMNS FROM $table WHERE ${org_and}id = :id;" ;;
    range) echo "SELECT $COLUMNS FROM $table WHERE ${org_and}id BETWEEN :start AND :stop ORDER BY id;" ;;
    count)
      if [[ $1 == plain ]]; then
        echo "SELECT project_id, count(*) FROM $table WHERE organization_id = ($ORG_TEXT)::uuid GROUP BY project_id;"
      else
        echo "SELECT project_id, count(*) FROM $table GROUP BY project_id;"
      fi ;;
  esac
}

# Prints the pgbench meta-commands choosing the variables of query $1; in mode session ($2)
# each client keeps one organization (its context is bound once per connection).
variables_sql() {
  if [[ ${2:-} == session ]]; then
    echo "\\set k :client_id % $ORGS + 1"
  else
    echo "\\set k random(1, $ORGS)"
  fi
  case $1 in
    point) echo "\\set id (:k - 1) * $ROWS_PER_ORG + random(1, $ROWS_PER_ORG)" ;;
    range)
      echo "\\set start (:k - 1) * $ROWS_PER_ORG + random(1, $((ROWS_PER_ORG - RANGE_ROWS + 1)))"
      echo "\\set stop :start + $((RANGE_ROWS - 1))" ;;
    count) ;;
  esac
}

# Writes $WORK/<query>_<variant>_<mode>.sql (pgbench) and $WORK/check_<query>_<variant>.sql
# (psql). Mode "pipelined" sends the whole transaction in one round trip (\startpipeline), as a
# driver with pipelining does; mode "roundtrips" waits for each statement.
write_scripts() {
  local q v switch mode
  for q in "${QUERIES[@]}"; do
    for v in "${VARIANTS[@]}"; do
      switch=$(switch_sql "$v")
      for mode in "${MODES[@]}"; do
        {
          variables_sql "$q" "$mode"
          if [[ $mode == session ]]; then
            # The context is bound on the connection's first transaction only (-D bound=0).
            if [[ -n $switch ]]; then
              echo "\\if :bound = 0"
              switch_sql "$v" session
              echo "\\set bound 1"
              echo "\\endif"
            fi
            query_sql "$v" "$q"
            continue
          fi
          [[ $mode == pipelined ]] && echo "\\startpipeline"
          echo "BEGIN;"
          [[ -n $switch ]] && echo "$switch"
          query_sql "$v" "$q"
          echo "END;"
          [[ $mode == pipelined ]] && echo "\\endpipeline"
        } >"$WORK/${q}_${v}_${mode}.sql"
      done
      {
        echo "BEGIN;"
        echo "\\o /dev/null"
        [[ -n $switch ]] && echo "$switch"
        echo "\\o"
        query_sql "$v" "$q"
        echo "END;"
      } >"$WORK/check_${q}_${v}.sql"
    done
  done
}

# Psql variables of the correctness check: org CHECK_ORG, a fixed id and range inside it.
CHECK_BASE=$(((CHECK_ORG - 1) * ROWS_PER_ORG))
CHECK_VARS=(-v "k=$CHECK_ORG" -v "id=$((CHECK_BASE + 123))"
            -v "start=$((CHECK_BASE + 401))" -v "stop=$((CHECK_BASE + 400 + RANGE_ROWS))")

# Runs the check script of query $1, variant $2 as bench_app; prints its rows (sorted for count).
check_rows() {
  local out
  out=$(PGUSER=$APP_ROLE psql -X -q -v ON_ERROR_STOP=1 -At "${CHECK_VARS[@]}" -f "$WORK/check_${1}_${2}.sql")
  if [[ $1 == count ]]; then sort -t'|' -k1,1n <<<"$out"; else echo "$out"; fi
}

# Compares each query's rows across the variants for org CHECK_ORG; shows what RLS hides.
correctness_check() {
  local q v rows summary reference identical
  for q in "${QUERIES[@]}"; do
    summary="" identical=yes reference=""
    for v in "${VARIANTS[@]}"; do
      rows=$(check_rows "$q" "$v")
      if [[ $q == count ]]; then
        summary+=$(awk -F'|' -v v="$v" 'NF {n++; t += $2} END {printf "  %s: %d projects, total %d", v, n, t}' <<<"$rows")
      else
        summary+=$(awk -v v="$v" 'NF {n++} END {printf "  %s: %d row%s", v, n, n == 1 ? "" : "s"}' <<<"$rows")
      fi
      [[ $v == "${VARIANTS[0]}" ]] && reference=$rows
      [[ $rows == "$reference" ]] || identical=NO
    done
    printf '  %-5s%s   identical: %s\n' "$q" "$summary" "$identical"
  done
  local other_id=$((CHECK_ORG * ROWS_PER_ORG + 1)) # first id of organization CHECK_ORG + 1
  rows=$(PGUSER=$APP_ROLE psql -X -q -v ON_ERROR_STOP=1 -At <<SQL
BEGIN;
\o /dev/null
SELECT tenancy.set_context(('00000000-0000-4000-8000-' || lpad(to_hex($CHECK_ORG), 12, '0'))::uuid);
\o
SELECT count(*) FROM bench_tasks_rls WHERE id = $other_id;
SELECT count(*) FROM bench_tasks_rls;
END;
SELECT count(*) FROM bench_tasks_rls;
SQL
  )
  local other_rows all_rows no_context_rows
  { read -r other_rows; read -r all_rows; read -r no_context_rows; } <<<"$rows"
  printf '  isolation (rls): id %d of org %d under org %d: %d rows; all rows under org %d: %d; without context: %d\n' \
    "$other_id" "$((CHECK_ORG + 1))" "$CHECK_ORG" "$other_rows" "$CHECK_ORG" "$all_rows" "$no_context_rows"
}

# Prints EXPLAIN (COSTS OFF) of query $1, variant $2 for org CHECK_ORG, as bench_app.
explain_query() {
  {
    echo "BEGIN;"
    echo "\\o /dev/null"
    switch_sql "$2"
    echo "\\o"
    echo "EXPLAIN (COSTS OFF) $(query_sql "$2" "$1")"
    echo "END;"
  } | PGUSER=$APP_ROLE psql -X -q -v ON_ERROR_STOP=1 -At "${CHECK_VARS[@]}"
}

# Shows the full plan of point/rls and the plan nodes of every other (query, variant).
show_plans() {
  local q v
  echo "  EXPLAIN (COSTS OFF) point query, variant rls, as $APP_ROLE after set_context(org $CHECK_ORG):"
  explain_query point rls | sed 's/^/    /'
  echo "  plan nodes of each query and variant (same parameters):"
  for q in "${QUERIES[@]}"; do
    for v in "${VARIANTS[@]}"; do
      printf '    %-5s %-5s %s\n' "$q" "$v" \
        "$(explain_query "$q" "$v" | grep -v '^ *\(Index Cond\|Group Key\|Filter\|Sort Key\|Recheck Cond\):' |
           sed 's/^ *\(-> *\)\{0,1\}//' | paste -sd'|' | sed 's/|/ -> /g')"
    done
  done
}

# Runs pgbench once for query $1, variant $2, mode $3 as bench_app; prints its TPS.
run_pgbench() {
  PGUSER=$APP_ROLE pgbench_tps "query $1, variant $2, mode $3" -n -M prepared -D bound=0 \
    -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_PER_RUN" -f "$WORK/${1}_${2}_${3}.sql"
}


# Runs all rounds; within a round each query's variants run in an order rotated by the round.
run_rounds() {
  local round q i v tps mode
  for ((round = 0; round < ROUNDS; round++)); do
    for mode in "${MODES[@]}"; do
      for q in "${QUERIES[@]}"; do
        for ((i = 0; i < ${#VARIANTS[@]}; i++)); do
          v=${VARIANTS[$(((round + i) % ${#VARIANTS[@]}))]}
          tps=$(run_pgbench "$q" "$v" "$mode")
          RUNS[$mode/$q/$v]="${RUNS[$mode/$q/$v]:-} $(printf '%.1f' "$tps")"
          printf '  round %d  %-10s %-5s %-5s %10.1f tps\n' "$((round + 1))" "$mode" "$q" "$v" "$tps"
        done
      done
    done
  done
}


# Prints the TPS table of mode $1.
report_mode() {
  local mode=$1 q v
  for q in "${QUERIES[@]}"; do
    for v in "${VARIANTS[@]}"; do
      # shellcheck disable=SC2086  # RUNS holds space-separated numbers
      MEDIAN[$mode/$q/$v]=$(median ${RUNS[$mode/$q/$v]})
    done
  done
  printf '\n%s\n%-6s %-8s %12s %10s %10s   %s\n' "mode $mode:" "query" "variant" "median TPS" \
    "vs plain" "vs naive" "runs (TPS)"
  for q in "${QUERIES[@]}"; do
    for v in "${VARIANTS[@]}"; do
      printf '%-6s %-8s %12.1f %10s %10s  %s\n' "$q" "$v" "${MEDIAN[$mode/$q/$v]}" \
        "$(ratio "${MEDIAN[$mode/$q/$v]}" "${MEDIAN[$mode/$q/plain]}")" \
        "$(ratio "${MEDIAN[$mode/$q/$v]}" "${MEDIAN[$mode/$q/naive]}")" "${RUNS[$mode/$q/$v]}"
    done
  done
}

# Prints the tables, the targets and the cost of a per-transaction switch. The targets compare
# the policies themselves (mode session: the context is bound once per connection, so every
# variant runs the same single statement per transaction); modes pipelined and roundtrips add
# a tenant switch to every transaction, which plain does not have.
report() {
  local mode q
  for mode in "${MODES[@]}"; do report_mode "$mode"; done
  echo
  for q in "${QUERIES[@]}"; do
    echo "rls/plain $q = $(ratio "${MEDIAN[session/$q/rls]}" "${MEDIAN[session/$q/plain]}") (target >= 0.95; policy only)"
  done
  for q in "${QUERIES[@]}"; do
    echo "rls/naive $q = $(ratio "${MEDIAN[session/$q/rls]}" "${MEDIAN[session/$q/naive]}") (target >= 1.00; policy only)"
  done
  for mode in pipelined roundtrips; do
    for q in "${QUERIES[@]}"; do
      echo "with a switch per transaction ($mode): rls/plain $q = $(ratio "${MEDIAN[$mode/$q/rls]}" "${MEDIAN[$mode/$q/plain]}"), rls/naive $q = $(ratio "${MEDIAN[$mode/$q/rls]}" "${MEDIAN[$mode/$q/naive]}")"
    done
  done
  echo
  echo "extra time per transaction of rls, (1/TPS_rls - 1/TPS_other) x $CLIENTS clients:"
  for mode in "${MODES[@]}"; do
    for q in "${QUERIES[@]}"; do
      awk -v r="${MEDIAN[$mode/$q/rls]}" -v p="${MEDIAN[$mode/$q/plain]}" -v n="${MEDIAN[$mode/$q/naive]}" \
          -v k="$CLIENTS" -v q="$q" -v m="$mode" 'BEGIN {
        printf "  %-10s %-5s vs plain %+7.1f us   vs naive %+7.1f us\n", m, q, (1 / r - 1 / p) * k * 1e6, (1 / r - 1 / n) * k * 1e6
      }'
    done
  done
  echo "(plain has no tenant-switch statement; with one round trip per statement, that is one round"
  echo " trip less per transaction than rls and naive, so roundtrips ratios to plain mostly measure it)"
}

# Sets up, checks, runs the pgbench rounds and reports.
main() {
  local started=$SECONDS
  echo "== tenancy RLS overhead benchmark (PostgreSQL $(psql -X -At -d postgres -c 'SHOW server_version'), $(nproc) CPUs)"
  echo "   pgbench -n -M prepared -c $CLIENTS -j $CLIENTS -T $SECONDS_PER_RUN, $ROUNDS rounds," \
       "$ORGS orgs x $ROWS_PER_ORG rows, $PROJECTS_PER_ORG projects per org, as $APP_ROLE"
  echo "== setup"
  setup_database
  echo "  loaded 3 x $(sql_value "SELECT count(*) FROM bench_tasks_plain") rows in $((SECONDS - started)) s;" \
       "bench_tasks_rls $(sql_value "SELECT pg_size_pretty(pg_relation_size('bench_tasks_rls'))") heap," \
       "$(sql_value "SELECT pg_size_pretty(pg_indexes_size('bench_tasks_rls'))") indexes;" \
       "prewarmed $(prewarm) blocks"
  write_scripts
  echo "== correctness (org $CHECK_ORG, as $APP_ROLE)"
  correctness_check
  echo "== plans"
  show_plans
  echo "== pgbench rounds"
  run_rounds
  report
  echo
  echo "total time $((SECONDS - started)) s"
}

main
