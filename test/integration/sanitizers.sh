#!/usr/bin/env bash
# Sanitizer runs: the unit tests and the whole pg_regress + isolation suite with AddressSanitizer
# and UndefinedBehaviorSanitizer, zero reports allowed.
#
# 1. Unit tests: CMake with -DTENANCY_SANITIZE=ON into build/unit-sanitize (the pure core and the
#    GoogleTest binary built with -fsanitize=address,undefined -fno-omit-frame-pointer
#    -fno-sanitize-recover=all), run by CTest with ASAN_OPTIONS/UBSAN_OPTIONS that make any
#    report (leaks included: detect_leaks=1) abort the test, so it fails.
# 2. The extension: the working tree (tracked and untracked, not ignored, files) is copied to a
#    temporary directory and built there with `make SANITIZE=address,undefined`, so the normal
#    objects in the repository are never replaced; it is installed with DESTDIR into that
#    temporary directory, never into PostgreSQL's own directories. A throw-away cluster
#    (`pg_virtualenv -t`, free port, loopback) loads it through Debian's extension_destdir
#    setting, with tenancy.create_key_file = on as in test/run-all.sh. The postmaster runs with
#    the ASan runtime preloaded (LD_PRELOAD through the cluster's `environment` file, given to
#    pg_createcluster with --environment) and ASAN_OPTIONS=detect_leaks=0 (PostgreSQL leaks by
#    design), abort_on_error=1, ASan reports written to log_path files; UBSan reports go to the
#    server log. A tiny second preload, built here (see write_preload_shim), makes this work:
#    without it the preloaded ASan runtime deadlocks at start-up (`postgres -V` hangs) and UBSan
#    ignores UBSAN_OPTIONS in backends. Checks: a backend really has libasan and libubsan
#    mapped and runs the sanitized tenancy.so from extension_destdir; the pg_regress suite and
#    the isolation specs pass (`make installcheck`, run once for each); no ASan report file,
#    and no sanitizer report or crash in the server log; the tenancy.so installed in pkglibdir
#    is still a normal (unsanitized) build.
#
# Run (as root or a user who may run pg_virtualenv; needs cmake, GoogleTest, libsodium and the
# PostgreSQL 15 server dev files, as the rest of the suite):
#   bash test/integration/sanitizers.sh
# Each step is bounded: SANITIZERS_TIMEOUT seconds (default 1800) for each build, for the unit
# tests, and for each of the two server suites (the cluster as a whole: twice that + 300 s).
# Prints one line per check, then `sanitizers: N passed, M failed`; exits non-zero on any
# failure.
# The bash -c scripts take their arguments as $1...; the finish trap is called indirectly.
# shellcheck disable=SC2016,SC2317
set -uo pipefail

PG_VERSION=15
export PATH="/usr/lib/postgresql/${PG_VERSION}/bin:$PATH"
PG_CONFIG="/usr/lib/postgresql/${PG_VERSION}/bin/pg_config"
LIMIT="${SANITIZERS_TIMEOUT:-1800}"
SANITIZE=address,undefined

passed=0
failed=0
# Records a passed check NAME.
pass() { passed=$((passed + 1)); echo "ok - $1"; }
# Records a failed check NAME [DETAIL].
fail() { failed=$((failed + 1)); echo "FAILED - $1${2:+: $2}"; }
# Prints the last $2 lines of file $1, indented, when it exists and is not empty (diagnostics).
show() { [[ -s "$1" ]] && { echo "---- $1 (last $2 lines)"; tail -n "$2" "$1" | sed 's/^/    /'; }; }
# Prints the sanitizer reports and crashes found in files $@: a server process killed by a
# signal or exiting non-zero, any crash-restart cycle, PANIC. (A parallel worker exiting with
# code 1 after an ERROR is normal and not matched.)
sanitizer_hits() {
  grep -hE 'ERROR: (AddressSanitizer|LeakSanitizer)|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:|terminated by signal|server process \(PID [0-9]+\) exited with exit code|terminating any other active server|PANIC' \
    "$@" 2>/dev/null | head -20
}

