#!/usr/bin/env bash
# Schema-driven fuzzing of the JSON API: schemathesis (PyPI) generates requests from
# deploy/openapi.yaml against a real county node on loopback, as a drafter, a county reviewer
# and an operator, and fails on any 5xx or any response the spec does not allow. Bounded: a
# fixed seed and at most FUZZ_SECONDS (default 30) per role. Needs the built binaries
# (debug by default; FUZZ_RELEASE=1 for release).
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.32.5
if ! python3 -c "import schemathesis, sys; sys.exit(0 if schemathesis.__version__ == '$version' else 1)" 2>/dev/null; then
  python3 -m pip install -q "schemathesis==$version"
fi
bin=.build/debug
[[ "${FUZZ_RELEASE:-}" == 1 ]] && bin=.build/release
seconds="${FUZZ_SECONDS:-30}"
work="$(mktemp -d "${TMPDIR:-/tmp}/review-fuzz.XXXXXX")"
node_pid=""
cleanup() {
  [[ -n "$node_pid" ]] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/node.json" <<JSON
{"nodeId": "220183", "name": "德惠市政务服务和数字化建设管理局", "tier": "county", "host": "127.0.0.1", "port": 0,
 "dataDirectory": "$work/data", "configDirectory": "$PWD/Config", "logLevel": "warning"}
JSON
REVIEW_TODAY=2026-03-02 "$bin/county-node" --config "$work/node.json" > "$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do [[ -s "$work/data/node.port" ]] && break; sleep 0.1; done
port="$(cat "$work/data/node.port")"
url="http://127.0.0.1:$port"
token() { "$bin/reviewctl" user add --data-dir "$work/data" --name "$1" --role "$2" ${3:+--unit "$3"} 2>/dev/null; }
failed=0
for role in "drafter 德惠市科学技术局" "countyReviewer" "operator"; do
  set -- $role
  echo "schemathesis as $1 (at most ${seconds}s)"
  ( cd "$work" && schemathesis run "$OLDPWD/deploy/openapi.yaml" --url "$url" -H "Authorization: Bearer $(token "fuzz-$1" "$1" "${2:-}")" \
      --seed 1 --workers 1 --max-examples 20 --max-time "$seconds" --request-timeout 10 \
      --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
      > "$work/$1.txt" 2>&1 ) || { failed=1; cat "$work/$1.txt"; }
  grep -E "^Test cases:|generated" "$work/$1.txt" | tail -1 || true
done
if ! kill -0 "$node_pid" 2>/dev/null || ! curl -sf "$url/health" > /dev/null; then
  echo "error: the node did not survive the fuzzing" >&2
  tail -50 "$work/node.log" >&2
  exit 1
fi
if ((failed)); then
  echo "error: schemathesis found 5xx answers or responses that break deploy/openapi.yaml" >&2
  exit 1
fi
echo "API fuzz: no 5xx, every response as documented; the node is alive"
