#!/usr/bin/env bash
# Builds the wheel, installs it into a fresh virtual environment (no editable install, no
# checkout on the path) and runs `umt up` and `umt down` from there with each backend that
# this machine can run. Proves that stacks, Dockerfiles and resources ship inside the package.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python="${PYTHON:-python3}"

"$repo/.venv/bin/python" -m build --wheel --outdir "$work/dist" "$repo" >/dev/null
wheel="$(ls "$work"/dist/umt-*.whl)"
echo "built $(basename "$wheel")"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel"

cd "$work"    # away from the checkout: only the installed package can be imported
export UMT_DATA_DIR="$work/data"
export UMT_STACK_NAME=umt-wheelcheck   # never the user's own stack
export UMT_GATEWAY_PORT="${UMT_GATEWAY_PORT:-18710}" UMT_AGENT_PORT="${UMT_AGENT_PORT:-18720}"
backends="native"
if docker info >/dev/null 2>&1; then backends="docker native"; fi
for backend in $backends; do
    echo "--- umt up --backend $backend (installed wheel)"
    "$work/venv/bin/umt" up --backend "$backend" --no-supervise
    "$work/venv/bin/umt" status --json --backend "$backend" | "$python" -c '
import json, sys
rows = json.load(sys.stdin)["services"]
assert [r["health"] for r in rows] == ["healthy", "healthy"], rows
print("healthy:", ", ".join(r["name"] for r in rows))'
    "$work/venv/bin/umt" down --backend "$backend"
done
if docker info >/dev/null 2>&1; then
    left="$(docker ps -aq --filter label=org.umt.stack=umt-wheelcheck)"
    [ -z "$left" ] || { echo "umt down left containers behind: $left" >&2; exit 1; }
fi
echo "wheel install works"
