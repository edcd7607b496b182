#!/usr/bin/env bash
# Micro-benchmark: one uncached token verification in tenancy's pure core versus its floor,
# libsodium's Ed25519 check alone, in the same run. Prints both and the overhead ratio.
# Usage: bash test/bench/token_verify.sh   (needs libbenchmark-dev; installs it if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
dpkg-query -W -f='${Status}' libbenchmark-dev 2>/dev/null | grep -q "install ok installed" ||
  { apt-get update -qq && apt-get install -y -qq libbenchmark-dev >/dev/null; }
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/bench --target tenancy_token_bench -j"$(nproc)" >/dev/null
out=$(build/bench/tenancy_token_bench --benchmark_repetitions=12 --benchmark_enable_random_interleaving=true \
      --benchmark_report_aggregates_only=true \
      --benchmark_format=csv 2>/dev/null)
median() { grep "^\"$1_median\"" <<<"$out" | cut -d, -f3; }  # cpu_time column, ns
ours=$(median BM_verify_context_token)
floor=$(median BM_libsodium_verify_only)
awk -v ours="$ours" -v floor="$floor" 'BEGIN {
  printf "verify_context_token (tenancy):   %8.1f us\n", ours / 1000
  printf "crypto_sign_verify_detached only: %8.1f us\n", floor / 1000
  printf "tenancy / libsodium = %.3f (parsing and claims add %.1f us)\n", ours / floor, (ours - floor) / 1000
}'
