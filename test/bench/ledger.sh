#!/usr/bin/env bash
# Cost-ledger benchmark: what do money_sum, ledger_summary and record_cost cost against the plain
# SQL an application would otherwise write?
#
# Data: 10,000,000 entries in tenancy.cost_ledger over 1,000 organizations, 3 currencies (USD
# 50%, EUR 33%, GBP 17%) and 3 years (2022-2024), generated as the superuser with INSERT ...
# SELECT generate_series straight into the table (setseed, so every run has the same rows) by
# two sessions side by side, each loading every other row. They set session_replication_role =
# replica to skip the foreign-key triggers (every row references an existing organization, the
# other references are NULL); the indexes are maintained. Entries are in date order with the
# organizations interleaved, as an append-only ledger grows: one organization's year of entries
# lies on ~3,200 heap pages. Amounts are numeric(18,2) from 0.01 to 99,999.98, log-uniform (as
# many 1-, 2-, ... 7-digit cents values), 5% negative. bench_ledger(organization_id, amount,
# amount_cents bigint, currency, entry_date) is a plain copy of the same rows in the same order
# (the extension's table cannot get a bigint column); every aggregate of part 1 scans it, so all
# peers read identical rows.
#
# 1. Aggregates over bench_ledger: tenancy.money_sum(amount), sum(amount) (numeric),
#    sum(amount_cents) (bigint), count(*); serial (max_parallel_workers_per_gather = 0) and
#    parallel (2 workers besides the leader, parallel_setup_cost = parallel_tuple_cost = 0;
#    auto_explain shows the timed statement's plan: Partial Aggregate, workers launched).
#    Timing: a PL/pgSQL function takes clock_timestamp() around EXECUTE ... INTO (no EXPLAIN
#    instrumentation, no client round trip, no result transfer), run in one session after
#    pg_prewarm and warm-up runs, with jit off (BENCH_JIT); repetitions interleave the
#    aggregates (rotating the order) and the modes, the median is reported. Own cost = time -
#    count(*)'s time (the scan, visibility checks and tuple handling all aggregates share). Each
#    timed run's result is kept: money_sum(amount) must equal sum(amount) (as text: same display
#    scale) and sum(amount_cents) / 100, and a grouped check compares the three for every
#    (organization, currency) in parallel (combine, serialize, deserialize).
# 2. tenancy.ledger_summary(from, to, '{organization,currency}', 'month') over one year of one
#    organization (about 3,300 entries), against the hand-written
#      SELECT organization_id, date_trunc('month', entry_date::timestamp)::date, currency,
#             sum(amount), count(*)
#        FROM tenancy.cost_ledger WHERE entry_date BETWEEN ... GROUP BY 1, 2, 3
#    both as bench_app (a plain role given tenancy.grant_app_role and EXECUTE on set_context)
#    under RLS, the context set per transaction with tenancy.set_context(org, user) (a MEMBER),
#    checked to return the same rows. Informational third variant: the hand-written query with
#    tenancy.money_sum(amount), the aggregate ledger_summary uses, instead of sum(amount).
#    pgbench -M prepared, BENCH_SUMMARY_CLIENTS clients. The plans shown are each variant's 7th
#    execution in a session (PL/pgSQL's cached plan may be generic by then).
# 3. tenancy.record_cost(amount, currency, date) against the plain
#      INSERT INTO tenancy.cost_ledger (organization_id, amount, currency, entry_date) VALUES (...)
#    of the same row, both as bench_app with set_context per transaction, BENCH_INSERT_CLIENTS
#    clients, each transaction picking one of 16 extra organizations (each with its own MEMBER
#    user) at random. grant_app_role gives the application no INSERT on cost_ledger (entries
#    come only from record_cost and reverse_entry, SECURITY DEFINER), so for this peer the
#    script grants bench_app INSERT on those four columns; the INSERT meets the RLS insert
#    policy, record_cost's own INSERT runs as the function's owner. Informational third
#    variant: the INSERT with RETURNING id (record_cost returns the id; RETURNING also applies
#    the select policy to the new row). The inserts go into the 10M-row table, whose indexes are
#    one level deeper than a small table's, the same for every variant; the extra organizations
#    keep the new entries out of the summary organization. Checked first: record_cost and the
#    INSERT write the same row (created_by_id included).
# pgbench parts: one transaction = BEGIN; set_context; one statement; COMMIT (the context is
# transaction-local). Rounds interleave the variants (rotating the start); many short runs
# rather than a few long ones, since the speed of a shared virtual machine drifts within
# seconds. The median TPS of each variant is reported with the ratios, and the median of the
# per-round ratios (variants measured side by side). A final table lists every ratio with its
# target. Nothing here passes or fails on time: it prints what it measures and exits 0.
#
# Run (as root or a user who may run pg_virtualenv, with the extension installed):
#   bash test/bench/ledger.sh
# Takes 10-12 minutes at the defaults on 2 cores, of which the load takes 4-5.
# Knobs: BENCH_ROWS (10000000), BENCH_ORGS (1000), BENCH_AGG_REPS (9) timed runs per aggregate
#        and mode, BENCH_JIT (off) for part 1, BENCH_SECONDS (5) per pgbench run, BENCH_ROUNDS
#        (9), BENCH_SUMMARY_CLIENTS (2), BENCH_INSERT_CLIENTS (8), BENCH_SHARED_BUFFERS (4GB),
#        BENCH_PG_VERSION (15), PGPORT (default: a free port is picked).
# It re-executes itself inside a throw-away cluster made by `pg_virtualenv -t` (with
# tenancy.create_key_file = on), on a free port so that it can run beside other clusters; if the
# cluster does not come up (a port taken meanwhile) it retries on another port.
set -euo pipefail
# shellcheck source=test/bench/lib.sh
source "$(dirname "$0")/lib.sh"

