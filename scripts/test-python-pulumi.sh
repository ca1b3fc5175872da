#!/usr/bin/env bash
# Runs the Python example program (examples/pulumi-python) under Pulumi's Python SDK and its
# mocks, against the package schema: builds .venvs/pulumi from its lock, then runs pytest
# test/python/pulumi. Exits non-zero if anything fails.
#   usage: scripts/test-python-pulumi.sh [pytest args...]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

"$root/scripts/pyenv.sh" pulumi || exit 1

echo "== pytest test/python/pulumi under .venvs/pulumi" >&2
"$root/.venvs/pulumi/bin/python" -m pytest test/python/pulumi -p no:cacheprovider "$@"
