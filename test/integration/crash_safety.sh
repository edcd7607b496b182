#!/usr/bin/env bash
# Crash safety of the cost ledger: kill -9 a backend in the middle of a record_cost burst; after
# crash recovery every acknowledged entry is there exactly once and nothing of a transaction that
# never sent COMMIT is.
#
# Setup: one organization, CRASH_CLIENTS (8) users who are its MEMBERs, a login role crash_app
# given tenancy.grant_app_role and EXECUTE on set_context, and BASELINE (500) entries recorded
# and committed before the first burst.
# Each round (CRASH_ROUNDS, 3):
#   1. CRASH_CLIENTS psql clients, as crash_app (under row-level security), each run a generated
#      script of CRASH_TXNS (20,000) transactions:
#        \echo begun c<client>-r<round>-t<n>
#        BEGIN; SELECT tenancy.set_context(org, its user, 'MEMBER');
#        SELECT tenancy.record_cost(amount, 'EUR', date, 'c<client>-r<round>-t<n>-e<k>');  (1 to 3)
#        \echo committing c<client>-r<round>-t<n>
#        COMMIT;
#        \echo committed c<client>-r<round>-t<n>
#      with ON_ERROR_STOP, so psql prints "committed" only once COMMIT returned success, and
#      "committing" just before COMMIT is sent. The amounts are a function of client, round,
#      transaction and entry, written to a manifest with the entry count of each transaction.
#   2. After CRASH_BURST (2) seconds, when every client has committed entries, one crash_app
#      backend (preferably one running record_cost) gets kill -9. The postmaster then ends every
#      backend and runs crash recovery; the clients lose their connections and exit.
#   3. Checks: the clients all exited (connection lost); the server accepts connections again
#      (pg_isready, SELECT 1) within 60 s; the log shows the backend "terminated by signal 9",
#      "all server processes terminated; reinitializing", "automatic recovery in progress" and
#      "database system is ready to accept connections". From the client logs, the manifest and
#      the table: every acknowledged transaction has all its entries, each exactly once, with
#      its amounts; no entry of a transaction that never sent COMMIT (or never began) exists; at
#      most one transaction per client is in doubt (COMMIT sent, no answer), and each of those is
#      all there or not at all (how many went which way is printed); no unknown entry; the
#      baseline is intact. amcheck: bt_index_parent_check(heapallindexed) on every index of
#      cost_ledger and verify_heapam report nothing. The ledger still adds up: money_sum(amount)
#      = sum(amount), and ledger_summary as a MEMBER counts and totals every entry. A new
#      record_cost commits.
# At the end every round is checked again (later crashes lost nothing of earlier rounds).
# The cluster runs with fsync = on, synchronous_commit = on and restart_after_crash = on (printed).
#
# Run (as root or a user who may run pg_virtualenv, with the extension installed):
#   bash test/integration/crash_safety.sh
# It re-executes itself inside a throw-away cluster made by `pg_virtualenv -t` (on a free port,
# with tenancy.create_key_file = on). Prints one line per check, then
# `crash_safety: N passed, M failed`; exits non-zero on any failure. Takes about a minute.
# Knobs: CRASH_CLIENTS, CRASH_ROUNDS, CRASH_BURST, CRASH_TXNS.
# check() takes its condition in single quotes and evaluates it itself.
# shellcheck disable=SC2016,SC2034  # variables the conditions use
set -uo pipefail

PG_VERSION="${CRASH_SAFETY_PG_VERSION:-15}"

# pg_virtualenv turns fsync off; a commit here is durable as in production.
THROWAWAY_CLUSTER_OPTIONS=(-o fsync=on -o synchronous_commit=on -o restart_after_crash=on)
# shellcheck source=test/lib/throwaway_cluster.sh
source "$(dirname "$0")/../lib/throwaway_cluster.sh"
reexec_in_throwaway_cluster crash_safety "$@"

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
export PGDATABASE=crash_safety
WORK="$(mktemp -d)"