PG_VERSION="${BENCH_PG_VERSION:-15}"
SHARED_BUFFERS="${BENCH_SHARED_BUFFERS:-4GB}"

# shellcheck source=test/lib/free_port.sh
source "$(dirname "$0")/../lib/free_port.sh"

if [[ -z "${TENANCY_BENCH_IN_VIRTUALENV:-}" ]]; then
  export TENANCY_BENCH_IN_VIRTUALENV=1
  # The marker the inner run creates: without it a failed pg_virtualenv never got a cluster.
  TENANCY_BENCH_STARTED=$(mktemp -u -t tenancy_ledger_bench.XXXXXX)
  export TENANCY_BENCH_STARTED
  fixed_port=${PGPORT:-}
  for attempt in 1 2 3 4 5; do
    if [[ -n $fixed_port ]]; then
      PGPORT=$fixed_port
    else
      PGPORT=$(free_port) || { echo "ledger bench: no free port found" >&2; exit 1; }
    fi
    export PGPORT
    # Both tables with their indexes (~2.7 GB) fit in shared buffers and are prewarmed. Large
    # max_wal_size and checkpoint_timeout: no checkpoint during the load or the timing.
    rc=0
    pg_virtualenv -t -v "$PG_VERSION" -o "shared_buffers=$SHARED_BUFFERS" \
      -o tenancy.create_key_file=on -o max_wal_size=8GB -o checkpoint_timeout=1h \
      bash "$0" "$@" || rc=$?
    if [[ -e $TENANCY_BENCH_STARTED || -n $fixed_port ]]; then
      rm -f "$TENANCY_BENCH_STARTED"
      exit "$rc"
    fi
    echo "ledger bench: the cluster did not come up on port $PGPORT (attempt $attempt), retrying" >&2
  done
  exit 1
fi
[[ -n ${TENANCY_BENCH_STARTED:-} ]] && : >"$TENANCY_BENCH_STARTED"

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
export PGDATABASE=tenancy_bench
ROWS="${BENCH_ROWS:-10000000}"
ORGS="${BENCH_ORGS:-1000}"
AGG_REPS="${BENCH_AGG_REPS:-9}"
JIT="${BENCH_JIT:-off}"
SECONDS_PER_RUN="${BENCH_SECONDS:-5}"
ROUNDS="${BENCH_ROUNDS:-9}"
SUMMARY_CLIENTS="${BENCH_SUMMARY_CLIENTS:-2}"
INSERT_CLIENTS="${BENCH_INSERT_CLIENTS:-8}"
INSERT_ORGS=16     # organizations ORGS+1 .. ORGS+16, written by part 3
DAYS=1096          # 2022-01-01 .. 2024-12-31
SUMMARY_K=7        # the organization of part 2
SUMMARY_FROM=2023-01-01
SUMMARY_TO=2023-12-31
APP_ROLE=bench_app

AGGS=(count sum_bigint sum_numeric money_sum)
declare -A AGG_LABEL=([count]="count(*)" [sum_bigint]="sum(amount_cents) bigint"
                      [sum_numeric]="sum(amount) numeric" [money_sum]="money_sum(amount)")
declare -A AGG_SQL=([count]="SELECT count(*)::text FROM bench_ledger"
                    [sum_bigint]="SELECT sum(amount_cents)::text FROM bench_ledger"
                    [sum_numeric]="SELECT sum(amount)::text FROM bench_ledger"
                    [money_sum]="SELECT tenancy.money_sum(amount)::text FROM bench_ledger")
MODES=(serial parallel)
declare -A MODE_SQL=(
  [serial]="SET max_parallel_workers_per_gather = 0;"
  [parallel]="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;")
declare -A AGG_RUNS=() AGG_MEDIAN=() P1_OWN=() P1_E2E=() P1_OWN_PAIRED=() P1_E2E_PAIRED=()

SUMMARY_VARIANTS=(function handwritten handwritten_money_sum)
INSERT_VARIANTS=(record_cost insert insert_returning)
declare -A RUNS=() MEDIAN=()

