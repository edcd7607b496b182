#!/usr/bin/env bash
# The server key file (tenancy.key_file, tenancy.create_key_file), end to end in a real cluster.
#
# 1. No key file, create_key_file off (the defaults): CREATE EXTENSION works; hash_token,
#    encrypt_secret and decrypt_secret (under a context) raise 58P01 naming the file, with a hint;
#    the same backend still answers and the server log shows no crash.
# 2. Bad files at the key path: group- or others-accessible (F0000, "0600"), 31, 33 and 0 bytes
#    (F0000), a directory (F0000), an unreadable file and a symbolic link (58030). A session that
#    failed reads the key again once the file is fixed.
# 3. ALTER SYSTEM SET tenancy.create_key_file = on + reload: a session that failed before the
#    reload and a new session both work; the file is 32 bytes, mode 0600, owned by the server's
#    OS user, with no temporary file left; an existing bad file is never replaced.
# 4. hash_token of a fixed token is the same across sessions and across a server restart, and a
#    ciphertext stored before the restart decrypts after it.
# 5. Pointing tenancy.key_file at another key (relative, then absolute path) changes hash_token,
#    in an open session and in new ones, and the old ciphertext fails with 28000; switching back
#    restores both.
# 6. Eight sessions racing to create the missing key file (three rounds): all succeed and agree.
# 7. The key never shows: neither its bytes, hex nor base64 (whole or either half, of every key
#    file used above) appear in SHOW ALL, pg_settings, pg_file_settings, pg_dump, pg_dumpall,
#    the server log or any client output. A plain role cannot read tenancy.key_file
#    (GUC_SUPERUSER_ONLY: SHOW and current_setting raise 42501 once the library is loaded, and
#    pg_settings and SHOW ALL omit it); before the library is loaded in a session PostgreSQL only
#    has a placeholder, which is reported as a note (session_preload_libraries closes that gap,
#    which is checked).
#
# Run (as root or a user who may run pg_virtualenv, with the extension installed):
#   bash test/integration/key_file.sh
# It re-executes itself inside a throw-away cluster made by `pg_virtualenv -t` (on a free port,
# so that it can run beside other throw-away clusters). Prints one line per check, then
# `key_file: N passed, M failed`; exits non-zero on any failure.
# check() takes its condition in single quotes and evaluates it itself.
# shellcheck disable=SC2016
set -uo pipefail

PG_VERSION="${KEY_FILE_PG_VERSION:-15}"

# shellcheck source=test/lib/free_port.sh
source "$(dirname "$0")/../lib/free_port.sh"

if [[ -z "${TENANCY_KEY_FILE_IN_VIRTUALENV:-}" ]]; then
  export TENANCY_KEY_FILE_IN_VIRTUALENV=1
  if [[ -z "${PGPORT:-}" ]]; then
    PGPORT=$(free_port) || { echo "key_file: no free port found" >&2; exit 1; }
    export PGPORT
  fi
  exec pg_virtualenv -t -v "$PG_VERSION" bash "$0" "$@"
fi

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
WORK="$(mktemp -d)"
chmod 700 "$WORK"
mkdir "$WORK/keys"
trap 'rm -rf "$WORK"' EXIT
MESSAGES="$WORK/messages.log"  # every client output, scanned for key material at the end
: >"$MESSAGES"

DB=key_file
PLAIN=key_file_plain
ORG=6b65795f-6669-6c65-0000-000000000001
# A fixed, well-formed token (43 base64url characters).
TOKEN=keyfile-integration-test-token-0123456789ab
MAIN_SECRET='the main secret'
OTHER_SECRET='the other secret'

passed=0
failed=0
# Records a passed check NAME.
pass() { passed=$((passed + 1)); echo "ok     $1"; }
# Records a failed check NAME [DETAIL].
fail() { failed=$((failed + 1)); echo "FAILED $1${2:+: $2}"; }
# Records pass NAME when the condition $2 (a shell test string) holds, else fail NAME DETAIL($3).
check() { if eval "$2"; then pass "$1"; else fail "$1" "${3:-}"; fi; }
# Ends the run early: nothing after a failed setup step can be trusted.
die() {
  fail "$1" "${2:-}"
  echo "key_file: $passed passed, $failed failed"
  exit 1
}

