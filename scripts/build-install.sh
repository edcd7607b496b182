#!/usr/bin/env bash
# Builds the extension with PGXS and installs it into PostgreSQL 15.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config

# Runs a command as root, through sudo when we are not root.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

make -s -j"$(nproc)"
as_root make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
