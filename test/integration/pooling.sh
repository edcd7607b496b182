#!/usr/bin/env bash
# The tenant context behind a real connection pooler: pgbouncer (the Debian package) in
# transaction pooling mode, in front of a throw-away PostgreSQL cluster.
#
# 1. Setup (as the superuser): CREATE EXTENSION tenancy; four organizations, one MEMBER user in
#    each, three seed projects per organization; role app (grant_app_role, plus EXECUTE on
#    set_context); an Ed25519 key pair in tenancy.context_public_keys and one signed token per
#    (organization, user), role MEMBER, ttl 1 hour. pgbouncer listens on 127.0.0.1 on a free port
#    with pool_mode = transaction, SCRAM authentication from a generated auth_file, and two
#    databases onto the same server database: `pooling` (default_pool_size 4) and `pooling_one`
#    (pool_size 1).
# 2. The pooled run: pgbench -M simple, 16 clients (as app) through `pooling`, 1250 transactions
#    each, 20,000 in all (test/integration/pooling/txn.sql). Each client changes organization at
#    every transaction; exactly half of the transactions set the context with
#    SET LOCAL tenancy.context_token = '<signed token>', half with tenancy.set_context(org, user)
#    (transaction-local by default). Each transaction checks that no context is in force when it
#    begins, that the context it set is the one in force (transaction scope, signed or not),
#    writes one project, and reads the projects: all of its organization, its new row among them.
#    Required: 20,000 transactions processed, none failed, no client aborted, no ERROR in the
#    server log.
# 3. Server-side verification (as the superuser, who bypasses row-level security): 20,000 rows;
#    each row's organization and creator are those its client meant and those the client number
#    and transaction number give; the (organization, mode) counts match the schedule exactly; the
#    audit trail has one INSERT per row, in the row's organization, by the row's creator; at most
#    4 server backends served the 16 clients, and backends served several organizations and
#    clients (the connections really were shared).
# 4. The leak a session-level context causes under transaction pooling, asserted: through
#    `pooling_one` (one server connection), client X sets a context and client Y, which never
#    sets one, then looks. Transaction-local contexts (set_context's default, SET LOCAL of a
#    token) leave nothing for Y. A session-level set_context(org, user, is_local => false) and a
#    session-level SET tenancy.context_token DO leak: Y, on the same backend, sees X's
#    organization in tenancy.current_org_id(), reads X's rows, and writes into X's organization.
#    clear_context() ends the leak.
#
# Run (as root or a user who may run pg_virtualenv, with the extension installed):
#   bash test/integration/pooling.sh
# It re-executes itself inside a throw-away cluster made by `pg_virtualenv -t` (on a free port),
# starts pgbouncer itself (as the cluster's owner when run as root: pgbouncer refuses root) and
# stops it on exit, also on failure. Prints one line per check, then
# `pooling: N passed, M failed`; exits non-zero on any failure. About a minute on 2 cores.
# check() takes its condition in single quotes and evaluates it itself.
# shellcheck disable=SC2016
set -uo pipefail

PG_VERSION="${POOLING_PG_VERSION:-15}"

# shellcheck source=test/lib/throwaway_cluster.sh
source "$(dirname "$0")/../lib/throwaway_cluster.sh"
reexec_in_throwaway_cluster pooling "$@"

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
HERE="$(cd "$(dirname "$0")" && pwd)"
TXN_SCRIPT="$HERE/pooling/txn.sql"
PGBOUNCER="${PGBOUNCER:-/usr/sbin/pgbouncer}"

DB=pooling
APP=app
APP_PW="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
CLIENTS=16
PER_CLIENT=1250
TOTAL=$((CLIENTS * PER_CLIENT))
POOL_SIZE=4
ORGS=4
SEEDS=3
PGBENCH_TIMEOUT=150
# Organization k and its user: fixed uuids, so that failures are easy to read.
org_of() { echo "00000000-0000-4000-8000-0000000000a$1"; }
user_of() { echo "00000000-0000-4000-8000-0000000000b$1"; }