# Runs stdin's psql script in a fresh session of db $1 (more args to psql); prints and keeps its output.
session() {
  local db="$1"
  shift
  psql -X -q -v VERBOSITY=verbose -d "$db" "$@" 2>&1 | tee -a "$MESSAGES"
}
# Runs SQL $2 in a fresh session of db $1, rows discarded; prints any error, then SQLSTATE=<code>.
error_of() {
  printf '\\o /dev/null\n%s\n\\o\n\\echo SQLSTATE=:SQLSTATE\n' "$2" | session "$1"
}
# Prints the value of marker $1 (a line NAME=value) in the text on stdin.
marker() { sed -n "s/^$1=//p" | head -1; }
# Prints the first error line of the text on stdin, without psql's "psql:<stdin>:N: " prefix.
first_error() { grep -m1 -E 'ERROR:' | sed -E 's/^psql:[^ ]*: //; s/ERROR: +//'; }
# Check $1: SQL $3 in a fresh session of db $2 raises SQLSTATE $4, its output matching regexes $5...
expect_error() {
  local label="$1" db="$2" sql="$3" want="$4" out state pattern
  shift 4
  out=$(error_of "$db" "$sql")
  state=$(marker SQLSTATE <<<"$out")
  if [[ "$state" != "$want" ]]; then
    fail "$label" "SQLSTATE $state, want $want: $(first_error <<<"$out")"
    return
  fi
  for pattern in "$@"; do
    if ! grep -qE -- "$pattern" <<<"$out"; then
      fail "$label" "output does not match /$pattern/: $(tr '\n' ' ' <<<"$out")"
      return
    fi
  done
  pass "$label ($(first_error <<<"$out"))"
}
# Prints hash_token(TOKEN) from a fresh session (hex, \x...), or the error.
fresh_hash() { psql -X -q -At -d "$DB" -c "SELECT tenancy.hash_token('$TOKEN')" 2>&1 | tee -a "$MESSAGES"; }
# Prints decrypt_secret of stored ciphertext $1 under the test org (fresh session), then SQLSTATE=.
fresh_decrypt() {
  session "$DB" -At <<SQL
\\o /dev/null
SELECT tenancy.set_context('$ORG', NULL, NULL, false);
\\o
SELECT tenancy.decrypt_secret(ct) FROM key_file_secrets WHERE label = '$1';
\\echo SQLSTATE=:SQLSTATE
SQL
}
# Writes $2 random bytes to $WORK/keys/$1 (kept for the leak scan) and prints its path.
new_bytes() { head -c "$2" /dev/urandom >"$WORK/keys/$1" && echo "$WORK/keys/$1"; }
# Installs file $1 at path $2 owned by the server's OS user, with mode $3.
put_file() { install -o "$OWNER" -g "$GROUP" -m "$3" "$1" "$2"; }
# Removes whatever is at the key path (file, link or directory).
clear_key() { rm -rf -- "$KEY"; }
# Prints "<mode> <owner> <size> <type>" of path $1.
file_facts() { stat -c '%a %U %s %F' -- "$1" 2>&1; }
# Lists temporary files create_key_file may leave beside the key (tenancy.key.XXXXXX).
temp_files() { find "$D" -maxdepth 1 -name 'tenancy.key.*' -printf '%f ' 2>/dev/null; }
# Checks that the server log has no crash and no PANIC so far; label suffix $1.
log_has_no_crash() {
  local hits
  hits=$(grep -E 'terminated by signal|PANIC|was terminated' "$LOG" | head -3)
  check "server log has no crash or PANIC ($1)" '[[ -z "$hits" ]]' "$hits"
}

# ALTER SYSTEM SET $1 = $2 (RESET when $2 is DEFAULT), reload, and wait until a new session sees
# the value $3. A separate script so that a psql session can run it with \!. PostgreSQL 15 knows
# an extension's setting only once its library is loaded, hence the LOAD.
ALTER="$WORK/alter_system.sh"
cat >"$ALTER" <<'SH'
#!/usr/bin/env bash
set -uo pipefail
name="$1" value="$2" expect="$3"
if [[ "$value" == DEFAULT ]]; then statement="ALTER SYSTEM RESET $name"
else statement="ALTER SYSTEM SET $name = $value"; fi
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "LOAD 'tenancy'" -c "$statement" \
  -c "SELECT pg_reload_conf()" >/dev/null || exit 1
