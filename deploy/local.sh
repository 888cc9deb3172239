#!/usr/bin/env bash
# Local federation on loopback: 长春市 (220100, city), 德惠市 (220183) and 榆树市 (220182),
# data under data/local/, one user per role with its token printed.
#
#   deploy/local.sh          build, start the three nodes (again: harmless), print tokens
#   deploy/local.sh status   show which nodes run
#   deploy/local.sh demo     drive a sample case from a 德惠 drafter to the city's opinion and back; a 上线意见征询
#                            of four departments and a city 论证会 cited in the opinion
#   deploy/local.sh down     stop them (SIGTERM, graceful)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
data="$root/data/local"
nodes=("220100 city changchun" "220183 county dehui" "220182 county yushu")

port_of() { python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['port'])" "Config/nodes/$1.json"; }
running() { [[ -f "$data/$1/pid" ]] && kill -0 "$(cat "$data/$1/pid")" 2>/dev/null; }

up() {
  deploy/install-deps.sh
  # SwiftPM's own progress lines show that a first build (several minutes) is moving.
  echo "building reviewctl, county-node, city-node and published-mirror (debug; the first build takes several minutes) ..."
  started=$SECONDS
  for product in reviewctl county-node city-node published-mirror; do
    # pipefail: the pipeline fails when swift build does; the filter itself never fails.
    if ! swift build --product "$product" 2>&1 | { grep --line-buffered -E '^\[[0-9]+/[0-9]+\]|error:|Build complete|Fetching|Computing' || true; }; then
      echo "error: swift build --product $product failed" >&2; exit 1
    fi
  done
  echo "build finished in $((SECONDS - started)) s"
  bin=$(swift build --show-bin-path)
  # Owner-only, as a node's data directory must be (keys, database, backups).
  mkdir -p -m 700 "$data"
  for entry in "${nodes[@]}"; do
    read -r id tier file <<<"$entry"
    mkdir -p -m 700 "$data/$id"
    chmod 700 "$data" "$data/$id"
    if running "$id"; then echo "$id already running (pid $(cat "$data/$id/pid"))"; continue; fi
    REVIEW_DATA_DIR="$data/$id" nohup "$bin/$tier-node" --config "Config/nodes/$file.json" >>"$data/$id/node.log" 2>&1 &
    echo $! >"$data/$id/pid"
    port=$(port_of "$file")
    for _ in $(seq 1 100); do
      if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
      if ! running "$id"; then echo "error: node $id exited; see $data/$id/node.log" >&2; tail -5 "$data/$id/node.log" >&2; exit 1; fi
      sleep 0.1
    done
    echo "$id ($tier) listening on http://127.0.0.1:$port"
  done
  # Link the nodes with their cards (importing again is harmless).
  for entry in "${nodes[@]}"; do
    read -r id _ file <<<"$entry"
    REVIEW_DATA_DIR="$data/$id" "$bin/reviewctl" link export --node-config "Config/nodes/$file.json" >"$data/$id/card.json"
  done
  for county in 220183:dehui 220182:yushu; do
    id=${county%%:*}; file=${county##*:}
    REVIEW_DATA_DIR="$data/220100" "$bin/reviewctl" link import --node-config Config/nodes/changchun.json "$data/$id/card.json" >/dev/null
    REVIEW_DATA_DIR="$data/$id" "$bin/reviewctl" link import --node-config "Config/nodes/$file.json" "$data/220100/card.json" >/dev/null
  done
  echo "linked: 220100 <-> 220183, 220100 <-> 220182"
  tokens="$data/tokens.txt"
  if [[ ! -f "$tokens" ]]; then
    umask 077
    add() { # id role name [unit]
      local t
      if [[ $# -eq 4 ]]; then t=$("$bin/reviewctl" user add --data-dir "$data/$1" --role "$2" --name "$3" --unit "$4" 2>/dev/null)
      else t=$("$bin/reviewctl" user add --data-dir "$data/$1" --role "$2" --name "$3" 2>/dev/null); fi
      printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3${4:+ ($4)}" "$t" >>"$tokens.tmp"
    }
    : >"$tokens.tmp"
    add 220100 cityReviewer 长春市政数局审查员
    add 220100 supervisor 长春市政数局监督员
    add 220100 operator 长春市节点运维
    add 220100 drafter 长春市科学技术局起草员 长春市科学技术局
    add 220100 platform 长春市政策服务网上大厅
    add 220183 countyReviewer 德惠市政数局审查员
    add 220183 operator 德惠市节点运维
    add 220183 drafter 德惠市科学技术局起草员 德惠市科学技术局
    add 220182 countyReviewer 榆树市政数局审查员
    add 220182 operator 榆树市节点运维
    add 220182 drafter 榆树市科学技术局起草员 榆树市科学技术局
    mv "$tokens.tmp" "$tokens"
  fi
  # 上线意见征询 (issue 18): the departments 德惠's drafters consult, one consultee each (added to an older tokens file too).
  if ! grep -q $'\tconsultee\t' "$tokens"; then
    umask 077
    for unit in 德惠市司法局 德惠市财政局 德惠市市场监督管理局 德惠市发展和改革局; do
      t=$("$bin/reviewctl" user add --data-dir "$data/220183" --role consultee --name "${unit}经办人" --unit "$unit" 2>/dev/null)
      printf '%s\t%s\t%s\t%s\n' 220183 consultee "${unit}经办人 ($unit)" "$t" >>"$tokens"
    done
  fi
  echo
  echo "tokens ($tokens):"
  column -t -s $'\t' "$tokens" 2>/dev/null || cat "$tokens"
  next_steps
}

# What to do now: where the consoles are, which token signs in as whom, and the demo.
next_steps() {
  local tokens="$data/tokens.txt"
  echo
  echo "web console (sign in with a token from the list above, field 访问令牌):"
  for entry in "${nodes[@]}"; do
    read -r id tier file <<<"$entry"
    printf '  %-7s %-6s http://127.0.0.1:%s/console\n' "$id" "$tier" "$(port_of "$file")"
  done
  echo
  echo "which token for which role:"
  echo "  drafter (起草部门: submits, answers notices, confirms launch)   220183 德惠市科学技术局起草员 on :$(port_of dehui), or 220182/220100 drafters"
  echo "  countyReviewer (县级审查员: accepts, notices, forwards)         220183 德惠市政数局审查员 on :$(port_of dehui), 220182 榆树市政数局审查员 on :$(port_of yushu)"
  echo "  cityReviewer (市级审查员: final review, the opinion)            220100 长春市政数局审查员 on :$(port_of changchun)"
  echo "  supervisor (监督员: every case, ledger, supervision)            220100 长春市政数局监督员 on :$(port_of changchun)"
  echo "  operator (运维管理员: links, users, calendar)                   the 节点运维 line of each node"
  echo
  echo "next: deploy/local.sh demo    (a sample 德惠 case from the drafter to the city's opinion and back;"
  echo "      then open http://127.0.0.1:$(port_of dehui)/console as 德惠市政数局审查员)"
  echo "stop: deploy/local.sh down"
}

down() {
  for entry in "${nodes[@]}"; do
    read -r id _ _ <<<"$entry"
    if running "$id"; then
      pid=$(cat "$data/$id/pid"); kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "$id stopped"
    fi
    rm -f "$data/$id/pid"
  done
}

status() {
  for entry in "${nodes[@]}"; do
    read -r id tier _ <<<"$entry"
    if running "$id"; then echo "$id $tier running (pid $(cat "$data/$id/pid"))"; else echo "$id $tier stopped"; fi
  done
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  demo)
    for id in 220100 220183; do running "$id" || { echo "error: run deploy/local.sh first" >&2; exit 1; }; done
    python3 deploy/tools/demo.py ;;
  *) echo "usage: deploy/local.sh [up|status|demo|down]" >&2; exit 2 ;;
esac
