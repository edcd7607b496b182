#!/usr/bin/env bash
# Builds and installs the tenancy_boundary test module, then runs its pg_regress test in a
# throw-away cluster (pg_virtualenv -t). Prints regression.diffs on failure; exits non-zero if
# anything failed. Assumes tenancy's build dependencies are installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export PATH=/usr/lib/postgresql/15/bin:$PATH
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config

# Runs a command as root, through sudo when we are not root.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

echo "== tenancy_boundary: build and install"
make -C "$here" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG"
as_root make -C "$here" -s install PG_CONFIG="$PG_CONFIG" >/dev/null

echo "== tenancy_boundary: pg_regress (throw-away cluster)"
rm -rf "$here/results" "$here/regression.diffs" "$here/regression.out"
status=0
pg_virtualenv -t make -C "$here" -s installcheck PG_CONFIG="$PG_CONFIG" || status=$?
if [[ -f "$here/regression.diffs" ]]; then
  echo "---- regression.diffs"
  cat "$here/regression.diffs"
  ((status != 0)) || status=1
fi
exit "$status"
