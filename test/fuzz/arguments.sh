#!/usr/bin/env bash
# Argument fuzzer: calls every function of schema tenancy with hostile arguments, and checks
# that the server never crashes and never answers with an internal error (XX000).
#
# The calls are generated from pg_proc by test/fuzz/arguments.sql, so a new function is fuzzed
# without a change here (a check fails when an argument type has no value pool). Values come
# per type, and per parameter where a value means something there: NULLs, empty and 1 MB
# strings, control and four-byte characters, SQL and format-string payloads, extreme numbers
# (NaN, +-Infinity, 1e+-1000, 131072 digits, int32 limits), infinite and extreme dates, times
# and intervals, malformed and unknown uuids, huge and two-dimensional arrays, every relation
# kind for regclass (and OIDs that name none), roles for regrole, and damaged real secrets made
# once: Ed25519 context tokens with a character changed, truncated or re-assembled, HS256
# tokens with a valid signature around crafted headers and payloads (claims of the wrong type,
# dates out of range, deep nesting, invalid UTF-8, over 8192 bytes), invitation, refresh and
# reset tokens and API keys, bit-flipped and truncated ciphertexts, re-parameterised argon2
# strings. Each function gets: all arguments NULL, all "reasonable" (what a careful caller
# passes), each position through its pool with the others reasonable, and 20 seeded random
# mixes (2 for the functions that hash passwords). Hand-written calls add the settings' check
# hooks (set_config of tenancy.context_token, context_public_keys, context_hs256_keys, org_id,
# user_id, org_role and the integer settings) and money_sum over many rows, serially and in
# parallel: the aggregate's support functions take arguments of type internal, which SQL
# cannot pass, so they are reached there. Trigger functions are not called. Every call runs in
# a subtransaction that is always rolled back (fuzz.try), under statement_timeout, so no call
# changes what the next one sees and none can hang the run.
#
# Three passes: as the superuser without a context; as the superuser with a session context
# (organization A as its OWNER ua); as the application role app (password login; its signed
# context token for A as OWNER applied as a role default). The functions that hash passwords
# (argon2id at the default costs, 0.1 to 0.3 s a call) get all their calls in the first pass
# and only their all-NULL and all-reasonable calls in the other two: what they do depends on
# neither the context nor the role.
# Failures: a backend crash (the server log reports a process terminated by a signal, an
# abnormal exit or a PANIC; the pass goes on after the call that lost the connection), a call
# answered with SQLSTATE XX000 (listed with the function and its arguments), a call left
# without an answer, or the server not answering SELECT 1 after a pass. Every other SQLSTATE
# is an accepted refusal: each pass prints a table of them, and its slowest calls.
#
# Run (as root or a user who may run pg_virtualenv, with the extension installed; about a
# minute):
#   bash test/fuzz/arguments.sh
# It re-executes itself inside a throw-away cluster made by `pg_virtualenv -t` on a free port.
# Knob: FUZZ_CALL_TIMEOUT (statement_timeout of each call, default 10s). Prints one line per
# check, then `arguments: N passed, M failed`; exits non-zero on any failure.
# check() takes its condition in single quotes and evaluates it itself.
# shellcheck disable=SC2016
set -uo pipefail

PG_VERSION="${FUZZ_PG_VERSION:-15}"

# shellcheck source=test/lib/throwaway_cluster.sh
source "$(dirname "$0")/../lib/throwaway_cluster.sh"
reexec_in_throwaway_cluster arguments "$@"

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
FUZZ_NAME=arguments
CALL_TIMEOUT="${FUZZ_CALL_TIMEOUT:-10s}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=test/fuzz/lib.sh
source "$(dirname "$0")/lib.sh"
STARTED=$SECONDS

