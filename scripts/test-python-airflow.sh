#!/usr/bin/env bash
# Imports the fixture DAGs (and checks the facts in docs/airflow-compat.md) under both pinned
# Airflow lines: builds .venvs/airflow2 and .venvs/airflow3 from their locks, then runs
# pytest test/python/airflow with each venv's python. Exits non-zero if either run fails.
#   usage: scripts/test-python-airflow.sh [pytest args...]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/scripts/pyenv.sh" airflow2 airflow3 || exit 1

status=0
for name in airflow2 airflow3; do
  echo "== pytest test/python/airflow under .venvs/$name" >&2
  "$root/.venvs/$name/bin/python" -m pytest test/python/airflow -p no:cacheprovider "$@" || status=1
done
exit "$status"