CLIENTS="${CRASH_CLIENTS:-8}"
ROUNDS="${CRASH_ROUNDS:-3}"
BURST="${CRASH_BURST:-2}"
TXNS="${CRASH_TXNS:-20000}"
BASELINE=500
# The sum of the baseline's amounts, 0.01 + 0.02 + ... + BASELINE / 100.
BASELINE_TOTAL=$(awk -v n="$BASELINE" 'BEGIN { printf "%.2f", n * (n + 1) / 200 }')
APP=crash_app
ORG=00000000-0000-4000-8000-0000000000c5
# The user of client c: ${USER_PREFIX}<c, 12 hex digits>.
USER_PREFIX=00000000-0000-4000-9000-
# An entry's description: c<client>-r<round>-t<transaction>-e<entry>.
ENTRY_RE='^c[0-9]+-r[0-9]+-t[0-9]+-e[0-9]+$'

passed=0
failed=0
# Kills this script's background jobs still running (by their pid), then removes the work directory.
cleanup() {
  local pid
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Records a passed check NAME.
pass() { passed=$((passed + 1)); echo "ok     $1"; }
# Records a failed check NAME [DETAIL].
fail() { failed=$((failed + 1)); echo "FAILED $1${2:+: $2}"; }
# Records pass NAME when the condition $2 (a shell test string) holds, else fail NAME DETAIL($3).
check() { if eval "$2"; then pass "$1"; else fail "$1" "${3:-}"; fi; }
# Ends the run early: nothing after a failed setup step can be trusted.
die() {
  fail "$1" "${2:-}"
  echo "crash_safety: $passed passed, $failed failed"
  exit 1
}
# Runs SQL from stdin as the superuser, stopping at the first error; extra args go to psql.
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
# Prints the rows (unaligned, tuples only, space-separated) of the query $1, as the superuser.
sql_rows() { psql -X -q -v ON_ERROR_STOP=1 -At -F ' ' -c "$1"; }
# Prints the uuid of the user of client $1.
user_of() { printf '%s%012x' "$USER_PREFIX" "$1"; }
# Prints the current time in seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }
# Prints $1 - $2 (seconds) with 2 decimals.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

# ---- the cluster ---------------------------------------------------------------------------------
read -r CLUSTER_VERSION CLUSTER_NAME LOG < <(pg_lsclusters -h | awk '{print $1, $2, $7}')
[[ -f "$LOG" ]] || die "find the server log" "pg_lsclusters gave '$LOG'"
echo "== cluster $CLUSTER_VERSION/$CLUSTER_NAME on port $PGPORT, log $LOG; $(nproc) CPUs"
createdb "$PGDATABASE" || die "createdb $PGDATABASE"
if sql >"$WORK/setup.log" 2>&1 <<SQL; then
\\o /dev/null
SET client_min_messages = warning;
CREATE EXTENSION tenancy;
CREATE EXTENSION amcheck;
INSERT INTO tenancy.organizations (id, name, slug) VALUES ('$ORG', 'Crash org', 'crash-org');
INSERT INTO tenancy.users (id, email, full_name)
  SELECT ('$USER_PREFIX' || lpad(to_hex(c), 12, '0'))::uuid, 'crash-' || c || '@example.test', 'Client ' || c
    FROM generate_series(0, $CLIENTS) c;
INSERT INTO tenancy.organization_members (organization_id, user_id, role)
  SELECT '$ORG', ('$USER_PREFIX' || lpad(to_hex(c), 12, '0'))::uuid, 'MEMBER' FROM generate_series(0, $CLIENTS) c;
CREATE ROLE $APP LOGIN PASSWORD '$PGPASSWORD';
SELECT tenancy.grant_app_role('$APP');
GRANT EXECUTE ON FUNCTION tenancy.set_context(uuid, uuid, tenancy.org_role, boolean) TO $APP;
SQL
  pass "database, extension, amcheck, organization, $CLIENTS MEMBER users, login role $APP"
else die "set up the database" "$(tail -3 "$WORK/setup.log")"; fi
settings=$(sql_rows "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings
                      WHERE name IN ('fsync', 'synchronous_commit', 'restart_after_crash', 'full_page_writes')")
echo "   $settings"
check "restart_after_crash, fsync and synchronous_commit are on" \
  '[[ "$settings" == *"fsync=on"* && "$settings" == *"restart_after_crash=on"* && "$settings" == *"synchronous_commit=on"* ]]'
# The baseline, as user 0: one committed transaction of BASELINE entries, 'base-<n>'.
if PGUSER=$APP sql >"$WORK/baseline.log" 2>&1 <<SQL; then
\\o /dev/null
BEGIN;
SELECT tenancy.set_context('$ORG', '$(user_of 0)', 'MEMBER');
SELECT tenancy.record_cost(n / 100.0, 'EUR', date '2025-06-01', 'base-' || n) FROM generate_series(1, $BASELINE) n;
COMMIT;
SQL
  pass "$BASELINE baseline entries recorded by $APP"
else die "record the baseline" "$(tail -3 "$WORK/baseline.log")"; fi

# ---- the clients ---------------------------------------------------------------------------------
# Writes client $1's psql script for round $2 to $WORK/r$2-c$1.sql and appends its transactions
# to the round's manifest $WORK/r$2.manifest ("M <transaction> <entries> <cents in total>").
write_client() {
  local c=$1 r=$2
  awk -v c="$c" -v r="$r" -v n="$TXNS" -v org="$ORG" -v user="$(user_of "$c")" \
      -v manifest="$WORK/r$r.manifest" 'BEGIN {
    q = "\047"
    print "\\o /dev/null"
    for (t = 1; t <= n; t++) {
      id = "c" c "-r" r "-t" t
      entries = 1 + t % 3
      total = 0
      print "\\echo begun " id
      print "BEGIN;"
      print "SELECT tenancy.set_context(" q org q ", " q user q ", " q "MEMBER" q ");"
      for (e = 1; e <= entries; e++) {
        cents = (c * 7919 + r * 3571 + t * 104729 + e * 13) % 1000000 + 1
        total += cents
        printf "SELECT tenancy.record_cost(%d.%02d, %sEUR%s, date %s2025-01-01%s + %d, %s%s-e%d%s);\n",
               int(cents / 100), cents % 100, q, q, q, q, t % 365, q, id, e, q
      }
      print "\\echo committing " id
      print "COMMIT;"
      print "\\echo committed " id
      print "M", id, entries, total >> manifest
    }
  }' >"$WORK/r$r-c$c.sql"
}

# Checks the transactions of the manifests $3... against the client logs and the entries whose
# description matches the regular expression $2; label $1. Prints the in-doubt transactions and
# what happened to them.
check_round() {
  local label=$1 pattern=$2 summary
  shift 2
  local -a manifests=("$@") logs=()
  local m
  for m in "${manifests[@]}"; do logs+=("${m%.manifest}"-c*.log); done
  summary=$({
    cat "${manifests[@]}"
    awk '$1 == "begun" || $1 == "committing" || $1 == "committed" {print "S", $1, $2}' "${logs[@]}"
    sql_rows "SELECT 'R', description, count(*), sum(amount * 100)::bigint FROM tenancy.cost_ledger
               WHERE description ~ '$pattern' GROUP BY description"
  } | awk '
    $1 == "M" { k[$2] = $3; cents[$2] = $4; next }
    $1 == "S" { level = ($2 == "begun") ? 1 : ($2 == "committing") ? 2 : 3
                if (level > status[$3]) status[$3] = level; next }
    $1 == "R" { id = $2; sub(/-e[0-9]+$/, "", id)
                if (!(id in k)) { foreign += $3; next }
                rows[id] += $3; entries[id]++; sum[id] += $4; if ($3 > 1) duplicated++; next }
    END {
      for (id in k) {
        s = status[id] + 0; present = rows[id] + 0
        whole = (entries[id] == k[id] && rows[id] == k[id] && sum[id] == cents[id])
        client = id; sub(/-t[0-9]+$/, "", client)  # the client in its round: one psql
        if (s == 3) { acked++; acked_entries += k[id]; if (!whole) { acked_bad++; bad = bad " " id "(" present "/" k[id] ")" } }
        else if (s == 2) {
          doubt++; per_client[client]++
          if (present == 0) { doubt_absent++; doubts = doubts " " id ":rolled-back" }
          else if (whole) { doubt_present++; doubts = doubts " " id ":committed" }
          else { doubt_partial++; doubts = doubts " " id ":PARTIAL(" present "/" k[id] ")" }
        }
        else if (s == 1) { begun++; if (present) { begun_present++; bad = bad " " id "(begun only, " present " rows)" } }
        else if (present) { unbegun_present++; bad = bad " " id "(never begun, " present " rows)" }
      }
      most = 0; for (c in per_client) if (per_client[c] > most) most = per_client[c]
      printf "acked=%d acked_entries=%d acked_bad=%d doubt=%d doubt_present=%d doubt_absent=%d doubt_partial=%d",
             acked, acked_entries, acked_bad, doubt, doubt_present, doubt_absent, doubt_partial
      printf " most_doubt=%d begun=%d begun_present=%d unbegun_present=%d foreign=%d duplicated=%d\n",
             most, begun, begun_present, unbegun_present, foreign, duplicated
      printf "doubts=%s\n", doubts
      printf "bad=%s\n", substr(bad, 1, 300)
    }')
  local facts doubts bad kv
  local -A f=()
  facts=$(head -1 <<<"$summary")
  doubts=$(sed -n 's/^doubts= *//p' <<<"$summary")
  bad=$(sed -n 's/^bad= *//p' <<<"$summary")
  for kv in $facts; do f[${kv%%=*}]=${kv#*=}; done
  check "$label: every acknowledged transaction (${f[acked]}, ${f[acked_entries]} entries) is there, each entry exactly once" \
    '(( f[acked] > 0 && f[acked_bad] == 0 && f[duplicated] == 0 ))' "$facts;$bad"
  check "$label: nothing of the ${f[begun]} transactions that never sent COMMIT (nor of any not begun) is there" \
    '(( f[begun_present] == 0 && f[unbegun_present] == 0 ))' "$facts;$bad"
  check "$label: ${f[doubt]} in doubt (COMMIT sent, no answer), at most one per client and round, each all or nothing: ${f[doubt_present]} committed, ${f[doubt_absent]} rolled back" \
    '(( f[most_doubt] <= 1 && f[doubt_partial] == 0 ))' "$facts; $doubts"
  [[ -n "$doubts" ]] && echo "   in doubt:$doubts"
  check "$label: no entry of an unknown transaction" '(( f[foreign] == 0 ))' "$facts"
}

# Checks amcheck, the ledger's totals and the baseline; label $1.
check_ledger() {
  local label=$1 out
  out=$(sql -At 2>&1 <<SQL
SELECT 'indexes=' || count(*) FROM (SELECT bt_index_parent_check(indexrelid, true, true)
  FROM pg_index WHERE indrelid = 'tenancy.cost_ledger'::regclass) s;
SELECT 'heap_problems=' || count(*) FROM verify_heapam('tenancy.cost_ledger');
SELECT 'sums_agree=' || (tenancy.money_sum(amount) = sum(amount)) FROM tenancy.cost_ledger;
SELECT 'baseline=' || count(*) || ' ' || sum(amount) FROM tenancy.cost_ledger WHERE description LIKE 'base-%';
SQL
  )
  local indexes heap sums baseline
  indexes=$(sed -n 's/^indexes=//p' <<<"$out")
  heap=$(sed -n 's/^heap_problems=//p' <<<"$out")
  sums=$(sed -n 's/^sums_agree=//p' <<<"$out")
  baseline=$(sed -n 's/^baseline=//p' <<<"$out")
  check "$label: amcheck: bt_index_parent_check (heapallindexed) passes on all $indexes indexes of cost_ledger, verify_heapam finds nothing" \
    '[[ "$indexes" -ge 5 && "$heap" == 0 ]]' "$(tr '\n' ' ' <<<"$out")"
  check "$label: money_sum(amount) = sum(amount) over the ledger; the $BASELINE baseline entries are intact" \
    '[[ "$sums" == true && "$baseline" == "$BASELINE $BASELINE_TOTAL" ]]' "$(tr '\n' ' ' <<<"$out")"
  # ledger_summary as a MEMBER (under the policy) against the superuser's count and sum.
  out=$(PGUSER=$APP sql -At 2>&1 <<SQL
\\o /dev/null
BEGIN;
SELECT tenancy.set_context('$ORG', '$(user_of 0)', 'MEMBER');
\\o
SELECT sum(entry_count) || ' ' || sum(total) FROM tenancy.ledger_summary('2025-01-01', '2025-12-31', '{}');
COMMIT;
SQL
  )
  local want
  want=$(sql_rows "SELECT count(*) || ' ' || sum(amount) FROM tenancy.cost_ledger")
  check "$label: ledger_summary as a MEMBER counts and totals every entry ($out)" '[[ "$out" == "$want" ]]' \
    "got '$out', want '$want'"
}

# ---- the rounds ----------------------------------------------------------------------------------
started=$SECONDS
for ((r = 1; r <= ROUNDS; r++)); do
  echo "== round $r: $CLIENTS clients, kill -9 after ${BURST} s"
  : >"$WORK/r$r.manifest"
  for ((c = 1; c <= CLIENTS; c++)); do write_client "$c" "$r"; done
  log_mark=$(wc -l <"$LOG")
  pids=()
  for ((c = 1; c <= CLIENTS; c++)); do
    PGUSER=$APP psql -X -q -v ON_ERROR_STOP=1 -f "$WORK/r$r-c$c.sql" >"$WORK/r$r-c$c.log" 2>"$WORK/r$r-c$c.err" &
    pids+=($!)
  done
  sleep "$BURST"
  running=$(sql_rows "SELECT count(DISTINCT split_part(description, '-', 1)) || ' ' || count(*) FROM tenancy.cost_ledger
                        WHERE description ~ '^c[0-9]+-r$r-'")
  check "round $r: the burst is running: all $CLIENTS clients have committed entries (clients, entries so far: $running)" \
    '[[ "${running%% *}" == "$CLIENTS" ]]'
  # The victim: a backend of the burst, preferably one running record_cost.
  victim=""
  tries=0
  while [[ -z "$victim" ]] && ((tries++ < 50)); do
    victim=$(sql_rows "SELECT pid || '|' || state || '|' || CASE WHEN query LIKE '%record_cost%' THEN 'record_cost' ELSE split_part(query, ' ', 1) END
                         FROM pg_stat_activity WHERE usename = '$APP' AND backend_type = 'client backend'
                          AND state IN ('active', 'idle in transaction')
                        ORDER BY (state = 'active' AND query LIKE '%record_cost%') DESC, random() LIMIT 1")
    [[ -z "$victim" ]] && sleep 0.02
  done
  [[ -n "$victim" ]] || die "round $r: find a backend of the burst to kill"
  IFS='|' read -r vpid vstate vquery <<<"$victim"
  killed_at=$(now)
  kill -9 "$vpid" || die "round $r: kill -9 $vpid"
  echo "   kill -9 $vpid ($vstate, $vquery)"
  # The clients must all exit: their connections are gone.
  deadline=$((SECONDS + 30))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  done
  statuses=()
  hung=0
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then hung=$((hung + 1)); kill "$pid"; fi
    wait "$pid"
    statuses+=($?)
  done
  lost=$(grep -lE 'server closed the connection|connection to server was lost|terminating connection|SSL SYSCALL error|SSL connection has been closed|could not send data to server|no connection to the server' \
           "$WORK"/r$r-c*.err 2>/dev/null | wc -l)
  check "round $r: every client lost its connection and exited (exit statuses ${statuses[*]})" \
    '[[ "$hung" -eq 0 && "$lost" -eq "$CLIENTS" && " ${statuses[*]} " != *" 0 "* ]]' \
    "$hung still running after 30 s, $lost reported the lost connection: $(cat "$WORK"/r$r-c1.err | head -2 | tr '\n' ' ')"
  # The server comes back.
  up=""
  deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    if pg_isready -q && [[ $(psql -X -q -At -c 'SELECT 1' 2>/dev/null) == 1 ]]; then up=$(now); break; fi
    sleep 0.1
  done
  [[ -n "$up" ]] || die "round $r: the server accepts connections again within 60 s" "$(tail -5 "$LOG")"
  pass "round $r: the server accepts connections again (SELECT 1) $(elapsed "$up" "$killed_at") s after the kill"
  new_log=$(tail -n +"$((log_mark + 1))" "$LOG")
  for pattern in "server process \\(PID $vpid\\) was terminated by signal 9" \
                 "all server processes terminated; reinitializing" \
                 "database system was not properly shut down; automatic recovery in progress" \
                 "database system is ready to accept connections"; do
    check "round $r: the server log shows \"${pattern//\\/}\"" 'grep -qE "$pattern" <<<"$new_log"' \
      "$(grep -E 'LOG|FATAL|PANIC' <<<"$new_log" | tail -5 | tr '\n' ' ')"
  done
  redo=$(grep -oE 'redo done at [^ ]+.*' <<<"$new_log" | head -1)
  [[ -n "$redo" ]] && echo "   recovery: $redo"
  check_round "round $r" "^c[0-9]+-r$r-t[0-9]+-e[0-9]+\$" "$WORK/r$r.manifest"
  check_ledger "round $r"
  # A new transaction commits after recovery.
  after=$(PGUSER=$APP sql -At 2>&1 <<SQL
\\o /dev/null
BEGIN;
SELECT tenancy.set_context('$ORG', '$(user_of 0)', 'MEMBER');
SELECT tenancy.record_cost(1.00, 'EUR', date '2025-07-01', 'after-crash-$r');
COMMIT;
SQL
  )
  count=$(sql_rows "SELECT count(*) FROM tenancy.cost_ledger WHERE description = 'after-crash-$r'")
  check "round $r: record_cost commits after recovery" '[[ -z "$after" && "$count" == 1 ]]' \
    "$(tr '\n' ' ' <<<"$after") $count rows"
done

echo "== all rounds again, after the last crash"
manifests=()
for ((r = 1; r <= ROUNDS; r++)); do manifests+=("$WORK/r$r.manifest"); done
check_round "rounds 1-$ROUNDS" "$ENTRY_RE" "${manifests[@]}"
others=$(sql_rows "SELECT count(*) FROM tenancy.cost_ledger WHERE description !~ '$ENTRY_RE'
                     AND description !~ '^base-[0-9]+$' AND description !~ '^after-crash-[0-9]+$'")
check "no other entries in the ledger" '[[ "$others" == 0 ]]' "$others"
check_ledger "at the end"
hits=$(grep -E 'PANIC' "$LOG" | head -3)
check "the server log has no PANIC" '[[ -z "$hits" ]]' "$hits"

echo "   total time $((SECONDS - started)) s; $(sql_rows "SELECT count(*) FROM tenancy.cost_ledger") entries"
echo "crash_safety: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
