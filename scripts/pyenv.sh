#!/usr/bin/env bash
# Creates or refreshes the Python virtualenvs the tests use: .venvs/<name> from the fully
# pinned lock python/envs/<name>.txt. A venv is rebuilt only when its lock changes, so a
# second run costs nothing. uv itself is pinned and installed into .venvs/_uv.
# Every venv is compiled to bytecode when built: the tests run Python with
# PYTHONDONTWRITEBYTECODE=1 (the harness's sandboxes always do), so without .pyc files every
# process, each Airflow DAG check and each Kedro or Spark task, would compile its imports again
# (Airflow's alone is ~18 s of CPU). A venv built before this is compiled once, in place.
#   usage: scripts/pyenv.sh NAME [NAME ...]      (kedro1 kedro019 airflow2 airflow3 shellcheck)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
UV_VERSION=0.13.9
export UV_PYTHON_DOWNLOADS=never   # only PyPI is reachable; always use the machine's python3

tools="$root/.venvs/_uv"
if [ ! -x "$tools/bin/uv" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
uv="$tools/bin/uv"

for name in "$@"; do
  lock="$root/python/envs/$name.txt"
  venv="$root/.venvs/$name"
  [ -f "$lock" ] || { echo "pyenv: no lock file python/envs/$name.txt" >&2; exit 2; }
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ -f "$venv/.lock-sha256" ] && [ "$(cat "$venv/.lock-sha256")" = "$want" ]; then
    if [ ! -f "$venv/.bytecode" ]; then
      echo "pyenv: compiling .venvs/$name to bytecode" >&2
      # (uv compiles nothing when it has nothing to install.) A few packages ship files that
      # are not Python 3 (test data); compileall reports them, and uv's compile skips them too.
      "$venv/bin/python" -m compileall -q -j 0 "$venv"/lib/python3*/site-packages >/dev/null || true
      touch "$venv/.bytecode"
    fi
    continue
  fi
  echo "pyenv: building .venvs/$name from python/envs/$name.txt" >&2
  rm -rf "$venv"
  "$uv" venv --quiet --python "$(command -v python3)" "$venv"
  "$uv" pip install --quiet --compile-bytecode --python "$venv/bin/python" -r "$lock"
  touch "$venv/.bytecode"
  echo "$want" > "$venv/.lock-sha256"
done
