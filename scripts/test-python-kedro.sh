#!/usr/bin/env bash
# Lints the Python side and runs the real Kedro tests under both pinned Kedro lines: builds
# .venvs/kedro1 (Kedro 1.x) and .venvs/kedro019 (Kedro 0.19.x) from their locks, runs ruff,
# then pytest test/python/kedro with each venv's python, side by side. The end-to-end test
# needs the TypeScript CLI built (npm ci) and Java 17 for Spark. Exits non-zero if anything
# fails.
#   usage: scripts/test-python-kedro.sh [pytest args...]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

"$root/scripts/pyenv.sh" kedro1 kedro019 || exit 1

status=0
echo "== ruff check" >&2
"$root/.venvs/kedro1/bin/ruff" check --no-cache python templates/scripts test/python test/fixtures examples || status=1
"$root/.venvs/kedro1/bin/ruff" format --check --no-cache python templates/scripts test/python test/fixtures examples || status=1
# Both Kedro lines at once, each output printed whole (scripts/pytest-each-venv.sh).
"$root/scripts/pytest-each-venv.sh" test/python/kedro kedro1 kedro019 -- "$@" || status=1
exit "$status"