for ((i = 0; i < 50; i++)); do
  seen=$(psql -X -q -At -d postgres -c "LOAD 'tenancy'" -c "SELECT current_setting('$name')")
  [[ "$seen" == "$expect" ]] && exit 0
  sleep 0.1
done
echo "alter_system: $name is '$seen', want '$expect'" >&2
exit 1
SH
# Applies ALTER SYSTEM (see alter_system.sh) and records a failure as a setup failure.
alter_system() { bash "$ALTER" "$@" 2>>"$MESSAGES" || die "ALTER SYSTEM $1 = $2"; }

# ---- the cluster ----------------------------------------------------------------------------
D=$(psql -X -q -At -d postgres -c 'SHOW data_directory') || die "find the data directory"
KEY="$D/tenancy.key"
OWNER=$(stat -c %U "$D")
GROUP=$(stat -c %G "$D")
read -r CLUSTER_VERSION CLUSTER_NAME LOG < <(pg_lsclusters -h | awk '{print $1, $2, $7}')
[[ -f "$LOG" ]] || die "find the server log" "pg_lsclusters gave '$LOG'"
echo "== cluster $CLUSTER_VERSION/$CLUSTER_NAME on port $PGPORT, data $D (owner $OWNER), log $LOG"

# ---- 1. No key file -------------------------------------------------------------------------
echo "== 1. no key file, tenancy.create_key_file off"
check "no key file at $KEY at the start" '[[ ! -e "$KEY" ]]' "$(file_facts "$KEY")"
createdb "$DB" || die "createdb $DB"
if psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >>"$MESSAGES" 2>&1 <<SQL; then
SET client_min_messages = warning;
CREATE EXTENSION tenancy;
SQL
  pass "CREATE EXTENSION tenancy without a key file"
else die "CREATE EXTENSION tenancy without a key file" "$(tail -3 "$MESSAGES")"; fi
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >>"$MESSAGES" 2>&1 <<SQL ||
INSERT INTO tenancy.organizations (id, name, slug) VALUES ('$ORG', 'Key file org', 'key-file-org');
CREATE TABLE key_file_secrets (label text PRIMARY KEY, ct bytea NOT NULL);
SQL
  die "create the test organization and table" "$(tail -3 "$MESSAGES")"

out=$(session "$DB" -At <<SQL
SELECT pg_backend_pid() AS pid \\gset
\\o /dev/null
SELECT tenancy.hash_token(tenancy.generate_token());
\\echo hash=:SQLSTATE
SELECT tenancy.set_context('$ORG', NULL, NULL, false);
\\echo context=:SQLSTATE
SELECT tenancy.encrypt_secret('$MAIN_SECRET');
\\echo encrypt=:SQLSTATE
SELECT tenancy.decrypt_secret('\\x01'::bytea);
\\echo decrypt=:SQLSTATE
\\o
SELECT 'same_backend=' || (pg_backend_pid() = :pid);
SQL
)
hash_error=$(grep -m1 -E 'ERROR: +58P01' <<<"$out" | sed -E 's/^psql:[^ ]*: //')
check "no key file: hash_token raises 58P01 naming the file (${hash_error#ERROR:  })" \
  '[[ "$(marker hash <<<"$out")" == 58P01 && "$hash_error" == *"server key file \"tenancy.key\" does not exist"* ]]' \
  "hash SQLSTATE $(marker hash <<<"$out"): $hash_error"
check "no key file: the error's hint says what to do (a 32-byte 0600 file or tenancy.create_key_file)" \
  'grep -qE "HINT: .*32 random bytes, mode 0600.*tenancy\.create_key_file" <<<"$out"' \
  "$(grep HINT <<<"$out" | head -1)"
check "no key file: set_context works without the key" '[[ "$(marker context <<<"$out")" == 00000 ]]' \
  "SQLSTATE $(marker context <<<"$out")"
