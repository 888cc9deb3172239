#!/usr/bin/env bash
# Installs the system packages the build and tests need, if any is missing.
#   libsqlite3-dev: GRDB links the system SQLite; libcurl4-openssl-dev: the node-to-node client;
#   zlib1g-dev: ZIPFoundation (the console's archive export).
# With --browser, also what the console's end-to-end test drives: Debian's Chromium, its
# chromedriver, and CJK fonts so that screenshots show the Chinese text.
set -euo pipefail
packages=(libcurl4-openssl-dev libsqlite3-dev zlib1g-dev pkg-config)
if [[ "${1:-}" == "--browser" ]]; then
  packages+=(chromium chromium-driver fonts-noto-cjk)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi
command -v swift >/dev/null || { echo "error: swift is not on PATH (Swift 6.1 or later is required)" >&2; exit 1; }
