#!/usr/bin/env bash
# Two-zone rule check: pure C++ files (given as arguments) and every header must not include
# PostgreSQL headers; only src/pg/ and *_pg.cpp files may.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](postgres\.h|postgres_ext\.h|fmgr\.h|miscadmin\.h|executor/|utils/|catalog/|access/|nodes/|funcapi\.h)'
bad=$(grep -lE "$pattern" "$@" 2>/dev/null || true)
headers=$(grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]postgres\.h[>"]' $(find src -name '*.hpp' -o -name '*.h') 2>/dev/null || true)
if [[ -n "$bad$headers" ]]; then
  echo "two-zone rule broken: PostgreSQL headers included from pure files or headers:" >&2
  printf '  %s\n' $bad $headers >&2
  exit 1
fi
echo "zones ok: $# pure files include no PostgreSQL header"