check "no key file: encrypt_secret under a context raises 58P01" \
  '[[ "$(marker encrypt <<<"$out")" == 58P01 ]]' "SQLSTATE $(marker encrypt <<<"$out")"
check "no key file: decrypt_secret under a context raises 58P01" \
  '[[ "$(marker decrypt <<<"$out")" == 58P01 ]]' "SQLSTATE $(marker decrypt <<<"$out")"
check "no key file: the same backend still answers afterwards" \
  '[[ "$(marker same_backend <<<"$out")" == true ]]' "$(tr '\n' ' ' <<<"$out")"
log_has_no_crash "after the missing-key errors"

# ---- 2. Bad key files -------------------------------------------------------------------------
echo "== 2. bad files at the key path"
HASH_SQL="SELECT tenancy.hash_token('$TOKEN');"
put_file "$(new_bytes bad_0640.key 32)" "$KEY" 640
expect_error "mode 0640 (group-readable) is refused with F0000 naming 0600" "$DB" "$HASH_SQL" F0000 \
  'server key file "tenancy\.key" is accessible by group or others \(it must be mode 0600\)'
clear_key
put_file "$(new_bytes bad_0604.key 32)" "$KEY" 604
expect_error "mode 0604 (others-readable) is refused with F0000" "$DB" "$HASH_SQL" F0000 'mode 0600'
clear_key
put_file "$(new_bytes bad_31.key 31)" "$KEY" 600
expect_error "a 31-byte file is refused with F0000" "$DB" "$HASH_SQL" F0000 'must hold exactly 32 bytes'
clear_key
put_file "$(new_bytes bad_33.key 33)" "$KEY" 600
expect_error "a 33-byte file is refused with F0000" "$DB" "$HASH_SQL" F0000 'must hold exactly 32 bytes'
clear_key
put_file /dev/null "$KEY" 600
expect_error "an empty file is refused with F0000" "$DB" "$HASH_SQL" F0000 'must hold exactly 32 bytes'
clear_key
install -d -o "$OWNER" -g "$GROUP" -m 700 "$KEY"
expect_error "a directory is refused with F0000" "$DB" "$HASH_SQL" F0000 'is not a regular file'
clear_key
put_file "$(new_bytes bad_unreadable.key 32)" "$KEY" 000
expect_error "a file the server cannot read is refused with 58030" "$DB" "$HASH_SQL" 58030 \
  'could not be opened: Permission denied'
clear_key
put_file "$(new_bytes linked.key 32)" "$D/linked.key" 600
ln -s linked.key "$KEY"
expect_error "a symbolic link is refused with 58030 (opened with O_NOFOLLOW)" "$DB" "$HASH_SQL" 58030 \
  'could not be opened'
clear_key
rm -f "$D/linked.key"
# One session: refused (31 bytes), the file is fixed, the same session reads the key again.
put_file "$WORK/keys/bad_31.key" "$KEY" 600
fixed="$(new_bytes fixed.key 32)"
out=$(session "$DB" -At <<SQL
\\o /dev/null
$HASH_SQL
\\echo before=:SQLSTATE
\\! install -o '$OWNER' -g '$GROUP' -m 600 '$fixed' '$KEY'
$HASH_SQL
\\echo after=:SQLSTATE
SQL
)
check "a session refused for a bad file reads the key again once the file is fixed" \
  '[[ "$(marker before <<<"$out")" == F0000 && "$(marker after <<<"$out")" == 00000 ]]' \
  "$(tr '\n' ' ' <<<"$out")"
clear_key
log_has_no_crash "after the bad-file errors"

# ---- 3. create_key_file -----------------------------------------------------------------------
echo "== 3. tenancy.create_key_file = on"
# One session: refused (no file), then ALTER SYSTEM + reload from a shell, then it works. The
# backend applies the reload before its next command, so the pg_sleep is the command it waits on.
out=$(session "$DB" -At <<SQL
\\o /dev/null
$HASH_SQL
\\echo before=:SQLSTATE
\\! bash '$ALTER' tenancy.create_key_file on on
SELECT pg_sleep(0.5);
\\o
SELECT 'digest=' || tenancy.hash_token('$TOKEN')::text;
\\echo after=:SQLSTATE
SQL
)
H0=$(marker digest <<<"$out")
check "a session refused for a missing file creates it after the reload turns create_key_file on" \
  '[[ "$(marker before <<<"$out")" == 58P01 && "$(marker after <<<"$out")" == 00000 && -n "$H0" ]]' \
  "$(tr '\n' ' ' <<<"$out")"