# Prints "fn(args)" of call $1, for reports.
describe_call() { su_rows "SELECT fn || ' with ' || CASE WHEN args = '' THEN 'no arguments' ELSE args END
                             FROM fuzz.calls WHERE id = $1" | cut -c1-400; }
# Prints the ids listed in file $1 that have no answer in results file $2.
unanswered() { awk -F'|' 'NR == FNR {if ($0 ~ /^[0-9]+[|]/) seen[$1] = 1; next} !($1 in seen)' "$2" "$1"; }
# Runs the psql script $2 as role $1 (the superuser when empty); answers go to stdout.
run_script() {
  if [[ -z "$1" ]]; then
    psql -X -q -At -d "$FUZZ_DB" -f "$2"
  else
    PGPASSWORD="$APP_PASSWORD" psql -X -q -At -f "$2" "host=127.0.0.1 port=$PGPORT dbname=$FUZZ_DB user=$1"
  fi
}

# One pass (name $1) over the calls WHERE clause $4 selects, as role $2 (empty: superuser), SQL $3 first.
run_pass() {
  # A lost connection (a crash) is recorded against the first call without an answer, and the
  # pass goes on after it in a new session once the server is back (at most 5 times).
  local name="$1" role="$2" prelude="$3" where="$4" results="$WORK/$1.results" errors="$WORK/$1.errors"
  local ids="$WORK/$1.ids" todo="$WORK/$1.todo" total status culprit restarts=0 offset started=$SECONDS
  local missing internal line id chunk_offset
  su_rows "SELECT id FROM fuzz.calls WHERE $where ORDER BY id" >"$ids" || die "pass $name: select its calls"
  total=$(wc -l <"$ids")
  cp "$ids" "$todo"
  offset=$(log_size)
  : >"$results"
  : >"$errors"
  echo "== pass $name: $total calls as ${role:-the superuser}"
  while [[ -s "$todo" ]]; do
    {
      echo "SET client_min_messages = error;"
      echo "SET statement_timeout = '$CALL_TIMEOUT';"
      echo "SET lock_timeout = '2s';"
      echo "$prelude"
      sed 's/.*/SELECT fuzz.try(&);/' "$todo"
    } >"$WORK/script.sql"
    chunk_offset=$(log_size)
    run_script "$role" "$WORK/script.sql" >>"$results" 2>>"$errors"
    status=$?
    culprit=$(unanswered "$todo" "$results" | head -1)
    [[ $status -eq 0 || -z "$culprit" ]] && break
    wait_for_server "$chunk_offset" || die "pass $name: the server came back after the lost connection"
    fail "pass $name: the connection was lost at call $culprit ($(describe_call "$culprit"))" \
      "psql exit $status; $(crash_lines "$chunk_offset" | tr '\n' ' ')"
    awk -v culprit="$culprit" 'after {print} $1 == culprit {after = 1}' "$todo" >"$todo.next"
    mv "$todo.next" "$todo"
    restarts=$((restarts + 1))
    if ((restarts > 5)); then
      fail "pass $name: stopped after 5 lost connections"
      break
    fi
  done
  echo "   pass $name took $((SECONDS - started))s"
  missing=$(unanswered "$ids" "$results" | wc -l)
  check "pass $name: every call was answered ($total calls)" '[[ "$missing" -eq 0 ]]' \
    "$missing without an answer, first: $(unanswered "$ids" "$results" | head -3 | tr '\n' ' '); psql said: $(head -3 "$errors" | tr '\n' ' ')"
  internal=$(grep -cE '^[0-9]+\|XX000\|' "$results")
  if [[ "$internal" -eq 0 ]]; then
    pass "pass $name: no call answered with SQLSTATE XX000 (internal error)"
  else
    while IFS= read -r line; do
      id=${line%%|*}
      fail "pass $name: XX000 from $(describe_call "$id")" "${line#*|XX000|*|}"
    done < <(grep -E '^[0-9]+\|XX000\|' "$results")
  fi
  check_no_crash "pass $name" "$offset"
  check_select_1 "after pass $name"
  echo "   SQLSTATEs of pass $name (count, code, first message):"
  grep -E '^[0-9]+\|' "$results" | awk -F'|' '{msg = $4; for (i = 5; i <= NF; i++) msg = msg "|" $i;
                                               print $2 "\t" ($2 == "00000" ? "(success)" : msg)}' | sqlstate_table
  echo "   slowest calls of pass $name:"
  grep -E '^[0-9]+\|' "$results" | sort -t'|' -k3,3nr | head -3 | while IFS='|' read -r id _ ms _; do
    echo "   ${ms} ms: $(describe_call "$id" | cut -c1-150)"
  done
}

