#!/usr/bin/env bash
# Runs every test layer: the two-zone and schedule checks, GoogleTest unit tests (CTest),
# pg_regress and isolation specs in a throw-away cluster, the boundary test module, and the
# dump/restore integration script. Installs its own dependencies. Ends with a summary line
# and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/lib/postgresql/15/bin:$PATH

passed=0
failed=0
layers=()

# Records a layer's result: name, passed count, failed count.
record() {
  passed=$((passed + $2))
  failed=$((failed + $3))
  layers+=("$(printf '%-12s %4d passed, %d failed' "$1" "$2" "$3")")
}

# Stops early when a prerequisite step fails: nothing after it can be trusted.
die() {
  echo "FATAL: $*" >&2
  echo "tests: $passed passed, $((failed + 1)) failed"
  exit 1
}

bash scripts/install-deps.sh || die "installing dependencies failed"
bash scripts/build-install.sh || die "building or installing the extension failed"

echo "== static checks"
checks_failed=0
make -s check-zones || checks_failed=$((checks_failed + 1))
make -s check-schedule || checks_failed=$((checks_failed + 1))
make -s check-upgrade || checks_failed=$((checks_failed + 1))
record checks $((3 - checks_failed)) "$checks_failed"

echo "== unit tests (GoogleTest via CTest)"
unit_log=$(mktemp)
if cmake -S . -B build/unit -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
   cmake --build build/unit -j"$(nproc)" >/dev/null; then
  (cd build/unit && ctest --output-on-failure) | tee "$unit_log"
  summary=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$unit_log" | tail -1)
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  bad=$(sed -E 's/.*tests passed, ([0-9]+) tests failed.*/\1/' <<<"$summary")
  [[ -n "$total" ]] || { total=0; bad=1; }
  record unit $((total - bad)) "$bad"
else
  echo "unit tests did not build" >&2
  record unit 0 1
fi

echo "== pg_regress and isolation specs (throw-away cluster)"
rm -rf results regression.diffs regression.out output_iso
regress_log=$(mktemp)
pg_virtualenv -t -o tenancy.create_key_file=on make -s installcheck PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config 2>&1 | tee "$regress_log"
ok=$(grep -cE '^(ok|test) .* ok( |$)|\.\.\. ok' "$regress_log" || true)
bad=$(grep -cE 'FAILED|failed \(ignored\)' "$regress_log" || true)
for diffs in regression.diffs output_iso/regression.diffs; do
  if [[ -f $diffs ]]; then
    echo "---- $diffs"
    cat "$diffs"
    ((bad > 0)) || bad=1
  fi
done
record regress "$ok" "$bad"

echo "== boundary module (guard, pg_call, interrupts, SPI reader, SRF in a live server)"
boundary_log=$(mktemp)
bash test/modules/boundary/run.sh 2>&1 | tee "$boundary_log"
boundary_status=${PIPESTATUS[0]}
ok=$(grep -cE '\.\.\. ok' "$boundary_log" || true)
bad=$(grep -cE '\.\.\. FAILED' "$boundary_log" || true)
[[ $boundary_status -eq 0 || $bad -gt 0 ]] || bad=1
record boundary "$ok" "$bad"

echo "== integration (dump/restore and the DROP guard, the key file, upgrades, pooling, and the reliability scripts)"
# Runs one script (test/integration/NAME.sh, or DIR/NAME.sh) and records its
# "NAME: N passed, M failed" summary line.
run_integration() {
  local name=$1 dir=${2:-test/integration} log status summary ok bad
  log=$(mktemp)
  bash "$dir/$name.sh" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  summary=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -1)
  ok=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$summary")
  bad=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$summary")
  [[ -n $ok ]] || { ok=0; bad=1; }
  [[ $status -eq 0 || $bad -gt 0 ]] || bad=1
  record "$name" "$ok" "$bad"
}
run_integration dump_restore
run_integration key_file
run_integration upgrade
run_integration pooling
run_integration cancellation
run_integration crash_safety
run_integration sanitizers

echo "== fuzzing (every tenancy function with hostile arguments; sqlsmith as the application role)"
run_integration arguments test/fuzz
run_integration sqlsmith test/fuzz

echo
echo "== summary"
printf '%s\n' "${layers[@]}"
echo "tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