[[ -f "$KEY" ]] || die "the key file was created" "$(file_facts "$KEY")"
cp "$KEY" "$WORK/keys/main.key"
h=$(fresh_hash)
check "a new session gets the same hash_token (key read from the created file)" \
  '[[ -n "$H0" && "$h" == "$H0" ]]' "got '$h', want '$H0'"
facts=$(file_facts "$KEY")
check "the created key file is mode 0600, owned by $OWNER, 32 bytes ($facts)" \
  '[[ "$facts" == "600 $OWNER 32 regular file" ]]' "got '$facts'"
left=$(temp_files)
check "no temporary file is left beside the key" '[[ -z "$left" ]]' "left: $left"
# create_key_file creates a missing file only: a bad one stays, and stays refused.
put_file "$WORK/keys/bad_31.key" "$KEY" 600
expect_error "create_key_file on: an existing 31-byte file is still refused with F0000" "$DB" "$HASH_SQL" \
  F0000 'must hold exactly 32 bytes'
facts=$(file_facts "$KEY")
check "create_key_file on: the bad file was not replaced" \
  '[[ "$facts" == "600 $OWNER 31 regular file" ]] && cmp -s "$KEY" "$WORK/keys/bad_31.key"' "got '$facts'"
put_file "$WORK/keys/main.key" "$KEY" 600

# Encrypts secret $2 under the test organization's context and stores it as row $1 of
# key_file_secrets; prints SQLSTATE=<code>.
store_secret() {
  session "$DB" -At <<SQL
\\o /dev/null
SELECT tenancy.set_context('$ORG', NULL, NULL, false);
INSERT INTO key_file_secrets VALUES ('$1', tenancy.encrypt_secret('$2'));
\\echo SQLSTATE=:SQLSTATE
SQL
}

# ---- 4. Stable across sessions and restarts ---------------------------------------------------
echo "== 4. the same key across sessions and a restart"
h1=$(fresh_hash)
h2=$(fresh_hash)
check "hash_token of a fixed token is identical in two more sessions" \
  '[[ "$h1" == "$H0" && "$h2" == "$H0" ]]' "got '$h1' and '$h2', want '$H0'"
out=$(store_secret main "$MAIN_SECRET")
check "encrypt_secret under the context, stored in a table" '[[ "$(marker SQLSTATE <<<"$out")" == 00000 ]]' \
  "$(tr '\n' ' ' <<<"$out")"
out=$(fresh_decrypt main)
check "the stored ciphertext decrypts in another session" '[[ "$(head -1 <<<"$out")" == "$MAIN_SECRET" ]]' \
  "$(tr '\n' ' ' <<<"$out")"
if restart_out=$(pg_ctlcluster "$CLUSTER_VERSION" "$CLUSTER_NAME" restart 2>&1); then
  pass "server restarted (pg_ctlcluster $CLUSTER_VERSION $CLUSTER_NAME restart)"
else die "restart the server" "$restart_out"; fi
h=$(fresh_hash)
check "hash_token is unchanged after the restart" '[[ "$h" == "$H0" ]]' "got '$h', want '$H0'"
out=$(fresh_decrypt main)
check "the ciphertext stored before the restart decrypts after it" \
  '[[ "$(head -1 <<<"$out")" == "$MAIN_SECRET" ]]' "$(tr '\n' ' ' <<<"$out")"

# ---- 5. Another key file ----------------------------------------------------------------------
echo "== 5. tenancy.key_file pointed at another key"
put_file "$(new_bytes other.key 32)" "$D/other.key" 600
# One session, open before the change: the key in use follows the setting.
out=$(session "$DB" -At <<SQL
SELECT 'before=' || tenancy.hash_token('$TOKEN')::text;
\\o /dev/null
\\! bash '$ALTER' tenancy.key_file "'other.key'" other.key
SELECT pg_sleep(0.5);
\\o
SELECT 'after=' || tenancy.hash_token('$TOKEN')::text;
SQL
)
H1=$(marker after <<<"$out")
check "an open session switches to the new key_file after the reload" \
  '[[ "$(marker before <<<"$out")" == "$H0" && -n "$H1" && "$H1" != "$H0" ]]' "$(tr '\n' ' ' <<<"$out")"
