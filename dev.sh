#!/usr/bin/env bash
# Sets up a virtual environment in .venv (once, and again when the dependency lists change), then:
#   ./dev.sh app     opens the desktop app (Docker when its engine is reachable, else native mode)
#   ./dev.sh test    runs the layer contracts and the whole test suite
#   ./dev.sh umt ... runs the umt command from the environment
# `app` and `umt` install what the app needs and nothing more; `test` adds the test tools (pytest,
# scipy, schemathesis, linters…) on top, in the same .venv, the first time it runs.
set -euo pipefail
cd "$(dirname "$0")"
python="${PYTHON:-python3}"
venv=.venv

# setup [EXTRA]: the app's dependencies, and EXTRA's (the "test" extra) when named.
setup() {
    local extra="${1:-}"
    if [ ! -x "$venv/bin/python" ]; then
        echo "dev.sh: creating $venv with $("$python" --version)" >&2
        "$python" -m venv "$venv"
    fi
    local lists="pyproject.toml setup.py Dockerfiles/requirements-service.txt requirements-desktop.txt"
    [ -n "$extra" ] && lists="$lists requirements-$extra.txt"
    local wanted stamp="$venv/.installed${extra:+-$extra}"
    # shellcheck disable=SC2086 # the list is a set of plain file names
    wanted="$(cat $lists | sha256sum | cut -c1-16)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "dev.sh: installing umt${extra:+ with its $extra tools} into $venv" >&2
        "$venv/bin/python" -m pip install --quiet --upgrade pip
        "$venv/bin/python" -m pip install --quiet -e ".${extra:+[$extra]}"
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
        setup test
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
