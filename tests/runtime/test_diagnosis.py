"""Docker diagnosis: each engine state gets words an owner can act on. Real sockets, no mocks."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from umt.runtime.diagnosis import PING_TIMEOUT_S, Endpoint, diagnose_docker, diagnose_endpoint, resolve_endpoint


@pytest.fixture
def socket_folder():
    """A short, world-traversable folder for unix sockets (their paths are limited to ~100 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="umt-sock-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_docker_host_pointing_at_nothing_names_the_variable_and_the_way_back(socket_folder, monkeypatch):
    missing = socket_folder / "docker.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{missing}")
    started = time.monotonic()
    diagnosis = diagnose_docker()
    assert time.monotonic() - started < PING_TIMEOUT_S + 1
    assert not diagnosis.ok
    assert diagnosis.state == "other_context"
    assert "DOCKER_HOST" in diagnosis.summary and str(missing) in diagnosis.summary
    assert "not running" in diagnosis.summary or "no Docker engine is running" in diagnosis.summary
    assert "unset DOCKER_HOST" in diagnosis.advice and "native mode" in diagnosis.advice


def test_local_engine_down_says_start_docker(socket_folder):
    # A socket file that exists but where nobody listens: what a crashed dockerd leaves behind.
    path = socket_folder / "stale.sock"
    with socket.socket(socket.AF_UNIX) as stale:
        stale.bind(str(path))
        diagnosis = diagnose_endpoint(Endpoint(f"unix://{path}", "default"), cli_installed=True)
    assert diagnosis.state == "daemon_not_running"
    assert diagnosis.summary == "Docker is installed but not running."
    assert "Start Docker Desktop" in diagnosis.advice and "systemctl start docker" in diagnosis.advice
    assert "native mode" in diagnosis.advice


def test_nothing_installed_says_install_or_native(socket_folder):
    diagnosis = diagnose_endpoint(Endpoint(f"unix://{socket_folder}/none.sock", "default"), cli_installed=False)
    assert diagnosis.state == "cli_missing"
    assert "not installed" in diagnosis.summary
    assert "native mode" in diagnosis.advice


def test_a_closed_tcp_port_is_explained_too():
    diagnosis = diagnose_docker({"DOCKER_HOST": "tcp://127.0.0.1:1", "HOME": os.environ["HOME"]})
    assert diagnosis.state == "other_context" and "tcp://127.0.0.1:1" in diagnosis.summary


def test_permission_denied_on_the_socket(socket_folder):
    path = socket_folder / "private.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        server.listen()
        os.chmod(path, 0o000)
        code = (
            "import json; from umt.runtime.diagnosis import diagnose_docker; d = diagnose_docker(); "
            "print(json.dumps([d.state, d.summary, d.advice]))"
        )
        env = {**os.environ, "DOCKER_HOST": f"unix://{path}", "HOME": str(socket_folder)}
        # Root passes any file mode through CAP_DAC_OVERRIDE: ask without it, so the socket's mode
        # holds as it does for an owner outside the docker group. (Not as another user: that user
        # might not be able to read this checkout or its .venv.) setpriv is part of util-linux.
        as_user = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*as_user, sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30, cwd="/"
        )
    assert result.returncode == 0, result.stderr
    state, summary, advice = json.loads(result.stdout)
    assert state == "permission_denied"
    assert "may not use it" in summary
    assert "docker' group" in advice


def test_a_selected_docker_context_is_followed_and_named(tmp_path, socket_folder):
    config = tmp_path / "docker-config"
    meta = config / "contexts" / "meta" / hashlib.sha256(b"office").hexdigest()
    meta.mkdir(parents=True)
    (config / "config.json").write_text(json.dumps({"currentContext": "office"}))
    host = f"unix://{socket_folder}/office.sock"
    (meta / "meta.json").write_text(json.dumps({"Name": "office", "Endpoints": {"docker": {"Host": host}}}))
    env = {"DOCKER_CONFIG": str(config), "HOME": str(tmp_path)}
    assert resolve_endpoint(env) == Endpoint(host, "docker context office")
    diagnosis = diagnose_docker(env)
    assert diagnosis.state == "other_context"
    assert "docker context office" in diagnosis.summary
    assert "docker context use default" in diagnosis.advice


def test_sdk_missing():
    code = (
        "import sys; sys.modules['docker'] = None\n"  # what an install without the docker package looks like
        "from umt.runtime.diagnosis import diagnose_docker; d = diagnose_docker(); print(d.state, '|', d.advice)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    state, advice = result.stdout.strip().split(" | ")
    assert state == "sdk_missing"
    assert "native mode" in advice


@pytest.mark.docker
def test_the_running_engine_is_ok():
    diagnosis = diagnose_docker()
    assert diagnosis.ok and diagnosis.state == "ok" and diagnosis.advice == ""
