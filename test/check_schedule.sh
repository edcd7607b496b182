#!/usr/bin/env bash
# Fails when a pg_regress test in sql/ is not in the schedule, or the schedule names a test
# that has no sql/ file or no expected/ output.
set -euo pipefail
cd "$(dirname "$0")/.."
schedule=${1:-test/regress_schedule}
scheduled=$(sed -n 's/^test: *//p' "$schedule" | tr ' ' '\n' | sed '/^$/d' | sort)
present=$(ls sql/*.sql | xargs -n1 basename | sed 's/\.sql$//' | sort)
status=0
for t in $(comm -23 <(echo "$present") <(echo "$scheduled")); do
  echo "sql/$t.sql is not in $schedule" >&2; status=1
done
for t in $scheduled; do
  [[ -f sql/$t.sql ]] || { echo "$schedule names $t but sql/$t.sql is missing" >&2; status=1; }
  [[ -f expected/$t.out ]] || { echo "expected/$t.out is missing" >&2; status=1; }
done
[[ $status -eq 0 ]] && echo "schedule ok: $(echo "$scheduled" | wc -l) tests, all scheduled"
exit $status
