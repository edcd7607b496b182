#!/usr/bin/env bash
# Sign-in timing: does tenancy.authenticate take as long for an unknown e-mail as for a known
# one? An attacker who could tell them apart would learn which addresses have accounts.
#
# Four kinds of sign-in, at the default argon2id costs (INTERACTIVE: 2 passes, 64 MiB):
#   known_wrong    a known e-mail with a wrong password
#   known_right    a known e-mail with the right password
#   unknown        an e-mail with no account
#   no_password    a user without a password (external sign-in)
# Each is run with pgbench (one client, BENCH_SECONDS per run, BENCH_ROUNDS interleaved rounds);
# the median transactions per second are printed with each kind's time relative to
# known_wrong. It also times the peer an application would otherwise write: a lookup that
# returns at once when the e-mail is unknown (verify_password only for known users), to show
# the difference the dummy verification removes. Nothing passes or fails on time.
#
# Run (as root or a user who may run pg_virtualenv, with the extension installed):
#   bash test/bench/authenticate_timing.sh
set -euo pipefail
# shellcheck source=test/bench/lib.sh
source "$(dirname "$0")/lib.sh"

PG_VERSION="${BENCH_PG_VERSION:-15}"
if [[ -z "${TENANCY_BENCH_IN_VIRTUALENV:-}" ]]; then
  export TENANCY_BENCH_IN_VIRTUALENV=1
  exec pg_virtualenv -t -v "$PG_VERSION" -o tenancy.create_key_file=on bash "$0" "$@"
fi

export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
export PGDATABASE=tenancy_bench
SECONDS_PER_RUN="${BENCH_SECONDS:-5}"
ROUNDS="${BENCH_ROUNDS:-3}"
KINDS=(known_wrong known_right unknown no_password naive_unknown)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

createdb tenancy_bench
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION tenancy;
SELECT tenancy.create_user('known@bench.test', 'the right password');
INSERT INTO tenancy.users (email) VALUES ('sso@bench.test');
-- The hand-written peer: look the user up, verify only if there is a hash.
CREATE FUNCTION public.naive_authenticate(p_email text, p_password text) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
  account record;
BEGIN
  SELECT id, password_hash INTO account FROM tenancy.users WHERE lower(email) = lower(p_email);
  IF account.password_hash IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN CASE WHEN tenancy.verify_password(p_password, account.password_hash) THEN account.id END;
END $$;
SQL

echo "SELECT tenancy.authenticate('known@bench.test', 'a wrong password');" >"$WORK/known_wrong.sql"
echo "SELECT tenancy.authenticate('known@bench.test', 'the right password');" >"$WORK/known_right.sql"
echo "SELECT tenancy.authenticate('nobody@bench.test', 'a wrong password');" >"$WORK/unknown.sql"
echo "SELECT tenancy.authenticate('sso@bench.test', 'a wrong password');" >"$WORK/no_password.sql"
echo "SELECT public.naive_authenticate('nobody@bench.test', 'a wrong password');" >"$WORK/naive_unknown.sql"

declare -A runs
for ((round = 0; round < ROUNDS; round++)); do
  for ((i = 0; i < ${#KINDS[@]}; i++)); do
    kind=${KINDS[$(((i + round) % ${#KINDS[@]}))]}
    tps=$(pgbench_tps "$kind" -n -c 1 -T "$SECONDS_PER_RUN" -f "$WORK/$kind.sql")
    runs[$kind]+="$tps "
  done
done

echo
echo "authenticate timing: median TPS of ${ROUNDS} rounds x ${SECONDS_PER_RUN} s, 1 client, default argon2id costs"
printf '%-14s %10s %12s %22s\n' kind tps ms_per_call time_vs_known_wrong
base=$(median ${runs[known_wrong]})
for kind in "${KINDS[@]}"; do
  tps=$(median ${runs[$kind]})
  printf '%-14s %10.1f %12.2f %22s\n' "$kind" "$tps" "$(awk -v t="$tps" 'BEGIN {print 1000 / t}')" \
    "$(ratio "$base" "$tps")"
done