h=$(fresh_hash)
check "a new session: hash_token changed with the key (relative path other.key)" \
  '[[ -n "$H1" && "$h" == "$H1" ]]' "got '$h', want '$H1' (old '$H0')"
out=$(fresh_decrypt main)
check "the old key's ciphertext fails decrypt_secret with 28000 ($(first_error <<<"$out"))" \
  '[[ "$(marker SQLSTATE <<<"$out")" == 28000 ]]' "$(tr '\n' ' ' <<<"$out")"
out=$(store_secret other "$OTHER_SECRET")
check "encrypt_secret under the other key, stored" '[[ "$(marker SQLSTATE <<<"$out")" == 00000 ]]' \
  "$(tr '\n' ' ' <<<"$out")"
alter_system tenancy.key_file "'$D/other.key'" "$D/other.key"
h=$(fresh_hash)
check "the same key by its absolute path gives the same hash_token" '[[ "$h" == "$H1" ]]' \
  "got '$h', want '$H1'"
alter_system tenancy.key_file DEFAULT tenancy.key
h=$(fresh_hash)
check "switched back (RESET tenancy.key_file): hash_token is the original again" '[[ "$h" == "$H0" ]]' \
  "got '$h', want '$H0'"
out=$(fresh_decrypt main)
check "switched back: the first key's ciphertext decrypts again" \
  '[[ "$(head -1 <<<"$out")" == "$MAIN_SECRET" ]]' "$(tr '\n' ' ' <<<"$out")"
out=$(fresh_decrypt other)
check "switched back: the other key's ciphertext fails with 28000" \
  '[[ "$(marker SQLSTATE <<<"$out")" == 28000 ]]' "$(tr '\n' ' ' <<<"$out")"
log_has_no_crash "after the restart and the key switches"

# ---- 6. Concurrent creation -------------------------------------------------------------------
echo "== 6. eight sessions creating the missing key file at once"
SESSIONS=8
race_ok=1
for round in 1 2 3; do
  clear_key
  # Each session connects, sleeps until the same instant, then loads the library (whose
  # _PG_init reads, so creates, the key) with its first tenancy call.
  start=$(($(date +%s) + 2))
  pids=()
  for ((i = 1; i <= SESSIONS; i++)); do
    psql -X -q -At -d "$DB" -c "SELECT pg_sleep_until(to_timestamp($start))" \
      -c "SELECT tenancy.hash_token('$TOKEN')" >"$WORK/race.$i" 2>&1 &
    pids+=($!)
  done
  statuses=()
  for pid in "${pids[@]}"; do
    wait "$pid"
    statuses+=($?)
  done
  cat "$WORK"/race.* >>"$MESSAGES"
  digests=$(cat "$WORK"/race.* | grep -E '^\\x[0-9a-f]{64}$' | sort | uniq -c | sed -E 's/^ +//')
  errors=$(cat "$WORK"/race.* | grep -vE '^(\\x[0-9a-f]{64})?$' | head -2 | tr '\n' ' ')
  facts=$(file_facts "$KEY")
  cp "$KEY" "$WORK/keys/race$round.key" 2>/dev/null
  if [[ " ${statuses[*]} " != *" "[1-9]* && "${#statuses[@]}" -eq "$SESSIONS" &&
        "$digests" =~ ^$SESSIONS\ \\x[0-9a-f]{64}$ && "${digests#* }" != "$H0" &&
        "$facts" == "600 $OWNER 32 regular file" ]]; then
    pass "round $round: $SESSIONS concurrent sessions all succeeded with one digest from one new 0600 key"
  else
    race_ok=0
    fail "round $round: $SESSIONS concurrent sessions" \
      "exit statuses ${statuses[*]}; digests: $(tr '\n' ';' <<<"$digests"); file: $facts; errors: $errors"
  fi
