#!/usr/bin/env bash
# Schema-driven fuzzing of the JSON API: schemathesis (PyPI) generates requests from
# deploy/openapi.yaml against real nodes on loopback — a county as a drafter, a county reviewer
# and an operator, the city as its reviewer and supervisor — and fails on any 5xx or any response
# the spec does not allow. Bounded: a fixed seed and at most FUZZ_SECONDS (default 20) per role. Needs the built binaries
# (debug by default; FUZZ_RELEASE=1 for release).
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.32.5
if ! python3 -c "import schemathesis, sys; sys.exit(0 if schemathesis.__version__ == '$version' else 1)" 2>/dev/null; then
  python3 -m pip install -q "schemathesis==$version"
fi
bin=.build/debug
[[ "${FUZZ_RELEASE:-}" == 1 ]] && bin=.build/release
seconds="${FUZZ_SECONDS:-20}"
work="$(mktemp -d "${TMPDIR:-/tmp}/review-fuzz.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
failed=0

# fuzz TIER NODE_ID NAME ROLE[:UNIT]...: starts the node, fuzzes it as each role, checks it lives.
fuzz() {
  local tier="$1" id="$2" name="$3"; shift 3
  local dir="$work/$id"
  mkdir -p "$dir"
  cat > "$dir/node.json" <<JSON
{"nodeId": "$id", "name": "$name", "tier": "$tier", "host": "127.0.0.1", "port": 0,
 "dataDirectory": "$dir/data", "configDirectory": "$PWD/Config", "logLevel": "warning"}
JSON
  REVIEW_TODAY=2026-03-02 "$bin/$tier-node" --config "$dir/node.json" > "$dir/node.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do [[ -s "$dir/data/node.port" ]] && break; sleep 0.1; done
  local url="http://127.0.0.1:$(cat "$dir/data/node.port")"
  for spec in "$@"; do
    local role="${spec%%:*}" unit=""
    [[ "$spec" == *:* ]] && unit="${spec#*:}"
    local token
    token="$("$bin/reviewctl" user add --data-dir "$dir/data" --name "fuzz-$role" --role "$role" ${unit:+--unit "$unit"} 2>/dev/null)"
    echo "schemathesis on the $tier node as $role (at most ${seconds}s)"
    ( cd "$dir" && schemathesis run "$OLDPWD/deploy/openapi.yaml" --url "$url" -H "Authorization: Bearer $token" \
        --seed 1 --workers 1 --max-examples 20 --max-time "$seconds" --request-timeout 10 \
        --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
        > "$dir/$role.txt" 2>&1 ) || { failed=1; cat "$dir/$role.txt"; }
    grep -E "^Test cases:|generated" "$dir/$role.txt" | tail -1 || true
  done
  if ! kill -0 "$pid" 2>/dev/null || ! curl -sf "$url/health" > /dev/null; then
    echo "error: the $tier node did not survive the fuzzing" >&2
    tail -50 "$dir/node.log" >&2
    exit 1
  fi
}

fuzz county 220183 德惠市政务服务和数字化建设管理局 drafter:德惠市科学技术局 countyReviewer operator
# The city's own routes (opinions, the published feed, supervision) as its reviewer and supervisor.
fuzz city 220100 长春市政务服务和数字化建设管理局 cityReviewer supervisor
if ((failed)); then
  echo "error: schemathesis found 5xx answers or responses that break deploy/openapi.yaml" >&2
  exit 1
fi
echo "API fuzz: no 5xx, every response as documented; the nodes are alive"