# Organization k's id and the id of its (only) member user; the pgbench scripts build the same
# text from :k.
org_text() { echo "'00000000-0000-4000-8000-' || lpad(to_hex($1), 12, '0')"; }
user_text() { echo "'00000000-0000-4000-9000-' || lpad(to_hex($1), 12, '0')"; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Runs SQL from stdin in the bench database as the superuser, stopping at the first error.
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Prints one value (unaligned, tuples only) from the query given as $1.
sql_value() { psql -X -q -v ON_ERROR_STOP=1 -At -c "$1"; }

# Prints the median over i of a_i / b_i, or of (a_i - c_i) / (b_i - c_i) when a third list is
# given: $1, $2, $3 are space-separated lists in repetition order (paired runs: measured side by
# side, so slow drift of the machine cancels out).
paired_median() {
  # shellcheck disable=SC2046  # one ratio per word
  median $(awk -v a="$1" -v b="$2" -v c="${3:-}" 'BEGIN {
    n = split(a, A, " "); split(b, B, " "); split(c, C, " ")
    for (i = 1; i <= n; i++) print (c == "") ? A[i] / B[i] : (A[i] - C[i]) / (B[i] - C[i])
  }')
}

# Creates the extension, the organizations and members, bench_time and bench_app.
setup_database() {
  createdb "$PGDATABASE"
  sql -v app_password="${PGPASSWORD:-}" <<SQL
\\o /dev/null
CREATE EXTENSION tenancy;
CREATE EXTENSION pg_prewarm;
INSERT INTO tenancy.organizations (id, name, slug)
  SELECT ($(org_text k))::uuid, 'Bench org ' || k, 'bench-org-' || k
    FROM generate_series(1, $ORGS + $INSERT_ORGS) k;
-- One MEMBER user for the summary organization and one for each organization of part 3.
INSERT INTO tenancy.users (id, email, full_name)
  SELECT ($(user_text k))::uuid, 'bench-user-' || k || '@example.test', 'Bench user ' || k
    FROM (SELECT $SUMMARY_K AS k UNION ALL SELECT generate_series($ORGS + 1, $ORGS + $INSERT_ORGS)) s;
INSERT INTO tenancy.organization_members (organization_id, user_id, role)
  SELECT ($(org_text k))::uuid, ($(user_text k))::uuid, 'MEMBER'
    FROM (SELECT $SUMMARY_K AS k UNION ALL SELECT generate_series($ORGS + 1, $ORGS + $INSERT_ORGS)) s;
VACUUM ANALYZE tenancy.organizations;
VACUUM ANALYZE tenancy.users;
VACUUM ANALYZE tenancy.organization_members;

-- Elapsed milliseconds of one execution of query (one row, one column) and its result.
CREATE FUNCTION bench_time(query text, OUT ms double precision, OUT result text)
LANGUAGE plpgsql AS \$\$
DECLARE
  started timestamptz;
BEGIN
  started := clock_timestamp();
  EXECUTE query INTO result;
  ms := extract(epoch FROM clock_timestamp() - started) * 1000;
END
\$\$;

CREATE ROLE $APP_ROLE LOGIN PASSWORD :'app_password';
SELECT tenancy.grant_app_role('$APP_ROLE');
GRANT EXECUTE ON FUNCTION tenancy.set_context(uuid, uuid, tenancy.org_role, boolean) TO $APP_ROLE;
-- For part 3's peer only: grant_app_role gives no INSERT on cost_ledger (entries come only from
-- record_cost and reverse_entry, which are SECURITY DEFINER), so the plain INSERT needs this.
GRANT INSERT (organization_id, amount, currency, entry_date) ON tenancy.cost_ledger TO $APP_ROLE;
SQL
}

# Inserts the ledger rows i = $1, $1 + 2, ... (one of two sessions loading side by side: index
# maintenance dominates the load and is CPU-bound). The subquery's volatile target list keeps it
# from being flattened, so each random() is drawn once per row; setseed makes the rows the same
# in every run (their interleaving on the heap pages may differ).
load_ledger_part() {
  sql <<SQL
\\o /dev/null
SELECT setseed(0.2024 + $1 / 10.0);
SET session_replication_role = replica;
INSERT INTO tenancy.cost_ledger (organization_id, amount, currency, entry_date)
  SELECT ($(org_text k))::uuid, (cents * 0.01)::numeric(18,2), currency,
         date '2022-01-01' + ((i - 1) * $DAYS / $ROWS)::int
    FROM (SELECT i, 1 + floor(random() * $ORGS)::int AS k,
                 (CASE WHEN random() < 0.05 THEN -1 ELSE 1 END)
                   * floor(exp(random() * ln(9999999)))::bigint AS cents,
                 (ARRAY['USD', 'USD', 'USD', 'EUR', 'EUR', 'GBP'])[1 + floor(random() * 6)::int] AS currency
            FROM generate_series($1::bigint, $ROWS, 2) i) g;
SQL
}

# Loads tenancy.cost_ledger in two sessions, then copies it to bench_ledger while the first is
# vacuumed; prints the seconds of each step.
load_data() {
  local step=$SECONDS pid1 pid2
  load_ledger_part 1 & pid1=$!
  load_ledger_part 2 & pid2=$!
  wait "$pid1"
  wait "$pid2"
  printf 'cost_ledger insert %d s' $((SECONDS - step))
  step=$SECONDS
  sql_value "VACUUM ANALYZE tenancy.cost_ledger" >/dev/null & pid1=$!
  sql <<SQL & pid2=$!
\\o /dev/null
CREATE TABLE bench_ledger (organization_id uuid, amount numeric(18,2), amount_cents bigint,
                           currency char(3), entry_date date);
INSERT INTO bench_ledger
  SELECT organization_id, amount, (amount * 100)::bigint, currency, entry_date FROM tenancy.cost_ledger;
VACUUM ANALYZE bench_ledger;
SQL
  wait "$pid1"
  wait "$pid2"
  printf ', bench_ledger copy and both VACUUM ANALYZE %d s' $((SECONDS - step))
}