# ---- setup -----------------------------------------------------------------------------------
init_server_log
setup_fuzz_db
if out=$(su_sql -v secret_key="$CONTEXT_SECRET_KEY" -v kid="$CONTEXT_KID" -v hs_secret_hex="$HS256_SECRET_HEX" \
    -f "$FUZZ_DIR/arguments.sql" 2>&1); then
  pass "fuzzer loaded (test/fuzz/arguments.sql)"
else die "load test/fuzz/arguments.sql" "$(grep -m3 -E 'ERROR|FATAL' <<<"$out")"; fi
not_made=$(grep -E 'WARNING: +fixture' <<<"$out" | sed -E 's/.*WARNING: +//' | head -5)
check "every fixture secret was made" '[[ -z "$not_made" ]]' "$(tr '\n' ';' <<<"$not_made")"
functions=$(su_rows "SELECT count(*) FROM pg_proc WHERE pronamespace = 'tenancy'::regnamespace")
skipped=$(su_rows "SELECT string_agg(function::text, ', ' ORDER BY function::text) FROM fuzz.skipped WHERE reason = 'trigger'")
internal_fns=$(su_rows "SELECT string_agg(function::text, ', ' ORDER BY function::text) FROM fuzz.skipped WHERE reason = 'internal'")
covered=$(su_rows "SELECT count(DISTINCT fn) FROM fuzz.calls WHERE fn LIKE 'tenancy.%(%' AND fn NOT LIKE '% over rows'")
n_skipped=$(su_rows "SELECT count(*) FROM fuzz.skipped")
check "every function of schema tenancy is fuzzed ($covered of $functions; $n_skipped not callable from SQL)" \
  '[[ "$covered" -eq $((functions - n_skipped)) ]]' "$(su_rows "SELECT string_agg(p.oid::regprocedure::text, ', ')
    FROM pg_proc p WHERE p.pronamespace = 'tenancy'::regnamespace
     AND p.oid::regprocedure::text NOT IN (SELECT fn FROM fuzz.calls)
     AND p.oid NOT IN (SELECT function FROM fuzz.skipped)")"
echo "   not called: the trigger functions $skipped"
echo "   not called: the money_sum support functions, whose internal arguments SQL cannot pass" \
  "(they run inside the aggregate calls): $internal_fns"
unpooled=$(su_rows "SELECT string_agg(type::text, ', ') FROM fuzz.unpooled_types")
check "every argument type has a value pool" '[[ -z "$unpooled" ]]' "NULL only for: $unpooled"
echo "   $(su_rows "SELECT count(*) || ' calls: ' || count(*) FILTER (WHERE fn LIKE 'tenancy.%') || ' to functions, '
                      || count(*) FILTER (WHERE fn LIKE 'set_config%') || ' to settings'' check hooks'
                 FROM fuzz.calls")"

# ---- the passes ------------------------------------------------------------------------------
# The functions that hash passwords get all their calls in the first pass only (argon2id at
# the default costs takes 0.1 to 0.3 s a call, and what they do depends on neither the context
# nor the role); the other passes give them their all-NULL and all-reasonable calls.
FEW_HASHES="NOT hashes OR kind IN ('null', 'reasonable')"
run_pass superuser "" "SELECT tenancy.clear_context();" "true"
run_pass superuser-context "" "SELECT tenancy.set_context('$ORG_A', '$USER_A', NULL, false);" "$FEW_HASHES"
run_pass app app "" "$FEW_HASHES"
echo "   arguments took $((SECONDS - STARTED))s in all"
finish
