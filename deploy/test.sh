#!/usr/bin/env bash
# The test command: installs missing system packages (Chromium among them, for the console's
# browser test), builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh --browser
# The publication test validates documents against deploy/schemas with Python's jsonschema.
python3 -c "import jsonschema" 2>/dev/null || python3 -m pip install -q jsonschema
# One build with the test targets (a plain `swift build` first would compile every module twice).
swift build --build-tests
# The browser test must run here, not be skipped; its screenshots go to this folder.
export REVIEW_E2E=1
export REVIEW_SCREENSHOTS="${REVIEW_SCREENSHOTS:-${TMPDIR:-/tmp}/review-console-screenshots}"
swift test --skip-build
echo "console screenshots: $REVIEW_SCREENSHOTS"
# The JSON API fuzzed from deploy/openapi.yaml (schemathesis from PyPI; bounded: 3 roles × 30 s).
deploy/fuzz-api.sh
