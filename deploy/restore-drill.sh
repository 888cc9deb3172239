#!/usr/bin/env bash
# Restore drill: proves that a node restored from an older backup resyncs with nothing lost
# or doubled, and measures it. Loopback only, on a throw-away city and county in a temporary
# directory; never touches a running node. About a minute with the default 50 cases.
#
#   deploy/restore-drill.sh [--cases N] [--lose city|county] [--keep]
#                                                       the drill (debug build unless --release)
#   deploy/restore-drill.sh --backup FILE               also verify a real backup and time its
#                                                       restore into a scratch directory
set -euo pipefail
cd "$(dirname "$0")/.."
config=debug
args=()
backup=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --release) config=release; shift ;;
    --backup) backup="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
for product in reviewctl county-node city-node; do
  swift build -c "$config" --product "$product" >/dev/null 2>&1 || { swift build -c "$config" --product "$product"; exit 1; }
done
bin=$(swift build -c "$config" --show-bin-path)
if [[ -n "$backup" ]]; then
  "$bin/reviewctl" backup verify "$backup"
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  start=$EPOCHREALTIME
  "$bin/reviewctl" restore "$backup" --data-dir "$scratch/node"
  awk -v a="$start" -v b="$EPOCHREALTIME" -v f="$(basename "$backup")" 'BEGIN { printf "restore of %s into a scratch directory: %.2f s\n", f, b - a }' 
fi
timeout 600 python3 deploy/tools/restore_drill.py --bin "$bin" "${args[@]+"${args[@]}"}"
