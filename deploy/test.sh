#!/usr/bin/env bash
# The test command: installs missing system packages, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
# One build with the test targets (a plain `swift build` first would compile every module twice).
swift build --build-tests
swift test --skip-build
