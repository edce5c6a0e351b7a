#!/usr/bin/env bash
# Sets up a virtual environment in .venv (once, and again when the dependency lists change), then:
#   ./dev.sh app     opens the desktop app (Docker when its engine is reachable, else native mode)
#   ./dev.sh test    runs the layer contracts and the whole test suite
#   ./dev.sh umt ... runs the umt command from the environment
set -euo pipefail
cd "$(dirname "$0")"
python="${PYTHON:-python3}"
venv=.venv
stamp="$venv/.installed"

setup() {
    if [ ! -x "$venv/bin/python" ]; then
        echo "dev.sh: creating $venv with $("$python" --version)" >&2
        "$python" -m venv "$venv"
    fi
    local wanted
    wanted="$(cat pyproject.toml setup.py Dockerfiles/requirements-service.txt requirements-*.txt | sha256sum | cut -c1-16)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "dev.sh: installing umt and its dependencies into $venv" >&2
        "$venv/bin/python" -m pip install --quiet --upgrade pip
        "$venv/bin/python" -m pip install --quiet -e ".[test]"
        echo "$wanted" > "$stamp"
    fi
}

command="${1:-app}"
shift || true
case "$command" in
    app)
        setup
        exec "$venv/bin/umt" desktop "$@" ;;
    test)
        setup
        "$venv/bin/lint-imports"
        "$venv/bin/ruff" check app tests bench tools
        exec "$venv/bin/python" -m pytest "$@" ;;
    umt)
        setup
        exec "$venv/bin/umt" "$@" ;;
    *)
        echo "usage: ./dev.sh [app|test|umt ARGS]" >&2
        exit 2 ;;
esac