# ---------------------------------------------------------------------------------------------
# Inside the throw-away cluster (re-executed by pg_virtualenv): the server checks. Writes its
# counts to $WORK/inner.counts and a copy of the server log to $WORK/server.log.
if [[ "${1:-}" == --in-cluster ]]; then
  WORK="$2"
  TREE="$WORK/tree"
  DESTDIR="$WORK/destdir"
  PKGLIBDIR="$("$PG_CONFIG" --pkglibdir)"
  read -r _ _ SERVER_LOG < <(pg_lsclusters -h | awk '$2 == "regress" {print $1, $2, $7}')
  # Saves the counts and the server log for the outer run (the cluster goes away after us).
  finish() {
    echo "$passed $failed" >"$WORK/inner.counts"
    [[ -n "${SERVER_LOG:-}" && -f "$SERVER_LOG" ]] && cp "$SERVER_LOG" "$WORK/server.log"
  }
  trap finish EXIT

  # Checks that a backend which ran CREATE EXTENSION has the sanitizer runtimes and the
  # sanitized tenancy.so (from extension_destdir, not pkglibdir) mapped.
  probe_backend() {
    local pid="" maps tries
    psql -X -q -d postgres -c 'CREATE DATABASE sanitizer_probe' >/dev/null ||
      { fail "create the probe database"; return; }
    psql -X -q -d sanitizer_probe -v ON_ERROR_STOP=1 -c 'SET application_name = sanitizer_probe' \
      -c 'CREATE EXTENSION tenancy' -c 'SELECT pg_sleep(60)' >"$WORK/probe.log" 2>&1 &
    local probe=$!
    for ((tries = 0; tries < 120; tries++)); do
      sleep 0.5
      pid=$(psql -X -At -d postgres -c "SELECT pid FROM pg_stat_activity WHERE
              application_name = 'sanitizer_probe' AND query LIKE 'SELECT pg_sleep%'")
      if [[ -n "$pid" ]] || ! kill -0 "$probe" 2>/dev/null; then break; fi
    done
    if [[ -z "$pid" ]]; then
      fail "probe backend runs CREATE EXTENSION tenancy" "$(tr '\n' ' ' <"$WORK/probe.log")"
      wait "$probe"
      return
    fi
    maps=$(cat "/proc/$pid/maps" 2>&1)
    psql -X -q -At -d postgres -c "SELECT pg_cancel_backend($pid)" >/dev/null
    wait "$probe"
    if grep -q '/libasan\.so' <<<"$maps" && grep -q '/libubsan\.so' <<<"$maps"; then
      pass "ASan and UBSan runtimes are mapped in a backend (grep /proc/$pid/maps)"
    else
      fail "ASan and UBSan runtimes are mapped in a backend" \
        "$(grep -oE '/[^ ]*(asan|ubsan)[^ ]*' <<<"$maps" | sort -u | tr '\n' ' ')"
    fi
    if grep -q " $DESTDIR$PKGLIBDIR/tenancy\.so\$" <<<"$maps" &&
       ! grep -q " $PKGLIBDIR/tenancy\.so\$" <<<"$maps"; then
      pass "the backend runs the sanitized tenancy.so from extension_destdir"
    else
      fail "the backend runs the sanitized tenancy.so from extension_destdir" \
        "$(grep -oE '/[^ ]*tenancy[^ ]*\.so' <<<"$maps" | sort -u | tr '\n' ' ')"
    fi
    psql -X -q -d postgres -c 'DROP DATABASE sanitizer_probe' >/dev/null
  }

  # Runs `make installcheck` in the sanitized tree with make variables $3... (one suite); label
  # $1, diffs file $2 (relative to the tree).
  run_suite() {
    local label="$1" diffs="$2" log status summary
    shift 2
    log="$WORK/${label// /_}.log"
    timeout "$LIMIT" make -C "$TREE" -s installcheck PG_CONFIG="$PG_CONFIG" "$@" >"$log" 2>&1
    status=$?
    summary=$(grep -E 'All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests (failed|passed)' "$log" | tail -1 |
      tr -d '=' | sed 's/^ *//; s/ *$//')
    if ((status == 0)) && [[ ! -f "$TREE/$diffs" && "$summary" == All* ]]; then
      pass "$label passes under ASan+UBSan ($summary)"
    else
      fail "$label passes under ASan+UBSan" "make status $status${summary:+, $summary}"
      show "$log" 40
      show "$TREE/$diffs" 80
    fi
  }

  probe_backend
  run_suite "the pg_regress suite" regression.diffs ISOLATION=
  run_suite "the isolation suite" output_iso/regression.diffs REGRESS=
  hits=$(sanitizer_hits "$SERVER_LOG")
  if [[ -f "$SERVER_LOG" && -z "$hits" ]]; then
    pass "server log: no sanitizer report, crash or PANIC"
  else
    fail "server log: no sanitizer report, crash or PANIC" "${hits:-no server log at '$SERVER_LOG'}"
  fi
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Outer run.
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=test/lib/free_port.sh
source "$ROOT/test/lib/free_port.sh"
START=$SECONDS
WORK=$(mktemp -d -t tenancy-sanitizers.XXXXXX)
chmod 755 "$WORK"
BOUNDED_PID=""

# Stops a bounded step still running (and its process group) and any server process left
# behind, then removes the work directory.
cleanup() {
  if [[ -n "$BOUNDED_PID" ]]; then
    kill -TERM "$BOUNDED_PID" 2>/dev/null
    wait "$BOUNDED_PID" 2>/dev/null
  fi
  kill_leftovers
  rm -rf "$WORK"
}

# Kills, by id, processes still carrying this run's ASAN_OPTIONS (log_path under $WORK): a
# postmaster (pg_ctl detaches it into its own session) that outlived its pg_virtualenv, e.g.
# after a timeout. Normally there are none.
kill_leftovers() {
  local environ pid
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}
    pid=${pid%/environ}
    [[ "$pid" == "$$" ]] && continue
    if tr '\0' '\n' 2>/dev/null <"$environ" | grep -qF "log_path=$WORK/sanitizer-logs/"; then
      echo "# killing leftover process $pid: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")"
      kill -KILL "$pid" 2>/dev/null
    fi
  done
}

