#!/usr/bin/env bash
# The full test command (`npm test`): build, type check, lint, then every test suite.
# Python suites build their own pinned virtualenvs on first use (scripts/pyenv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
npm run --silent typecheck
npm run --silent lint
npx jest --ci
