#!/usr/bin/env bash
# Lints the Python side and runs the real Kedro tests under both pinned Kedro lines: builds
# .venvs/kedro1 (Kedro 1.x) and .venvs/kedro019 (Kedro 0.19.x) from their locks, runs ruff,
# then pytest test/python/kedro with each venv's python. The end-to-end test needs the
# TypeScript CLI built (npm ci) and Java 17 for Spark. Exits non-zero if anything fails.
#   usage: scripts/test-python-kedro.sh [pytest args...]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/scripts/pyenv.sh" kedro1 kedro019 || exit 1

status=0
echo "== ruff check" >&2
"$root/.venvs/kedro1/bin/ruff" check --no-cache python templates/scripts test/python test/fixtures examples || status=1
"$root/.venvs/kedro1/bin/ruff" format --check --no-cache python templates/scripts test/python test/fixtures examples || status=1
for name in kedro1 kedro019; do
  echo "== pytest test/python/kedro under .venvs/$name" >&2
  "$root/.venvs/$name/bin/python" -m pytest test/python/kedro -p no:cacheprovider "$@" || status=1
done
exit "$status"