passed=0
failed=0
# Records a passed check NAME.
pass() { passed=$((passed + 1)); echo "ok - $1"; }
# Records a failed check NAME [DETAIL].
fail() { failed=$((failed + 1)); echo "FAILED - $1${2:+: $2}"; }
# Records pass NAME when the condition $2 (a shell test string) holds, else fail NAME DETAIL($3).
check() { if eval "$2"; then pass "$1"; else fail "$1" "${3:-}"; fi; }
# Ends the run early: nothing after a failed setup step can be trusted.
die() {
  fail "$1" "${2:-}"
  echo "pooling: $passed passed, $failed failed"
  exit 1
}

WORK="$(mktemp -d)"
chmod 700 "$WORK"
BOUNCER_PID_FILE="$WORK/pgbouncer.pid"
BOUNCER_LOG="$WORK/pgbouncer.log"
# Stops pgbouncer (by the pid in its pid file) if it was started, then removes the work directory.
cleanup() {
  local pid i
  if [[ -s "$BOUNCER_PID_FILE" ]]; then
    pid=$(cat "$BOUNCER_PID_FILE")
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Runs stdin's SQL (or psql args) as the superuser in the test database, stopping at the first error.
su_sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
# Prints the rows (unaligned, tuples only) of superuser query $1 in the test database.
su_rows() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }
# Prints the value of marker $1 (a line NAME=value) in the text on stdin.
marker() { sed -n "s/^$1=//p" | head -1; }

# ---- the cluster --------------------------------------------------------------------------
D=$(psql -X -q -At -d postgres -c 'SHOW data_directory') || die "find the data directory"
OWNER=$(stat -c %U "$D")
read -r CLUSTER_VERSION CLUSTER_NAME LOG < <(pg_lsclusters -h | awk '{print $1, $2, $7}')
[[ -f "$LOG" ]] || die "find the server log" "pg_lsclusters gave '$LOG'"
echo "== cluster $CLUSTER_VERSION/$CLUSTER_NAME on port $PGPORT (owner $OWNER), log $LOG"

