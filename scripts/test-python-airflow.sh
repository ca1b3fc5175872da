#!/usr/bin/env bash
# Imports the fixture DAGs (and checks the facts in docs/airflow-compat.md) under both pinned
# Airflow lines: builds .venvs/airflow2 and .venvs/airflow3 from their locks, then runs
# pytest test/python/airflow with each venv's python, side by side. Exits non-zero if either
# run fails.
#   usage: scripts/test-python-airflow.sh [pytest args...]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

"$root/scripts/pyenv.sh" airflow2 airflow3 || exit 1

# Both Airflow lines at once, each output printed whole (scripts/pytest-each-venv.sh).
"$root/scripts/pytest-each-venv.sh" test/python/airflow airflow2 airflow3 -- "$@"
