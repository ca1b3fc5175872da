#!/usr/bin/env bash
# The full test command (`npm test`): build, type check, lint, then every test suite.
# Python suites build their own pinned virtualenvs on first use (scripts/pyenv.sh); a suite
# whose tools are missing fails, it never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
npm run --silent typecheck
npm run --silent lint
npx jest --ci
bash scripts/test-python-airflow.sh
bash scripts/test-python-kedro.sh
bash scripts/test-python-pulumi.sh
