# shellcheck shell=bash
# Shared by test/fuzz/sqlsmith.sh and test/fuzz/arguments.sh (sourced, not run), inside the
# throw-away cluster they re-execute themselves in: check bookkeeping, the server log (crash
# scan, error SQLSTATE counts), and the fuzz database with its sample data, its two
# application roles (app with a signed context token as a role default, app_anon without), and
# the keys the tokens are verified with. The caller sets FUZZ_NAME (the summary line's name)
# and WORK (a private temporary directory) before calling anything here.
# check() takes its condition in single quotes and evaluates it itself.
# shellcheck disable=SC2016

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FUZZ_DB=fuzz
# Organization A and its owner ua, as sample_data.sql derives them (md5 of a tag).
ORG_A=$(printf '%s' 'tenancy-fuzz:A' | md5sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
USER_A=$(printf '%s' 'tenancy-fuzz:ua' | md5sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
# The HS256 secret configured for crafted tokens (32 bytes of 0x5a), and its kid.
HS256_KID=fuzz-hs
HS256_SECRET_HEX=$(printf '5a%.0s' {1..32})

passed=0
failed=0
# Records a passed check NAME.
pass() { passed=$((passed + 1)); echo "ok - $1"; }
# Records a failed check NAME [DETAIL].
fail() { failed=$((failed + 1)); echo "FAILED - $1${2:+: $2}"; }
# Records pass NAME when the condition $2 (a shell test string) holds, else fail NAME DETAIL($3).
check() { if eval "$2"; then pass "$1"; else fail "$1" "${3:-}"; fi; }
# Prints the summary line and exits non-zero when anything failed.
finish() {
  echo "$FUZZ_NAME: $passed passed, $failed failed"
  [[ "$failed" -eq 0 ]]
  exit
}
# Ends the run early: nothing after a failed setup step can be trusted.
die() {
  fail "$1" "${2:-}"
  finish
}

# Runs stdin's SQL as the superuser in the fuzz database, stopping at the first error.
su_sql() { psql -X -q -v ON_ERROR_STOP=1 -d "$FUZZ_DB" "$@"; }
# Prints the rows (unaligned, tuples only) of query $1, run as the superuser in database $2.
su_rows() { psql -X -q -At -v ON_ERROR_STOP=1 -d "${2:-$FUZZ_DB}" -c "$1"; }
# Prints the rows of query $1 run as role $2 (password login over TCP) in the fuzz database.
role_rows() {
  PGPASSWORD="$APP_PASSWORD" psql -X -q -At -v ON_ERROR_STOP=1 \
    "host=127.0.0.1 port=$PGPORT dbname=$FUZZ_DB user=$2" -c "$1"
}

# Finds the server log (LOG) and makes it name each error's SQLSTATE, application and location.
init_server_log() {
  # log_min_messages = warning keeps the postmaster's crash reports (level LOG) and every ERROR;
  # log_error_verbosity = verbose adds the LOCATION (source file and function) of each error.
  read -r CLUSTER_VERSION CLUSTER_NAME LOG < <(pg_lsclusters -h | awk '{print $1, $2, $7}')
  [[ -f "$LOG" ]] || die "find the server log" "pg_lsclusters gave '$LOG'"
  psql -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null <<'SQL' || die "configure server logging"
ALTER SYSTEM SET log_line_prefix = '%m [%p] <%e|%a> ';
ALTER SYSTEM SET log_min_messages = 'warning';
ALTER SYSTEM SET log_min_error_statement = 'error';
ALTER SYSTEM SET log_error_verbosity = 'verbose';
SELECT pg_reload_conf();
SQL
  echo "== cluster $CLUSTER_VERSION/$CLUSTER_NAME on port $PGPORT, log $LOG"
}
# Prints the current size of the server log (an offset for log_since).
log_size() { stat -c %s "$LOG"; }
# Prints the server log from byte offset $1 on.
log_since() { tail -c "+$(($1 + 1))" "$LOG"; }
# Prints the server log's crash reports from offset $1 on (at most 5 lines, 300 characters each).
crash_lines() {
  # A backend killed by a signal or exiting with a code above 1 makes the postmaster reset every
  # session ("terminating any other active server processes"); exit code 1 is an ordinary
  # FATAL, such as a parallel worker stopped after its leader's error.
  log_since "$1" |
    grep -E 'terminated by signal|exited with exit code ([2-9]|[1-9][0-9]+)|Failed process was running|PANIC|terminating any other active server processes|all server processes terminated' |
    head -5 | cut -c1-300
}
# Check: no backend crash (signal, abnormal exit, PANIC) in the server log since offset $2; label $1.
check_no_crash() {
  local hits
  hits=$(crash_lines "$2")
  check "no backend crash in the server log ($1)" '[[ -z "$hits" ]]' "$(tr '\n' ' ' <<<"$hits")"
}
# Waits (60 s at most) until the server accepts connections after a crash logged since offset $1, if any.
wait_for_server() {
  local i
  sleep 1 # the postmaster logs a crash, and resets every session, a moment after it happened
  for ((i = 0; i < 120; i++)); do
    if [[ -z "$(crash_lines "$1")" ]] || log_since "$1" | grep -q 'database system is ready to accept connections'; then
      [[ "$(su_rows 'SELECT 1' postgres 2>/dev/null)" == 1 ]] && return 0
    fi
    sleep 0.5
  done
  return 1
}
# Check: the server answers SELECT 1 in a new session; label $1.
check_select_1() {
  local answer
  answer=$(su_rows 'SELECT 1' 2>&1)
  check "the server answers SELECT 1 ($1)" '[[ "$answer" == 1 ]]' "$answer"
}
# Prints "count SQLSTATE first-message" rows, most frequent first, of stdin's "SQLSTATE<TAB>message" lines.
sqlstate_table() {
  awk -F'\t' '{n[$1]++; if (!($1 in ex)) ex[$1] = substr($2, 1, 90)}
              END {for (s in n) printf "%8d  %s  %s\n", n[s], s, ex[s]}' | sort -k1,1nr -k2,2 |
    sed 's/^/   /'
}

# Creates the fuzz database with its sample data, roles, context keys and app's context token.
setup_fuzz_db() {
  # The keys: an Ed25519 pair in tenancy.context_public_keys and an HS256 secret in
  # tenancy.context_hs256_keys; role app's default tenancy.context_token is signed for
  # organization A as its OWNER ua, for a day. Sets APP_PASSWORD, CONTEXT_KID,
  # CONTEXT_SECRET_KEY and APP_TOKEN.
  local out public
  APP_PASSWORD="fuzz-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  createdb -E UTF8 -T template0 --locale=C.UTF-8 "$FUZZ_DB" || die "createdb $FUZZ_DB"
  if out=$(su_sql -v app_password="$APP_PASSWORD" -f "$FUZZ_DIR/sample_data.sql" 2>&1); then
    pass "sample data loaded (test/fuzz/sample_data.sql)"
  else die "load test/fuzz/sample_data.sql" "$(grep -m3 -E 'ERROR|FATAL' <<<"$out")"; fi
  read -r CONTEXT_KID public CONTEXT_SECRET_KEY < <(su_rows "SELECT kid, public_key, secret_key
    FROM tenancy.generate_context_keypair()" | tr '|' ' ')
  [[ -n "$CONTEXT_SECRET_KEY" ]] || die "generate a context key pair"
  psql -X -q -v ON_ERROR_STOP=1 -d "$FUZZ_DB" >/dev/null <<SQL || die "configure the context keys"
LOAD 'tenancy';
ALTER SYSTEM SET tenancy.context_public_keys = '$CONTEXT_KID:$public';
ALTER SYSTEM SET tenancy.context_hs256_keys = '$HS256_KID:$(xxd -r -p <<<"$HS256_SECRET_HEX" | base64 -w0)';
SELECT pg_reload_conf();
SQL
  local i seen=""
  for ((i = 0; i < 50; i++)); do
    seen=$(su_rows "LOAD 'tenancy'; SELECT current_setting('tenancy.context_public_keys')" 2>/dev/null)
    [[ "$seen" == "$CONTEXT_KID:$public" ]] && break
    sleep 0.1
  done
  [[ "$seen" == "$CONTEXT_KID:$public" ]] || die "the reload shows the context public key" "got '$seen'"
  APP_TOKEN=$(su_rows "SELECT tenancy.sign_context_token('$CONTEXT_SECRET_KEY', '$CONTEXT_KID',
    '$ORG_A', '$USER_A', 'OWNER', '1 day')") || die "sign the context token of role app"
  su_rows "ALTER ROLE app SET tenancy.context_token = '$APP_TOKEN'" >/dev/null ||
    die "ALTER ROLE app SET tenancy.context_token"
  out=$(role_rows "SELECT tenancy.current_org_id(), tenancy.current_org_role(), tenancy.context()->>'signed',
                          rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user" app 2>&1)
  check "role app logs in with a signed context for organization A as OWNER (not superuser, no BYPASSRLS)" \
    '[[ "$out" == "$ORG_A|OWNER|true|f|f" ]]' "got '$out'"
  out=$(role_rows "SELECT coalesce(tenancy.current_org_id()::text, 'none'), rolsuper
                     FROM pg_roles WHERE rolname = current_user" app_anon 2>&1)
  check "role app_anon logs in without a context (not superuser)" '[[ "$out" == "none|f" ]]' "got '$out'"
}
