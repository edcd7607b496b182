# Helpers shared by the pgbench benchmarks (sourced, not run).

# Prints the median of the numbers given as arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# Prints $1 / $2 with three decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }

# Runs pgbench with the given arguments and prints its TPS (without connection time); on
# failure prints the label ($1) and pgbench's last lines to stderr and returns 1.
pgbench_tps() {
  local label=$1 out tps
  shift
  if ! out=$(pgbench "$@" 2>&1); then
    echo "pgbench failed for $label:" >&2
    grep -v '^ - \|^SQL script\|^ - weight' <<<"$out" | tail -n 30 >&2
    return 1
  fi
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out" | tail -n 1)
  if [[ -z "$tps" ]]; then
    echo "no tps line in pgbench output for $label" >&2
    return 1
  fi
  echo "$tps"
}

# Prints the machine's CPU time so far as "total steal" (clock ticks, from /proc/stat's cpu
# line); steal is time the hypervisor gave to other guests while this one wanted to run.
# (printf %.0f: mawk prints numbers of 2^31 and more as 3e+09 with print.)
cpu_ticks() { awk '/^cpu / {printf "%.0f %.0f\n", $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9}' /proc/stat; }

# Prints the share of CPU time stolen since the cpu_ticks reading given as $1 ("total steal"),
# in percent: a benchmark's timings are unreliable when it is high.
steal_since() {
  local now
  now=$(cpu_ticks)
  awk -v a="$1" -v b="$now" 'BEGIN {
    split(a, A, " "); split(b, B, " ")
    total = B[1] - A[1]; share = (total > 0) ? 100 * (B[2] - A[2]) / total : 0
    printf "%.0f%%", share
  }'
}