done
left=$(temp_files)
check "no temporary file is left after the races" '[[ -z "$left" ]]' "left: $left"
h=$(fresh_hash)
if [[ "$race_ok" == 1 && "$h" == "${digests#* }" ]]; then pass "a later session reads the key the racers created"
else fail "a later session reads the key the racers created" "got '$h', want '${digests#* }'"; fi
log_has_no_crash "after the races"

# ---- 7. The key never shows -------------------------------------------------------------------
echo "== 7. the key never shows"
# Point the setting at the key explicitly, so that a session without the library has a
# placeholder holding the path (as on a server configured by postgresql.conf).
alter_system tenancy.key_file "'tenancy.key'" tenancy.key
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE ROLE $PLAIN LOGIN PASSWORD '$PGPASSWORD'" \
  >>"$MESSAGES" 2>&1 || die "create role $PLAIN"
# A plain role, library loaded in the session: GUC_SUPERUSER_ONLY applies.
PGUSER=$PLAIN expect_error "plain role, library loaded: SHOW tenancy.key_file raises 42501" "$DB" \
  "SELECT tenancy.generate_token(); SHOW tenancy.key_file;" 42501 'tenancy\.key_file'
PGUSER=$PLAIN expect_error "plain role, library loaded: current_setting('tenancy.key_file') raises 42501" \
  "$DB" "SELECT tenancy.generate_token(); SELECT current_setting('tenancy.key_file');" 42501
out=$(PGUSER=$PLAIN psql -X -q -At -d "$DB" -c "SELECT tenancy.generate_token() IS NOT NULL" \
  -c "SELECT count(*) FROM pg_settings WHERE name = 'tenancy.key_file'" -c "SHOW ALL" 2>&1)
echo "$out" >>"$MESSAGES"
check "plain role, library loaded: pg_settings and SHOW ALL omit tenancy.key_file (and list create_key_file)" \
  '[[ "$(sed -n 2p <<<"$out")" == 0 ]] && ! grep -q "^tenancy\.key_file|" <<<"$out" &&
   grep -q "^tenancy\.create_key_file|" <<<"$out"' \
  "$(grep -m1 'tenancy.key_file' <<<"$out")"
out=$(PGUSER=$PLAIN psql -X -q -At -d "$DB" \
  -c "SELECT count(*) FROM pg_settings WHERE name = 'tenancy.key_file'" -c "SHOW ALL" 2>&1)
echo "$out" >>"$MESSAGES"
check "plain role, fresh session: pg_settings and SHOW ALL omit tenancy.key_file" \
  '[[ "$(head -1 <<<"$out")" == 0 ]] && ! grep -q "^tenancy\.key_file|" <<<"$out"' \
  "$(grep -m1 'tenancy.key_file' <<<"$out")"
seen=$(PGUSER=$PLAIN psql -X -q -At -d "$DB" -c "SHOW tenancy.key_file" 2>&1)
echo "$seen" >>"$MESSAGES"
echo "note   plain role, fresh session (library not loaded): SHOW tenancy.key_file gives '$seen'" \
  "(PostgreSQL's placeholder; preload the library to hide it)"
psql -X -q -d postgres -c "ALTER ROLE $PLAIN SET session_preload_libraries = 'tenancy'" >>"$MESSAGES" 2>&1
PGUSER=$PLAIN expect_error "plain role with session_preload_libraries = tenancy: SHOW tenancy.key_file raises 42501" \
  "$DB" "SHOW tenancy.key_file;" 42501
psql -X -q -d postgres -c "ALTER ROLE $PLAIN RESET session_preload_libraries" >>"$MESSAGES" 2>&1

# Every place the key could surface, captured as a superuser with the library loaded.
psql -X -q -d "$DB" -c "LOAD 'tenancy'" -c "SHOW ALL" >"$WORK/show_all.txt" 2>&1
psql -X -q -d "$DB" -c "LOAD 'tenancy'" -c "SELECT * FROM pg_settings" >"$WORK/pg_settings.txt" 2>&1
psql -X -q -d "$DB" -c "SELECT * FROM pg_file_settings" >"$WORK/pg_file_settings.txt" 2>&1
pg_dump -d "$DB" -f "$WORK/pg_dump.sql" 2>"$WORK/pg_dump.err" || fail "pg_dump $DB" "$(head -3 "$WORK/pg_dump.err")"
pg_dumpall -f "$WORK/pg_dumpall.sql" 2>"$WORK/pg_dumpall.err" || fail "pg_dumpall" "$(head -3 "$WORK/pg_dumpall.err")"
grep -q 'CREATE EXTENSION IF NOT EXISTS tenancy' "$WORK/pg_dump.sql" ||
  fail "pg_dump holds the extension" "no CREATE EXTENSION in the dump"