# ---- 1. setup -----------------------------------------------------------------------------
echo "== 1. setup: organizations, users, role $APP, signing key, tokens"
createdb "$DB" || die "createdb $DB"
{
  echo "SET client_min_messages = warning;"
  echo "CREATE EXTENSION tenancy;"
  for ((k = 1; k <= ORGS; k++)); do
    echo "INSERT INTO tenancy.organizations (id, name, slug) VALUES ('$(org_of $k)', 'Pool org $k', 'pool-org-$k');"
    echo "INSERT INTO tenancy.users (id, email, full_name) VALUES ('$(user_of $k)', 'user$k@pool.test', 'Pool user $k');"
    echo "INSERT INTO tenancy.organization_members (organization_id, user_id, role) VALUES ('$(org_of $k)', '$(user_of $k)', 'MEMBER');"
    for ((s = 1; s <= SEEDS; s++)); do
      echo "INSERT INTO tenancy.projects (organization_id, name, description) VALUES ('$(org_of $k)', 'seed-$k-$s', '$(org_of $k) seed');"
    done
  done
  cat <<SQL
CREATE ROLE $APP LOGIN PASSWORD '$APP_PW';
SELECT tenancy.grant_app_role('$APP');
GRANT EXECUTE ON FUNCTION tenancy.set_context(uuid, uuid, tenancy.org_role, boolean) TO $APP;
-- What each client needs per organization k: the ids and the signed token (filled in below).
CREATE TABLE pooling_ids (k int PRIMARY KEY, org uuid NOT NULL, usr uuid NOT NULL, tok text);
GRANT SELECT ON pooling_ids TO $APP;

-- Raises unless no tenant context is in force.
CREATE FUNCTION pooling_check_clean() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS \$\$
BEGIN
  IF tenancy.current_org_id() IS NOT NULL OR tenancy.current_user_id() IS NOT NULL THEN
    RAISE EXCEPTION 'pooling: a context is in force when the transaction begins: % (backend %)',
      tenancy.context(), pg_backend_pid();
  END IF;
END \$\$;
-- Raises unless the context in force is (org, usr, MEMBER), transaction-scoped, signed or not.
CREATE FUNCTION pooling_check_context(org uuid, usr uuid, signed boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS \$\$
DECLARE
  c jsonb := tenancy.context();
BEGIN
  IF tenancy.current_org_id() IS DISTINCT FROM org OR tenancy.current_user_id() IS DISTINCT FROM usr
     OR tenancy.current_org_role() IS DISTINCT FROM 'MEMBER' OR c ->> 'scope' IS DISTINCT FROM 'transaction'
     OR (c ->> 'signed')::boolean IS DISTINCT FROM signed THEN
    RAISE EXCEPTION 'pooling: wanted org %, user %, MEMBER, transaction scope, signed %; in force: %',
      org, usr, signed, c;
  END IF;
END \$\$;
-- Reads every visible project; raises unless all are org's (by tenant column and by what their
-- writer meant), org's seeds are all there and the row own_name was just written.
CREATE FUNCTION pooling_check_rows(org uuid, own_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS \$\$
DECLARE
  meant_for_org text := org::text || ' %';
  r record;
BEGIN
  SELECT count(*) AS total,
         count(*) FILTER (WHERE p.organization_id <> org) AS foreign_rows,
         count(*) FILTER (WHERE p.description NOT LIKE meant_for_org) AS meant_for_another,
         count(*) FILTER (WHERE p.name LIKE 'seed-%') AS seeds,
         count(*) FILTER (WHERE p.name = own_name) AS own
    INTO r FROM tenancy.projects p;
  IF r.foreign_rows <> 0 OR r.meant_for_another <> 0 OR r.seeds <> $SEEDS OR r.own <> 1 THEN
    RAISE EXCEPTION 'pooling: org % sees % rows: % of another organization, % meant for another, % seeds, % rows named %',
      org, r.total, r.foreign_rows, r.meant_for_another, r.seeds, r.own, own_name;
  END IF;
END \$\$;
SQL
} | su_sql >/dev/null || die "set up the extension, organizations, users and role $APP"
pass "CREATE EXTENSION tenancy; $ORGS organizations with one MEMBER each and $SEEDS seed projects each; role $APP"

read -r KID PUBLIC_KEY SECRET_KEY < <(su_rows "SELECT kid, public_key, secret_key FROM tenancy.generate_context_keypair()" | tr '|' ' ')
[[ -n "${SECRET_KEY:-}" ]] || die "generate a context key pair"
su_sql -c "LOAD 'tenancy'" -c "ALTER SYSTEM SET tenancy.context_public_keys = '$KID:$PUBLIC_KEY'" \
  -c "SELECT pg_reload_conf()" >/dev/null || die "ALTER SYSTEM SET tenancy.context_public_keys"
seen=""
for ((i = 0; i < 50; i++)); do
  seen=$(su_sql -c "LOAD 'tenancy'" -c "SHOW tenancy.context_public_keys" 2>/dev/null)
  [[ "$seen" == "$KID:$PUBLIC_KEY" ]] && break
  sleep 0.1
done
check "tenancy.context_public_keys = kid:public_key after the reload (kid $KID)" \
  '[[ "$seen" == "$KID:$PUBLIC_KEY" ]]' "shows '$seen'"
{
  for ((k = 1; k <= ORGS; k++)); do
    echo "INSERT INTO pooling_ids VALUES ($k, '$(org_of $k)', '$(user_of $k)',
            tenancy.sign_context_token('$SECRET_KEY', '$KID', '$(org_of $k)', '$(user_of $k)', 'MEMBER', '1 hour'));"
  done
} | su_sql >/dev/null || die "sign one token per organization"
tokens=$(su_rows "SELECT count(*) FILTER (WHERE tok ~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\$') FROM pooling_ids")
check "one signed token (compact JWS) per organization" '[[ "$tokens" == "$ORGS" ]]' "$tokens well-formed"

