#!/usr/bin/env bash
# The test command: installs missing system packages, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
swift build
swift test