# Writes out the load's dirty buffers, then loads both tables and their indexes into shared
# buffers; prints the blocks loaded.
prewarm() {
  sql_value "CHECKPOINT" >/dev/null
  sql_value "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c
               WHERE c.oid IN ('tenancy.cost_ledger'::regclass, 'bench_ledger'::regclass)
                  OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'tenancy.cost_ledger'::regclass)"
}

# Prints sizes of the loaded data.
describe_data() {
  sql_value "SELECT format('cost_ledger %s rows, %s heap + %s indexes; bench_ledger %s heap; %s rows of org $SUMMARY_K in $SUMMARY_FROM..$SUMMARY_TO',
                (SELECT count(*) FROM tenancy.cost_ledger),
                pg_size_pretty(pg_relation_size('tenancy.cost_ledger')),
                pg_size_pretty(pg_indexes_size('tenancy.cost_ledger')),
                pg_size_pretty(pg_relation_size('bench_ledger')),
                (SELECT count(*) FROM tenancy.cost_ledger
                  WHERE organization_id = ($(org_text $SUMMARY_K))::uuid
                    AND entry_date BETWEEN '$SUMMARY_FROM' AND '$SUMMARY_TO'))"
  sql_value "SELECT format('amounts: min %s, max %s, %s%% negative; currencies: %s',
                min(amount), max(amount), round(100.0 * count(*) FILTER (WHERE amount < 0) / count(*), 1),
                (SELECT string_agg(currency || ' ' || n, ', ' ORDER BY currency)
                   FROM (SELECT currency, count(*) n FROM bench_ledger GROUP BY 1) c))
              FROM bench_ledger"
}

# ---- part 1 -----------------------------------------------------------------------------------

