#!/usr/bin/env bash
# The full test command (`npm test`): build, type check, lint, then every test suite.
# Every tool outside node_modules comes from a pinned virtualenv built on first use by
# scripts/pyenv.sh (shellcheck here, before jest; Kedro and Airflow in their suites); a suite
# whose tools are missing fails, it never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
npm run --silent typecheck
npm run --silent lint
bash scripts/pyenv.sh shellcheck
npx jest --ci
bash scripts/test-python-airflow.sh
bash scripts/test-python-kedro.sh
bash scripts/test-python-harness.sh
bash scripts/test-python-pulumi.sh
