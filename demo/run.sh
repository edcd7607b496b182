#!/usr/bin/env bash
# The guided tour: installs what it needs, builds and installs tenancy, then runs demo/tour.sql
# in a throw-away PostgreSQL 15 cluster (pg_virtualenv) that is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-install.sh
# A free port, so that the tour also runs beside another cluster (pg_virtualenv takes PGPORT).
# shellcheck source=test/lib/free_port.sh
source test/lib/free_port.sh
PGPORT=$(free_port) || { echo "demo: no free port found" >&2; exit 1; }
export PGPORT
exec pg_virtualenv -t -o tenancy.create_key_file=on psql -X -q -v ON_ERROR_STOP=1 -f demo/tour.sql
