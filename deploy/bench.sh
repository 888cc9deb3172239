#!/usr/bin/env bash
# The benchmark: a release build, then review-bench (see README "Performance").
#   deploy/bench.sh              full run (takes several minutes)
#   deploy/bench.sh --smoke      a few seconds, tiny counts (what CI runs)
# Other flags go to review-bench run (--cases, --paced, --rate, --catchup, --ledger-cases, --out).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
config=release
if [[ "${1:-}" == "--smoke" && -n "${BENCH_DEBUG:-}" ]]; then config=debug; fi
for product in review-bench county-node city-node reviewctl; do
  swift build -c "$config" --product "$product" >/dev/null 2>&1 || { swift build -c "$config" --product "$product"; exit 1; }
done
bin=$(swift build -c "$config" --show-bin-path)
exec "$bin/review-bench" run "$@"