# ---- pgbouncer ----------------------------------------------------------------------------
BPORT=$(free_port) || die "find a free port for pgbouncer"
INI="$WORK/pgbouncer.ini"
printf '"%s" "%s"\n' "$APP" "$APP_PW" >"$WORK/userlist.txt"
cat >"$INI" <<INI
[databases]
$DB = host=127.0.0.1 port=$PGPORT dbname=$DB
${DB}_one = host=127.0.0.1 port=$PGPORT dbname=$DB pool_size=1

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BPORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $WORK/userlist.txt
pool_mode = transaction
default_pool_size = $POOL_SIZE
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 64
server_reset_query_always = 0
ignore_startup_parameters = extra_float_digits
logfile = $BOUNCER_LOG
pidfile = $BOUNCER_PID_FILE
INI
# Connects as $APP through pgbouncer database $1 (more args to psql), unaligned, tuples only.
APP_PSQL="$WORK/app_psql.sh"
cat >"$APP_PSQL" <<SH
#!/usr/bin/env bash
db="\$1"
shift
PGHOST=127.0.0.1 PGPORT=$BPORT PGUSER=$APP PGPASSWORD='$APP_PW' exec psql -X -q -At -v ON_ERROR_STOP=1 -d "\$db" "\$@"
SH
chmod 700 "$APP_PSQL"
# Runs psql as $APP through pgbouncer database $1 (more args to psql).
app_psql() { timeout 60 bash "$APP_PSQL" "$@"; }

# Starts pgbouncer as a daemon; as root, as the cluster's owner (pgbouncer refuses to run as root).
start_pgbouncer() {
  if [[ "$(id -u)" == 0 ]]; then
    chown -R "$OWNER" "$WORK"
    runuser -u "$OWNER" -- "$PGBOUNCER" -d -q "$INI"
  else
    "$PGBOUNCER" -d -q "$INI"
  fi
}
start_out=$(start_pgbouncer 2>&1) || die "start pgbouncer" "$start_out"
ready=""
for ((i = 0; i < 100; i++)); do
  ready=$(app_psql "$DB" -c "SELECT 'ready'" 2>&1) && [[ "$ready" == ready ]] && break
  sleep 0.1
done
check "pgbouncer $("$PGBOUNCER" --version | head -1 | awk '{print $2}') (pid $(cat "$BOUNCER_PID_FILE" 2>/dev/null)) on 127.0.0.1:$BPORT, pool_mode transaction, $APP logs in through it" \
  '[[ "$ready" == ready ]]' "$ready; $(tail -3 "$BOUNCER_LOG" 2>/dev/null | tr '\n' ' ')"
[[ "$ready" == ready ]] || die "connect through pgbouncer"

# ---- 2. the pooled run --------------------------------------------------------------------
echo "== 2. $CLIENTS clients, $TOTAL transactions, through a pool of $POOL_SIZE server connections"
log_start=$(wc -l <"$LOG")
run_start=$SECONDS
PGPASSWORD="$APP_PW" timeout "$PGBENCH_TIMEOUT" pgbench -h 127.0.0.1 -p "$BPORT" -U "$APP" -n -M simple \
  -c "$CLIENTS" -j 4 -t "$PER_CLIENT" -D n=0 -f "$TXN_SCRIPT" "$DB" >"$WORK/pgbench.out" 2>"$WORK/pgbench.err"
bench_status=$?
run_time=$((SECONDS - run_start))
processed=$(sed -n 's/^number of transactions actually processed: //p' "$WORK/pgbench.out")
failed_tx=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.out")
errors=$(grep -ciE 'error|abort' "$WORK/pgbench.err")
check "pgbench exit status $bench_status (want 0) after ${run_time}s (limit ${PGBENCH_TIMEOUT}s; ${tps:-?} tps)" \
  '[[ "$bench_status" -eq 0 ]]' "$(grep -m2 -iE 'error|abort' "$WORK/pgbench.err" | tr '\n' ' ')"
check "transactions processed: $processed (want $TOTAL/$TOTAL)" '[[ "$processed" == "$TOTAL/$TOTAL" ]]'
check "failed transactions: ${failed_tx:-?} (want 0)" '[[ "$failed_tx" == 0 ]]'
check "no client reported an error or aborted ($errors error lines)" '[[ "$errors" -eq 0 ]]' \
  "$(grep -m3 -iE 'error|abort' "$WORK/pgbench.err" | tr '\n' ' ')"