# Shows the plan of every aggregate in both modes as bench_time runs it (auto_explain of the
# nested statement, one untimed warm-up run each): nodes, workers planned and launched.
show_aggregate_plans() {
  local mode agg out
  for mode in "${MODES[@]}"; do
    for agg in "${AGGS[@]}"; do
      out=$(sql -At 2>&1 <<SQL
SET jit = $JIT;
${MODE_SQL[$mode]}
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_level = notice;
\\o /dev/null
SELECT * FROM bench_time('${AGG_SQL[$agg]}');
SQL
      )
      # The nested statement's plan is the first one logged (the outer SELECT's comes after).
      out=$(awk '/Query Text: SELECT \* FROM bench_time/ {exit} {print}' <<<"$out")
      if [[ $mode == parallel && $agg == money_sum ]]; then
        echo "  plan of the timed statement (auto_explain, analyze, timing off), $mode $agg:"
        grep -v 'NOTICE\|Query Text' <<<"$out" | sed 's/^/    /'
      fi
      printf '  %-8s %-26s %s\n' "$mode" "${AGG_LABEL[$agg]}" \
        "$(grep -v 'NOTICE\|Query Text' <<<"$out" | sed 's/^ *\(-> *\)\{0,1\}//' |
           awk '/^Workers Planned/ {p = $3; next} /^Workers Launched/ {l = $3; next}
                {sub(/ *\(.*/, ""); nodes = nodes (nodes ? " -> " : "") $0}
                END {printf "%s%s", nodes, p ? "   (workers planned " p ", launched " l ")" : ""}')"
    done
  done
}

# Times every aggregate AGG_REPS times in each mode, interleaved, in one session; fills
# AGG_RUNS[mode/agg] and checks the results.
time_aggregates() {
  local rep mode i agg script="$WORK/aggregates.sql"
  {
    echo "\\o /dev/null"
    echo "SET jit = $JIT;"
    echo "CREATE TEMP TABLE runs (mode text, rep int, agg text, ms double precision, result text);"
    # Warm-up: count(*) a few times, then every aggregate once per mode (untimed).
    echo "${MODE_SQL[parallel]}"
    echo "SELECT count(*) FROM bench_ledger; SELECT count(*) FROM bench_ledger;"
    echo "${MODE_SQL[serial]}"
    echo "SELECT count(*) FROM bench_ledger; SELECT count(*) FROM bench_ledger;"
    for mode in "${MODES[@]}"; do
      echo "${MODE_SQL[$mode]}"
      for agg in "${AGGS[@]}"; do echo "SELECT ms FROM bench_time('${AGG_SQL[$agg]}');"; done
    done
    for ((rep = 0; rep < AGG_REPS; rep++)); do
      for mode in "${MODES[@]}"; do
        echo "RESET ALL; SET jit = $JIT; ${MODE_SQL[$mode]}"
        for ((i = 0; i < ${#AGGS[@]}; i++)); do
          agg=${AGGS[$(((rep + i) % ${#AGGS[@]}))]}
          echo "INSERT INTO runs SELECT '$mode', $((rep + 1)), '$agg', ms, result FROM bench_time('${AGG_SQL[$agg]}');"
        done
      done
    done
    echo "\\o"
    echo "SELECT 'run', mode, rep, agg, round(ms::numeric, 1), result FROM runs ORDER BY rep, mode, agg;"
    # Every run of money_sum, sum(numeric) and sum(bigint) / 100 gave one value; money_sum's
    # text equals sum(numeric)'s (same display scale).
    echo "SELECT 'check',
                 count(DISTINCT CASE agg WHEN 'sum_bigint' THEN result::numeric / 100 ELSE result::numeric END)
                   FILTER (WHERE agg <> 'count'),
                 count(DISTINCT result) FILTER (WHERE agg IN ('money_sum', 'sum_numeric')),
                 min(result) FILTER (WHERE agg = 'money_sum'),
                 min(result) FILTER (WHERE agg = 'sum_bigint'),
                 min(result) FILTER (WHERE agg = 'count')
            FROM runs;"
  } >"$script"
  local kind a b c d e
  while IFS='|' read -r kind a b c d e; do
    case $kind in
      run)
        AGG_RUNS[$a/$c]="${AGG_RUNS[$a/$c]:-} $d"
        printf '  rep %d  %-8s %-26s %9.1f ms\n' "$b" "$a" "${AGG_LABEL[$c]}" "$d" ;;
      check)
        AGG_CHECK="money_sum = sum(numeric) = sum(bigint)/100 in all $((AGG_REPS * 2 * 3)) runs: $([[ $a == 1 && $b == 1 ]] && echo yes || echo "NO ($a distinct values, $b distinct texts)")"
        AGG_TOTAL="total $c (sum(bigint) $d cents) of $e rows" ;;
    esac
  done < <(sql -At -f "$script")
  if [[ -z $AGG_CHECK ]]; then
    echo "the timing session of part 1 failed" >&2
    exit 1
  fi
}

# Compares money_sum, sum(numeric) and sum(bigint) per (organization, currency), in parallel.
grouped_check() {
  sql -At <<SQL
\\o /dev/null
SET jit = $JIT;
${MODE_SQL[parallel]}
\\o
SELECT format('%s groups (organization, currency): money_sum = sum(numeric) in %s, = sum(bigint)/100 in %s, same text in %s',
              count(*), count(*) FILTER (WHERE m = s), count(*) FILTER (WHERE m = b / 100.0),
              count(*) FILTER (WHERE m::text = s::text))
  FROM (SELECT tenancy.money_sum(amount) m, sum(amount) s, sum(amount_cents) b
          FROM bench_ledger GROUP BY organization_id, currency) g;
SQL
}

# Prints the table of part 1 and sets AGG_MEDIAN[mode/agg].
report_aggregates() {
  local mode agg
  for mode in "${MODES[@]}"; do
    for agg in "${AGGS[@]}"; do
      # shellcheck disable=SC2086  # AGG_RUNS holds space-separated numbers
      AGG_MEDIAN[$mode/$agg]=$(median ${AGG_RUNS[$mode/$agg]})
    done
  done
  for mode in "${MODES[@]}"; do
    printf '\n%s\n%-26s %10s %10s %12s   %s\n' "mode $mode (median of $AGG_REPS):" "aggregate" "ms" \
      "own ms" "own/numeric" "runs (ms)"
    for agg in "${AGGS[@]}"; do
      awk -v l="${AGG_LABEL[$agg]}" -v t="${AGG_MEDIAN[$mode/$agg]}" -v c="${AGG_MEDIAN[$mode/count]}" \
          -v n="${AGG_MEDIAN[$mode/sum_numeric]}" -v runs="${AGG_RUNS[$mode/$agg]}" 'BEGIN {
        own = t - c
        printf "%-26s %10.1f %10.1f %12s  %s\n", l, t, own, (l == "count(*)") ? "" : sprintf("%.3f", own / (n - c)), runs
      }'
    done
  done
  echo
  for mode in "${MODES[@]}"; do
    P1_OWN[$mode]=$(awk -v m="${AGG_MEDIAN[$mode/money_sum]}" -v s="${AGG_MEDIAN[$mode/sum_numeric]}" \
                        -v c="${AGG_MEDIAN[$mode/count]}" 'BEGIN {print (m - c) / (s - c)}')
    P1_E2E[$mode]=$(ratio "${AGG_MEDIAN[$mode/money_sum]}" "${AGG_MEDIAN[$mode/sum_bigint]}")
    P1_OWN_PAIRED[$mode]=$(paired_median "${AGG_RUNS[$mode/money_sum]}" "${AGG_RUNS[$mode/sum_numeric]}" \
                                         "${AGG_RUNS[$mode/count]}")
    P1_E2E_PAIRED[$mode]=$(paired_median "${AGG_RUNS[$mode/money_sum]}" "${AGG_RUNS[$mode/sum_bigint]}")
    awk -v m="$mode" -v ms="${AGG_MEDIAN[$mode/money_sum]}" -v sn="${AGG_MEDIAN[$mode/sum_numeric]}" \
        -v sb="${AGG_MEDIAN[$mode/sum_bigint]}" -v c="${AGG_MEDIAN[$mode/count]}" -v rows="$ROWS" \
        -v po="${P1_OWN_PAIRED[$mode]}" -v pe="${P1_E2E_PAIRED[$mode]}" 'BEGIN {
      printf "%-8s money_sum own / sum(numeric) own = %.3f;  money_sum / sum(bigint) = %.3f;  money_sum / sum(numeric) = %.3f\n",
             m, (ms - c) / (sn - c), ms / sb, ms / sn
      printf "         the same two ratios per repetition, median: %.3f and %.3f\n", po, pe
      printf "         own ns per row: money_sum %.1f, sum(numeric) %.1f, sum(bigint) %.1f (count(*) %.1f ns per row in all)\n",
             (ms - c) * 1e6 / rows, (sn - c) * 1e6 / rows, (sb - c) * 1e6 / rows, c * 1e6 / rows
    }'
  done
}

# ---- parts 2 and 3 -----------------------------------------------------------------------------

# The set_context statement of organization k (an integer or a pgbench variable).
context_sql() { echo "SELECT tenancy.set_context(($(org_text "$1"))::uuid, ($(user_text "$1"))::uuid);"; }

# The statement of summary variant $1.
summary_sql() {
  local agg="sum(amount)"
  case $1 in
    function)
      echo "SELECT organization_id, period_start, currency, total, entry_count" \
           "FROM tenancy.ledger_summary('$SUMMARY_FROM', '$SUMMARY_TO', '{organization,currency}', 'month');"
      return ;;
    handwritten_money_sum) agg="tenancy.money_sum(amount)" ;;
  esac
  echo "SELECT organization_id, date_trunc('month', entry_date::timestamp)::date, currency, $agg, count(*)" \
       "FROM tenancy.cost_ledger WHERE entry_date BETWEEN '$SUMMARY_FROM' AND '$SUMMARY_TO' GROUP BY 1, 2, 3;"
}

# The statement of insert variant $1 (pgbench variables :k, :cents, :c, :d).
insert_sql() {
  local amount="(:cents::bigint * 0.01)" currency="(ARRAY['USD', 'EUR', 'GBP'])[:c::int]"
  local day="date '2025-01-01' + :d::int"
  case $1 in
    record_cost) echo "SELECT tenancy.record_cost($amount, $currency, $day);" ;;
    insert | insert_returning)
      echo "INSERT INTO tenancy.cost_ledger (organization_id, amount, currency, entry_date)" \
           "VALUES (($(org_text ":k::int"))::uuid, $amount, $currency, $day)$([[ $1 == insert_returning ]] && echo " RETURNING id");" ;;
  esac
}

# Writes the pgbench scripts $WORK/<variant>.sql of parts 2 and 3.
write_scripts() {
  local v
  for v in "${SUMMARY_VARIANTS[@]}"; do
    printf 'BEGIN;\n%s\n%s\nCOMMIT;\n' "$(context_sql "$SUMMARY_K")" "$(summary_sql "$v")" >"$WORK/$v.sql"
  done
  for v in "${INSERT_VARIANTS[@]}"; do
    {
      echo "\\set k random($((ORGS + 1)), $((ORGS + INSERT_ORGS)))"
      echo "\\set cents random(-500000, 9999999)"
      echo "\\set c random(1, 3)"
      echo "\\set d random(0, 364)"
      echo "BEGIN;"
      context_sql ":k::int"
      insert_sql "$v"
      echo "COMMIT;"
    } >"$WORK/$v.sql"
  done
}

# Runs SQL from stdin as bench_app (a superuser session that SET ROLEs, so that auto_explain can
# be loaded first when $1 = explain; the script then enables it with RESET ROLE, SET
# auto_explain.log_min_duration = 0, SET ROLE).
as_app() {
  local preamble=""
  if [[ ${1:-} == explain ]]; then
    preamble="LOAD 'auto_explain';
SET auto_explain.log_min_duration = -1;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_level = notice;"
  fi
  { echo "\\o /dev/null"; echo "$preamble"; echo "SET ROLE $APP_ROLE;"; cat; } | sql -At
}

# Prints the plans in the auto_explain output on stdin whose query text mentions $1 (without the
# query text: a plan starts at its first line with "(cost=").
plans_reading() {
  awk -v table="$1" '
    function flush() { if (query ~ table) printf "%s", plan; query = plan = ""; in_plan = 0 }
    /NOTICE:  duration/ { flush(); next }
    { if (!in_plan && /\(cost=/) in_plan = 1; if (in_plan) plan = plan $0 "\n"; else query = query $0 "\n" }
    END { flush() }'
}

# Checks that the summary variants return the same rows under the context, and shows the plans.
summary_check() {
  local v rows reference="" identical=yes summary=""
  for v in "${SUMMARY_VARIANTS[@]}"; do
    rows=$(as_app <<SQL | sort
BEGIN;
$(context_sql "$SUMMARY_K")
\\o
$(summary_sql "$v")
COMMIT;
SQL
    )
    summary+=$(awk -F'|' -v v="$v" 'NF {n++; e += $5} END {printf "  %s: %d rows, %d entries;", v, n, e}' <<<"$rows")
    [[ -z $reference ]] && reference=$rows
    [[ $rows == "$reference" ]] || identical=NO
  done
  echo "$summary identical: $identical"
  echo "  first rows: $(head -n 2 <<<"$reference" | paste -sd';' | sed 's/;/; /')"
  rows=$(as_app <<SQL
\\o
SELECT count(*) FROM tenancy.cost_ledger;
SQL
  )
  echo "  isolation: bench_app sees $rows entries without a context"
  echo "  the cost_ledger select policy: $(sql_value "SELECT pg_get_expr(polqual, polrelid) FROM pg_policy
                                                    WHERE polrelid = 'tenancy.cost_ledger'::regclass AND polcmd = 'r'")"
  # Plans after 6 executions in the session (PL/pgSQL's cached plan may be generic by then).
  local script i
  for v in "${SUMMARY_VARIANTS[@]}"; do
    echo "  plan of $v, 7th execution in a session (auto_explain, analyze, timing off):"
    script=""
    for ((i = 0; i < 6; i++)); do
      script+=$(printf '\nBEGIN;\n%s\n%s\nCOMMIT;' "$(context_sql "$SUMMARY_K")" "$(summary_sql "$v")")
    done
    script+="
BEGIN;
$(context_sql "$SUMMARY_K")
RESET ROLE;
SET auto_explain.log_min_duration = 0;
SET ROLE $APP_ROLE;
$(summary_sql "$v")
COMMIT;"
    as_app explain <<<"$script" 2>&1 | plans_reading cost_ledger | sed 's/^/    /'
  done
}

# Checks that record_cost and the plain INSERT write the same row (rolled back; RETURNING here
# only to find the row).
insert_check() {
  local k=$((ORGS + 1)) out
  out=$(as_app <<SQL
BEGIN;
$(context_sql "$k")
CREATE TEMP TABLE ids (variant text, id uuid) ON COMMIT DROP;
INSERT INTO ids SELECT 'record_cost', tenancy.record_cost(-1234.56, 'EUR', date '2025-03-04');
WITH i AS (INSERT INTO tenancy.cost_ledger (organization_id, amount, currency, entry_date)
           VALUES (($(org_text $k))::uuid, -1234.56, 'EUR', date '2025-03-04') RETURNING id)
INSERT INTO ids SELECT 'insert', id FROM i;
\\o
SELECT i.variant, l.organization_id = ($(org_text $k))::uuid, l.project_id, l.description, l.amount,
       l.currency, l.entry_date, l.created_by_id = ($(user_text $k))::uuid, l.reverses_entry_id
  FROM ids i JOIN tenancy.cost_ledger l USING (id) ORDER BY 1 DESC;
ROLLBACK;
SQL
  )
  echo "  rows written (variant|org ok|project|description|amount|currency|date|created_by ok|reverses):"
  awk '{print "    " $0}' <<<"$out"
  local a b
  a=$(sed -n 1p <<<"$out" | cut -d'|' -f2-)
  b=$(sed -n 2p <<<"$out" | cut -d'|' -f2-)
  echo "  same row (org, project, description, amount, currency, date, created_by, reverses): $([[ -n $a && $a == "$b" ]] && echo yes || echo NO)"
}

# Runs pgbench once for variant $1 with $2 clients as bench_app; prints its TPS.
run_pgbench() {
  PGUSER=$APP_ROLE pgbench_tps "variant $1" -n -M prepared -c "$2" -j "$2" -T "$SECONDS_PER_RUN" \
    -f "$WORK/$1.sql"
}

# Runs ROUNDS rounds of the variants named in $2.. with $1 clients, rotating the start each round.
run_rounds() {
  local clients=$1 round i v tps
  shift
  local -a variants=("$@")
  for ((round = 0; round < ROUNDS; round++)); do
    for ((i = 0; i < ${#variants[@]}; i++)); do
      v=${variants[$(((round + i) % ${#variants[@]}))]}
      tps=$(run_pgbench "$v" "$clients")
      RUNS[$v]="${RUNS[$v]:-} $(printf '%.1f' "$tps")"
      printf '  round %d  %-22s %10.1f tps\n' "$((round + 1))" "$v" "$tps"
    done
  done
}

# Prints the TPS table of the variants $3.. ($1 = reference variant, $2 = clients).
report_tps() {
  local reference=$1 clients=$2 v
  shift 2
  for v in "$@"; do
    # shellcheck disable=SC2086  # RUNS holds space-separated numbers
    MEDIAN[$v]=$(median ${RUNS[$v]})
  done
  printf '\n%-22s %12s %14s %16s   %s\n' "variant" "median TPS" "TPS ratio" "us per txn" "runs (TPS)"
  for v in "$@"; do
    awk -v v="$v" -v t="${MEDIAN[$v]}" -v r="${MEDIAN[$reference]}" -v k="$clients" -v runs="${RUNS[$v]}" \
      'BEGIN {printf "%-22s %12.1f %14.3f %16.1f  %s\n", v, t, t / r, k * 1e6 / t, runs}'
  done
  for v in "$@"; do
    [[ $v == "$reference" ]] && continue
    echo "$v / $reference TPS per round, median: $(paired_median "${RUNS[$v]}" "${RUNS[$reference]}")"
  done
  echo "(TPS ratio: to $reference; us per txn: clients / TPS, the latency of one transaction)"
}

# ---- summary ------------------------------------------------------------------------------------

# Prints one line of the final table: label, value (from the medians), the same ratio paired
# per repetition or round (median), target operator and target; the verdict is the value's.
summary_line() {
  awk -v l="$1" -v v="$2" -v p="$3" -v op="$4" -v t="$5" 'BEGIN {
    met = (op == "<=") ? (v <= t) : (v >= t)
    printf "%-62s %8.3f %8.3f   %s %-5s %s\n", l, v, p, op, t, met ? "met" : "MISSED"
  }'
}

report_summary() {
  local mode
  printf '%-62s %8s %8s   %-8s %s\n' "ratio" "value" "paired" "target" ""
  for mode in "${MODES[@]}"; do
    summary_line "1. money_sum own cost / sum(numeric) own cost, $mode" "${P1_OWN[$mode]}" \
      "${P1_OWN_PAIRED[$mode]}" "<=" 0.5
  done
  for mode in "${MODES[@]}"; do
    summary_line "1. money_sum / sum(bigint), end to end, $mode" "${P1_E2E[$mode]}" \
      "${P1_E2E_PAIRED[$mode]}" "<=" 1.15
  done
  summary_line "2. ledger_summary time / hand-written time (TPS hand / TPS fn)" \
    "$(ratio "${MEDIAN[handwritten]}" "${MEDIAN[function]}")" \
    "$(paired_median "${RUNS[handwritten]}" "${RUNS[function]}")" "<=" 1.1
  summary_line "3. record_cost TPS / plain INSERT TPS ($INSERT_CLIENTS clients)" \
    "$(ratio "${MEDIAN[record_cost]}" "${MEDIAN[insert]}")" \
    "$(paired_median "${RUNS[record_cost]}" "${RUNS[insert]}")" ">=" 0.8
  echo "value: ratio of the medians (part 1: own cost = median time - median count(*) time);" \
       "paired: median of the ratios within each repetition (part 1) or round (parts 2, 3)"
  echo "(informational) ledger_summary time / hand-written with money_sum: $(ratio "${MEDIAN[handwritten_money_sum]}" "${MEDIAN[function]}");" \
       "hand-written sum time / hand-written money_sum time: $(ratio "${MEDIAN[handwritten_money_sum]}" "${MEDIAN[handwritten]}")"
  echo "(informational) record_cost TPS / INSERT ... RETURNING id TPS: $(ratio "${MEDIAN[record_cost]}" "${MEDIAN[insert_returning]}")"
}

main() {
  local started=$SECONDS step ticks
  declare -gA STEAL=()
  echo "== tenancy cost-ledger benchmark (PostgreSQL $(psql -X -At -d postgres -c 'SHOW server_version'), $(nproc) CPUs," \
       "shared_buffers $(psql -X -At -d postgres -c 'SHOW shared_buffers'))"
  echo "   $ROWS entries over $ORGS organizations; part 1: $AGG_REPS timed runs per aggregate and mode, jit $JIT;" \
       "parts 2-3: pgbench -n -M prepared -T $SECONDS_PER_RUN, $ROUNDS rounds, $SUMMARY_CLIENTS / $INSERT_CLIENTS clients, as $APP_ROLE"
  echo "   checkout $(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null || echo unknown)," \
       "installed tenancy.so of $(date -r "$(pg_config --pkglibdir)/tenancy.so" '+%F %T' 2>/dev/null || echo '?')"
  echo "   load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine adds noise)"
  echo "== setup"
  setup_database
  echo "  $(load_data); total $((SECONDS - started)) s"
  step=$SECONDS
  echo "  prewarmed $(prewarm) blocks in $((SECONDS - step)) s"
  describe_data | sed 's/^/  /'
  write_scripts

  echo "== 1. money_sum vs sum(numeric), sum(bigint), count(*) over bench_ledger"
  ticks=$(cpu_ticks)
  show_aggregate_plans
  AGG_CHECK="" AGG_TOTAL=""
  time_aggregates
  echo "  $AGG_CHECK; $AGG_TOTAL"
  echo "  $(grouped_check)"
  report_aggregates
  STEAL[1]=$(steal_since "$ticks")
  echo "  CPU steal during part 1: ${STEAL[1]} of the machine's CPU time"

  echo
  echo "== 2. ledger_summary vs the hand-written query (org $SUMMARY_K, $SUMMARY_FROM..$SUMMARY_TO, as $APP_ROLE)"
  ticks=$(cpu_ticks)
  summary_check
  run_rounds "$SUMMARY_CLIENTS" "${SUMMARY_VARIANTS[@]}"
  report_tps handwritten "$SUMMARY_CLIENTS" "${SUMMARY_VARIANTS[@]}"
  STEAL[2]=$(steal_since "$ticks")
  echo "  CPU steal during part 2: ${STEAL[2]} of the machine's CPU time"

  echo
  echo "== 3. record_cost vs a plain INSERT ($INSERT_CLIENTS clients, organizations $((ORGS + 1))..$((ORGS + INSERT_ORGS)), as $APP_ROLE)"
  ticks=$(cpu_ticks)
  insert_check
  run_rounds "$INSERT_CLIENTS" "${INSERT_VARIANTS[@]}"
  report_tps insert "$INSERT_CLIENTS" "${INSERT_VARIANTS[@]}"
  STEAL[3]=$(steal_since "$ticks")
  echo "  CPU steal during part 3: ${STEAL[3]} of the machine's CPU time"

  echo
  echo "== summary"
  report_summary
  echo "CPU steal (time the host gave to other guests) during parts 1, 2, 3: ${STEAL[1]}, ${STEAL[2]}, ${STEAL[3]};" \
       "timings taken under high steal are unreliable"
  echo
  echo "total time $((SECONDS - started)) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

main
