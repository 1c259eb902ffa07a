#!/usr/bin/env bash
# Installs everything the tests need (Chromium from Debian, npm packages, the Python
# pipeline's pinned requirements) and runs ALL tests: vitest unit, pytest, browser E2E.
# Ends with one line "N passed, N failed" over the three suites.
set -uo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

if [ ! -x /usr/bin/chromium ]; then
  step "installing Debian chromium"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null || exit 1
fi

step "npm ci"
npm ci --no-audit --no-fund || exit 1

step "python venv + training/requirements.txt"
[ -x .venv/bin/python ] || python3 -m venv .venv || exit 1
.venv/bin/pip install -q -r training/requirements.txt || exit 1

mkdir -p test-results
rm -f test-results/unit.json test-results/pytest.xml test-results/e2e.json

step "unit tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/unit.json
step "python tests (pytest)"
.venv/bin/python -m pytest training/tests -q --junitxml=test-results/pytest.xml
step "browser end-to-end tests (playwright-core + Debian chromium)"
npx vitest run -c vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json=test-results/e2e.json

step "summary"
node scripts/summarize-tests.mjs test-results/unit.json test-results/pytest.xml test-results/e2e.json