server_errors=$(tail -n +"$((log_start + 1))" "$LOG" | grep -cE 'ERROR|FATAL|PANIC')
check "no ERROR, FATAL or PANIC in the server log during the run ($server_errors lines)" '[[ "$server_errors" -eq 0 ]]' \
  "$(tail -n +"$((log_start + 1))" "$LOG" | grep -m3 -E 'ERROR|FATAL|PANIC' | tr '\n' ' ')"
bouncer_errors=$(grep -cE ' (ERROR|WARNING|FATAL) ' "$BOUNCER_LOG")
check "no ERROR, WARNING or FATAL in the pgbouncer log ($bouncer_errors lines)" '[[ "$bouncer_errors" -eq 0 ]]' \
  "$(grep -m3 -E ' (ERROR|WARNING|FATAL) ' "$BOUNCER_LOG" | tr '\n' ' ')"

# ---- 3. server-side verification ----------------------------------------------------------
echo "== 3. every written row, as the superuser"
ROWS="FROM tenancy.projects p WHERE p.name ~ '^c[0-9]+-n[0-9]+\$'"
n=$(su_rows "SELECT count(*) $ROWS")
check "rows written by the run: $n (want $TOTAL)" '[[ "$n" == "$TOTAL" ]]'
bad=$(su_rows "SELECT count(*) $ROWS AND (p.organization_id::text <> split_part(p.description, ' ', 1)
                 OR p.created_by_id IS DISTINCT FROM split_part(p.description, ' ', 2)::uuid)")
check "every row's organization and creator are the ones its client meant (mismatches: $bad)" '[[ "$bad" == 0 ]]'
# The schedule of txn.sql, recomputed here: client c, transaction n -> organization k and mode.
bad=$(su_rows "SELECT count(*) FROM (SELECT p.*, m[1]::int AS c, m[2]::int AS n
                 FROM tenancy.projects p, regexp_match(p.name, '^c([0-9]+)-n([0-9]+)\$') m) r
               JOIN pooling_ids i ON i.k = 1 + (r.c + r.n) % $ORGS
               WHERE r.organization_id <> i.org OR r.created_by_id <> i.usr
                  OR split_part(r.description, ' ', 3) <> CASE (r.n + r.n / 4) % 2 WHEN 1 THEN 'token' ELSE 'set_context' END")
check "every row's organization, creator and mode are the ones its client number and transaction number give (mismatches: $bad)" \
  '[[ "$bad" == 0 ]]'