# Builds the shared object $1, preloaded after libasan into the postmaster. It defines:
# - swift_demangle (returning "not demangled"). The preloaded ASan runtime starts lazily, at
#   the first malloc; in postgres that is inside libgpg-error's constructor, in bindtextdomain,
#   which holds glibc's gettext lock, and ASan's start-up calls dlsym("swift_demangle") then
#   dlerror(), whose message goes through gettext and takes that lock again: the lock is
#   corrupted and postgres's own bindtextdomain waits forever. With the symbol present dlsym
#   succeeds, dlerror has no message, and gettext is not entered (cf. llvm/llvm-project#49223).
# - __ubsan_default_options, returning getenv("UBSAN_OPTIONS"). UBSan starts in a backend (when
#   tenancy.so is loaded) and reads its options from /proc/self/environ, which PostgreSQL has
#   overwritten with the process title by then; getenv still sees the moved environment.
write_preload_shim() {
  local so="$1"
  printf '%s\n' '#include <stddef.h>' '#include <stdlib.h>' \
    'char *swift_demangle(const char *, size_t, char *, size_t *, unsigned);' \
    'char *swift_demangle(const char *m, size_t n, char *o, size_t *on, unsigned f)' \
    '{ (void)m; (void)n; (void)o; (void)on; (void)f; return NULL; }' \
    'const char *__ubsan_default_options(void);' \
    'const char *__ubsan_default_options(void)' \
    '{ const char *o = getenv("UBSAN_OPTIONS"); return o ? o : ""; }' >"${so%.so}.c" &&
    gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$so" "${so%.so}.c"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Runs a command under `timeout` (its own process group, killed as a whole on timeout or when
# we are interrupted) for at most $1 seconds, output to file $2; returns its status (124 on
# timeout).
bounded() {
  local limit="$1" log="$2" status
  shift 2
  timeout --kill-after=120 "$limit" "$@" >"$log" 2>&1 &
  BOUNDED_PID=$!
  wait "$BOUNDED_PID"
  status=$?
  BOUNDED_PID=""
  return "$status"
}

# Ends the run early: nothing after a failed setup step can be trusted.
die() {
  fail "$1" "${2:-}"
  echo "# runtime: $((SECONDS - START)) s"
  echo "sanitizers: $passed passed, $failed failed"
  exit 1
}

# Part 1: configures, builds and runs the unit tests with ASan + UBSan (+ LSan) under CTest.
unit_tests() {
  local build="$ROOT/build/unit-sanitize" log="$WORK/unit.log" summary total bad hits
  export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1
  export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
  if bounded "$LIMIT" "$WORK/unit-build.log" bash -c '
       cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTENANCY_SANITIZE=ON &&
       cmake --build "$2" -j"$(nproc)"' _ "$ROOT" "$build"; then
    pass "unit tests build with -fsanitize=$SANITIZE (build/unit-sanitize)"
  else
    fail "unit tests build with -fsanitize=$SANITIZE (build/unit-sanitize)"
    show "$WORK/unit-build.log" 40
    return
  fi
  if readelf -d "$build/tenancy_unit_tests" | grep -q 'NEEDED.*libasan' &&
     readelf -d "$build/tenancy_unit_tests" | grep -q 'NEEDED.*libubsan'; then
    pass "the unit test binary links the ASan and UBSan runtimes"
  else
    fail "the unit test binary links the ASan and UBSan runtimes"
  fi
  bounded "$LIMIT" "$log" bash -c 'cd "$1" && ctest --output-on-failure --timeout 600 -j"$(nproc)"' _ "$build"
  summary=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
  total=$(sed -nE 's/.* out of ([0-9]+).*/\1/p' <<<"$summary")
  bad=$(sed -nE 's/.*tests passed, ([0-9]+) tests failed.*/\1/p' <<<"$summary")
  if [[ -n "$total" && "$bad" == 0 && "$total" -gt 0 ]]; then
    pass "unit tests pass under ASan+UBSan+LSan ($total tests)"
  else
    fail "unit tests pass under ASan+UBSan+LSan" "${summary:-no CTest summary}"
    grep -E '^[[:space:]]*[0-9]+ - .*\((Failed|Subprocess aborted|Timeout|SEGFAULT|Exception)' "$log" | head -20
  fi
  hits=$(sanitizer_hits "$log")
  if [[ -z "$hits" ]]; then
    pass "no sanitizer report in the unit test output"
  else
    fail "no sanitizer report in the unit test output" "$(head -3 <<<"$hits" | tr '\n' ' ')"
    grep -B2 -A30 -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | sed 's/^/    /'
  fi
  unset ASAN_OPTIONS UBSAN_OPTIONS
}

# Copies the working tree (tracked and untracked files that git does not ignore) to directory $1.
copy_tree() {
  mkdir -p "$1"
  (cd "$ROOT" && git ls-files -z -co --exclude-standard |
    while IFS= read -r -d '' f; do [[ -f "$f" ]] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -xf - -C "$1"
}

# Part 2: builds the extension with the sanitizers in a copy, then runs the server checks in a
# throw-away cluster with the ASan runtime preloaded.
server_suite() {
  local tree="$WORK/tree" destdir="$WORK/destdir" logs="$WORK/sanitizer-logs" envfile="$WORK/environment"
  local shim="$WORK/preload_shim.so"
  local libasan status counts hits
  copy_tree "$tree" || { fail "copy the working tree"; return; }
  if bounded "$LIMIT" "$WORK/ext-build.log" bash -c '
       make -C "$1" -s -j"$(nproc)" SANITIZE="$2" PG_CONFIG="$3" &&
       make -C "$1" -s install SANITIZE="$2" PG_CONFIG="$3" DESTDIR="$4"' \
       _ "$tree" "$SANITIZE" "$PG_CONFIG" "$destdir"; then
    pass "the extension builds with -fsanitize=$SANITIZE (in a copy, installed with DESTDIR)"
  else
    fail "the extension builds with -fsanitize=$SANITIZE (in a copy, installed with DESTDIR)"
    show "$WORK/ext-build.log" 40
    return
  fi
  if readelf -d "$tree/tenancy.so" | grep -q 'NEEDED.*libasan' &&
     readelf -d "$tree/tenancy.so" | grep -q 'NEEDED.*libubsan'; then
    pass "tenancy.so links the ASan and UBSan runtimes"
  else
    fail "tenancy.so links the ASan and UBSan runtimes"
  fi

  libasan=$(readlink -f "$(gcc -print-file-name=libasan.so)")
  [[ -f "$libasan" ]] || { fail "find the ASan runtime" "gcc -print-file-name gave '$libasan'"; return; }
  write_preload_shim "$shim" || { fail "build the preload shim"; return; }
  if timeout 60 env -i LD_PRELOAD="$libasan $shim" ASAN_OPTIONS=detect_leaks=0 \
       "$(dirname "$PG_CONFIG")/postgres" -V >/dev/null 2>&1; then
    pass "postgres starts with the ASan runtime preloaded (postgres -V)"
  else
    fail "postgres starts with the ASan runtime preloaded (postgres -V)"
    return
  fi
  mkdir "$logs"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$logs"
  # The postmaster's environment (pg_ctlcluster starts it with only these variables and LANG).
  cat >"$envfile" <<EOF
LD_PRELOAD = '$libasan $shim'
ASAN_OPTIONS = 'detect_leaks=0:halt_on_error=1:abort_on_error=1:print_stacktrace=1:disable_coredump=1:log_path=$logs/asan'
UBSAN_OPTIONS = 'halt_on_error=1:abort_on_error=1:print_stacktrace=1'
EOF
  PGPORT=$(free_port) || { fail "find a free port"; return; }
  export PGPORT SANITIZERS_TIMEOUT="$LIMIT"
  echo "# server suites under ASan+UBSan on port $PGPORT (several minutes)"
  # Each suite inside is bounded by LIMIT; the cluster as a whole by twice that plus setup.
  bounded $((2 * LIMIT + 300)) "$WORK/cluster.log" \
    pg_virtualenv -t -v "$PG_VERSION" -c "--environment=$envfile" \
      -o tenancy.create_key_file=on -o "extension_destdir=$destdir" -o listen_addresses=localhost \
      bash "$0" --in-cluster "$WORK"
  status=$?
  kill_leftovers
  grep -E '^(ok|FAILED) - |^---- |^    ' "$WORK/cluster.log"
  if [[ -f "$WORK/inner.counts" ]]; then
    read -r -a counts <"$WORK/inner.counts"
    passed=$((passed + counts[0]))
    failed=$((failed + counts[1]))
  fi
  if ((status != 0)) || [[ ! -f "$WORK/inner.counts" ]]; then
    fail "the throw-away cluster ran the server checks" "status $status"
    show "$WORK/cluster.log" 60
  fi
  hits=$(find "$logs" -type f 2>/dev/null)
  if [[ -z "$hits" ]]; then
    pass "no ASan report file in log_path"
  else
    fail "no ASan report file in log_path" "$(wc -l <<<"$hits") files"
    for f in $(head -3 <<<"$hits"); do
      echo "---- $f (first 25 lines)"
      head -25 "$f" | sed 's/^/    /'
    done
  fi
}

command -v git >/dev/null || die "git is needed to copy the working tree"
step_start=$SECONDS
unit_tests
echo "# unit tests (build and run): $((SECONDS - step_start)) s"
step_start=$SECONDS
server_suite
echo "# extension build and server suites: $((SECONDS - step_start)) s"
# Nothing above writes to PostgreSQL's directories; a sanitized tenancy.so there would break
# every other test (it cannot load without the ASan runtime preloaded).
PKGLIB_SO="$("$PG_CONFIG" --pkglibdir)/tenancy.so"
if [[ ! -f "$PKGLIB_SO" ]] || ! readelf -d "$PKGLIB_SO" | grep -qE 'NEEDED.*lib(a|ub)san'; then
  pass "the tenancy.so in pkglibdir is not a sanitized build"
else
  fail "the tenancy.so in pkglibdir is not a sanitized build" "$PKGLIB_SO links a sanitizer runtime"
fi
echo "# runtime: $((SECONDS - START)) s"
echo "sanitizers: $passed passed, $failed failed"
((failed == 0))
