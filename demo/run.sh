#!/usr/bin/env bash
# The guided tour: installs what it needs, builds and installs tenancy, then runs demo/tour.sql
# in a throw-away PostgreSQL 15 cluster (pg_virtualenv) that is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-install.sh
exec pg_virtualenv -t -o tenancy.create_key_file=on psql -X -q -v ON_ERROR_STOP=1 -f demo/tour.sql
