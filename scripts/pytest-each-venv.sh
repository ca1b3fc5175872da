#!/usr/bin/env bash
# Runs one pytest suite under several pinned virtualenvs at once (the machine has two cores and
# each run is mostly one process), then prints each run's output whole, in the order given.
# Exits non-zero if any run fails.
#   usage: scripts/pytest-each-venv.sh SUITE_DIR VENV [VENV ...] -- [pytest args...]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

suite=$1
shift
venvs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  venvs+=("$1")
  shift
done
[ $# -gt 0 ] && shift # the --

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
pids=()
for name in "${venvs[@]}"; do
  "$root/.venvs/$name/bin/python" -m pytest "$suite" -p no:cacheprovider "$@" >"$logs/$name" 2>&1 &
  pids+=("$!")
done
status=0
for i in "${!venvs[@]}"; do
  wait "${pids[$i]}" || status=1
  echo "== pytest $suite under .venvs/${venvs[$i]}" >&2
  cat "$logs/${venvs[$i]}"
done
exit "$status"