per_client=$(su_rows "SELECT count(*) || ' clients, ' || min(cnt) || '..' || max(cnt) || ' rows each'
                      FROM (SELECT split_part(p.name, '-', 1) AS client, count(*) AS cnt $ROWS GROUP BY 1) x")
check "each client wrote $PER_CLIENT rows ($per_client)" '[[ "$per_client" == "$CLIENTS clients, $PER_CLIENT..$PER_CLIENT rows each" ]]'
declare -A want
for ((c = 0; c < CLIENTS; c++)); do
  for ((t = 0; t < PER_CLIENT; t++)); do
    key="$((1 + (c + t) % ORGS)) $(( (t + t / 4) % 2 ))"
    want[$key]=$((${want[$key]:-0} + 1))
  done
done
want_counts=""
for ((k = 1; k <= ORGS; k++)); do
  want_counts+="${want_counts:+,}$k set_context ${want["$k 0"]},$k token ${want["$k 1"]}"
done
got_counts=$(su_rows "SELECT string_agg(i.k || ' ' || x.mode || ' ' || x.cnt, ',' ORDER BY i.k, x.mode)
                      FROM (SELECT p.organization_id, split_part(p.description, ' ', 3) AS mode, count(*) AS cnt
                            $ROWS GROUP BY 1, 2) x JOIN pooling_ids i ON i.org = x.organization_id")
check "rows per (organization, mode) match the schedule exactly ($got_counts)" '[[ "$got_counts" == "$want_counts" ]]' \
  "want $want_counts"
modes=$(su_rows "SELECT string_agg(mode || ' ' || cnt, ', ' ORDER BY mode) FROM
                 (SELECT split_part(p.description, ' ', 3) AS mode, count(*) AS cnt $ROWS GROUP BY 1) x")
check "half the transactions used a signed token, half set_context ($modes)" \
  '[[ "$modes" == "set_context $((TOTAL / 2)), token $((TOTAL / 2))" ]]'
audit=$(su_rows "SELECT count(*) || ' ' || count(*) FILTER (WHERE a.organization_id = p.organization_id
                        AND a.user_id = p.created_by_id AND a.action = 'INSERT')
                 FROM tenancy.audit_logs a JOIN tenancy.projects p ON p.id = a.resource_id
                 WHERE a.resource_type = 'projects' AND p.name ~ '^c[0-9]+-n[0-9]+\$'")
check "the audit trail has one INSERT per row, in the row's organization, by its creator ($audit)" \
  '[[ "$audit" == "$TOTAL $TOTAL" ]]'
seeds=$(su_rows "SELECT count(*) FROM tenancy.projects WHERE name LIKE 'seed-%'")
check "the seed projects are untouched ($seeds)" '[[ "$seeds" == $((ORGS * SEEDS)) ]]'
sharing=$(su_rows "SELECT count(*) || ' ' || max(orgs) || ' ' || max(clients) FROM
                   (SELECT split_part(p.description, ' ', 4) AS pid, count(DISTINCT p.organization_id) AS orgs,
                           count(DISTINCT split_part(p.name, '-', 1)) AS clients $ROWS GROUP BY 1) x")
read -r backends max_orgs max_clients <<<"$sharing"
check "the connections were shared: $backends server backends for $CLIENTS clients (at most $POOL_SIZE); one backend served up to $max_orgs organizations and $max_clients clients" \
  '[[ "$backends" -ge 1 && "$backends" -le "$POOL_SIZE" && "$max_orgs" == "$ORGS" && "$max_clients" -gt 1 ]]' \
  "backends $backends, orgs $max_orgs, clients $max_clients"

# ---- 4. session-level contexts leak under transaction pooling -------------------------
echo "== 4. through one server connection: client X sets a context, client Y (who never does) looks"
POOL_ONE="${DB}_one"
ORG_A=$(org_of 1)
USER_A=$(user_of 1)
ORG_B=$(org_of 2)
TOKEN_A=$(su_rows "SELECT tok FROM pooling_ids WHERE k = 1")
TOKEN_B=$(su_rows "SELECT tok FROM pooling_ids WHERE k = 2")
# What client Y runs: it never sets a context, it only looks (and, in the write step, writes).
cat >"$WORK/y_look.sql" <<'SQL'
SELECT 'pid=' || pg_backend_pid();
SELECT 'org=' || coalesce(tenancy.current_org_id()::text, 'none');
SELECT 'scope=' || coalesce(tenancy.context() ->> 'scope', 'none');
SELECT 'rows=' || count(*) FROM tenancy.projects;
SELECT 'orgs=' || coalesce(string_agg(DISTINCT organization_id::text, ','), 'none') FROM tenancy.projects;
SQL
cat >"$WORK/y_write.sql" <<'SQL'
INSERT INTO tenancy.projects (name, description) VALUES ('written-by-y', 'client Y never set a context')
  RETURNING 'wrote_into=' || organization_id;
SQL
# Prints Y's look at the pool as the line $1: ... (one command for X's \! to run).
y_look() { printf '\\! bash %q %q -f %q > %q 2>&1\n' "$APP_PSQL" "$POOL_ONE" "$WORK/y_look.sql" "$WORK/y_$1.out"; }
rows_a=$(su_rows "SELECT count(*) FROM tenancy.projects WHERE organization_id = '$ORG_A'")
x_out=$(app_psql "$POOL_ONE" 2>&1 <<SQL
SELECT 'x_pid=' || pg_backend_pid();
SELECT tenancy.set_context('$ORG_A', '$USER_A');
$(y_look after_local_set_context)
BEGIN;
SET LOCAL tenancy.context_token = '$TOKEN_A';
SELECT 'x_in_token_txn=' || tenancy.current_org_id();
COMMIT;
$(y_look after_set_local_token)
SELECT tenancy.set_context('$ORG_A', '$USER_A', is_local => false);
SELECT 'x_session=' || tenancy.current_org_id() || ' ' || (tenancy.context() ->> 'scope');
$(y_look after_session_set_context)
\\! bash '$APP_PSQL' '$POOL_ONE' -f '$WORK/y_write.sql' > '$WORK/y_write.out' 2>&1
SELECT tenancy.clear_context();
$(y_look after_clear_context)
SET tenancy.context_token = '$TOKEN_B';
$(y_look after_session_token)
SELECT tenancy.clear_context();
$(y_look at_the_end)
SQL
)
x_status=$?
x_pid=$(marker x_pid <<<"$x_out")
check "client X's session through $POOL_ONE ran to the end (backend $x_pid)" \
  '[[ "$x_status" -eq 0 && -n "$x_pid" && "$(marker x_in_token_txn <<<"$x_out")" == "$ORG_A" && "$(marker x_session <<<"$x_out")" == "$ORG_A session" ]]' \
  "status $x_status: $(tr '\n' ' ' <<<"$x_out")"
# Checks that Y, after step $1, ran on X's backend and saw no context and no rows; label $2.
expect_clean() {
  local out
  out=$(cat "$WORK/y_$1.out" 2>/dev/null)
  check "$2: Y on X's backend sees no context and no rows" \
    '[[ "$(marker pid <<<"$out")" == "$x_pid" && "$(marker org <<<"$out")" == none && "$(marker rows <<<"$out")" == 0 ]]' \
    "$(tr '\n' ' ' <<<"$out")"
}
# Checks that Y, after step $1, ran on X's backend and saw X's context (org $3) and all its $4 rows; label $2.
expect_leak() {
  local out leaked_org="$3" leaked_rows="$4"
  out=$(cat "$WORK/y_$1.out" 2>/dev/null)
  check "$2: LEAK (expected for a session-level context): Y on X's backend sees org $3 (session scope) and its $4 rows" \
    '[[ "$(marker pid <<<"$out")" == "$x_pid" && "$(marker org <<<"$out")" == "$leaked_org" &&
        "$(marker scope <<<"$out")" == session && "$(marker rows <<<"$out")" == "$leaked_rows" &&
        "$(marker orgs <<<"$out")" == "$leaked_org" ]]' \
    "want org $leaked_org with $leaked_rows rows, got: $(tr '\n' ' ' <<<"$out")"
}
expect_clean after_local_set_context "set_context(org, user) (is_local default true) in X's autocommit transaction"
expect_clean after_set_local_token "SET LOCAL tenancy.context_token in X's transaction"
expect_leak after_session_set_context "set_context(org, user, is_local => false) by X" "$ORG_A" "$rows_a"
wrote=$(marker wrote_into <"$WORK/y_write.out")
check "LEAK: Y's INSERT without any context of its own lands in X's organization $ORG_A" \
  '[[ "$wrote" == "$ORG_A" ]]' "wrote into '$wrote': $(tr '\n' ' ' <"$WORK/y_write.out" 2>/dev/null)"
stored=$(su_rows "SELECT organization_id FROM tenancy.projects WHERE name = 'written-by-y'")
check "the superuser finds Y's row in X's organization" '[[ "$stored" == "$ORG_A" ]]' "got '$stored'"
expect_clean after_clear_context "after X's clear_context()"
rows_b=$(su_rows "SELECT count(*) FROM tenancy.projects WHERE organization_id = '$ORG_B'")
expect_leak after_session_token "session-level SET tenancy.context_token (no LOCAL) by X" "$ORG_B" "$rows_b"
expect_clean at_the_end "after X's second clear_context()"

echo "pooling: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