check "SHOW ALL and pg_settings (superuser) show the setting's path" \
  'grep -q "tenancy.key_file.*tenancy.key" "$WORK/show_all.txt" && grep -q "tenancy.key_file" "$WORK/pg_settings.txt"'
ls "$WORK/keys" >"$WORK/key_names.txt"

# Searches files for key material: for each key in $1 (a directory), its raw bytes, lowercase
# hex (matched case-insensitively), base64 and base64url (unpadded), each whole and each half.
# Prints one line per hit; exits 1 when there is any.
SCAN=$(cat <<'PERL'
use strict; use warnings; use MIME::Base64;
my ($dir, @files) = @ARGV;
opendir(my $dh, $dir) or die "$dir: $!";
my @needles;
for my $name (sort grep { !/^\./ } readdir $dh) {
  open(my $fh, '<:raw', "$dir/$name") or die "$name: $!";
  local $/; my $key = <$fh>; close $fh;
  next if length($key) < 16;
  my $half = int(length($key) / 2);
  my %parts = (whole => $key, first_half => substr($key, 0, $half), second_half => substr($key, $half));
  for my $part (sort keys %parts) {
    my $bytes = $parts{$part};
    (my $b64 = encode_base64($bytes, '')) =~ s/=+$//;
    (my $b64url = $b64) =~ tr{+/}{-_};
    push @needles, ["$name $part raw", $bytes, 0], ["$name $part hex", unpack('H*', $bytes), 1],
                   ["$name $part base64", $b64, 0], ["$name $part base64url", $b64url, 0];
  }
}
my $hits = 0;
for my $file (@files) {
  open(my $fh, '<:raw', $file) or die "$file: $!";
  local $/; my $text = <$fh>; close $fh;
  my $lower = lc $text;
  for my $n (@needles) {
    my ($label, $needle, $ci) = @$n;
    next unless index($ci ? $lower : $text, $needle) >= 0;
    print "$label in $file\n"; $hits++;
  }
}
exit($hits ? 1 : 0);
PERL
)
# Checks that no key material is in the files $2...; label $1.
no_key_in() {
  local label="$1" hits status
  shift
  hits=$(perl -e "$SCAN" "$WORK/keys" "$@" 2>&1)
  status=$?
  if [[ "$status" -eq 0 && -z "$hits" ]]; then pass "$label"
  else fail "$label" "$(head -3 <<<"$hits" | tr '\n' ';')"; fi
}
echo "   scanning for $(wc -l <"$WORK/key_names.txt") key files' material: $(tr '\n' ' ' <"$WORK/key_names.txt")"
no_key_in "no key material in SHOW ALL" "$WORK/show_all.txt"
no_key_in "no key material in pg_settings" "$WORK/pg_settings.txt"
no_key_in "no key material in pg_file_settings" "$WORK/pg_file_settings.txt"
no_key_in "no key material in pg_dump of $DB" "$WORK/pg_dump.sql"
no_key_in "no key material in pg_dumpall" "$WORK/pg_dumpall.sql"
no_key_in "no key material in the server log ($(wc -l <"$LOG") lines, every error above)" "$LOG"
no_key_in "no key material in any client output or error message ($(wc -l <"$MESSAGES") lines)" "$MESSAGES"
# The scan itself finds what it looks for (a copy of a key, in hex, is a hit).
xxd -p -c 64 "$WORK/keys/main.key" >"$WORK/planted.txt"
if ! perl -e "$SCAN" "$WORK/keys" "$WORK/planted.txt" >/dev/null 2>&1; then
  pass "the scan finds a key's hex when it is there"
else fail "the scan finds a key's hex when it is there"; fi
log_has_no_crash "at the end"

echo "key_file: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
