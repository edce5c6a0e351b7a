"""The gateway as the stack runs it: `python -m umt.gateway` in its own process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from tests.conftest import free_port
from tests.gateway.conftest import OWNER
from tests.runtime.helpers import wait_for
from umt.gateway.app import create_app
from umt.gateway.security import MissingSigningKey
from umt.gateway.settings import GatewaySettings


def _environment(isolated_data, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("UMT_SIGNING_KEY", "DATABASE_URL")}
    env.update(UMT_DATA_DIR=str(isolated_data), UMT_SECRETS_DIR=str(isolated_data / "secrets"),
               UMT_PORT=str(free_port()), UMT_AGENT_URL=f"http://127.0.0.1:{free_port()}", **extra)
    return env


def test_without_a_signing_key_the_gateway_refuses_to_start(isolated_data):
    run = subprocess.run([sys.executable, "-m", "umt.gateway"], env=_environment(isolated_data),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 78
    assert "no signing key" in run.stderr and "UMT_SIGNING_KEY" in run.stderr
    assert "gateway_signing_key" in run.stderr
    assert not (isolated_data / "umt.db").exists()  # nothing was created


def test_a_short_signing_key_is_refused(isolated_data, monkeypatch):
    monkeypatch.setenv("UMT_SIGNING_KEY", "short")
    with pytest.raises(MissingSigningKey, match="too short"):
        create_app(GatewaySettings(data_dir=isolated_data, secrets_dir=isolated_data))


def test_the_key_from_a_secret_file_works_and_is_never_logged(isolated_data):
    secrets = isolated_data / "secrets"
    secrets.mkdir()
    key = "k" * 20 + "SECRET-MARKER" + "k" * 20
    (secrets / "gateway_signing_key").write_text(key + "\n")
    env = _environment(isolated_data, UMT_LOG_LEVEL="DEBUG")
    process = subprocess.Popen([sys.executable, "-m", "umt.gateway"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{env['UMT_PORT']}"
    try:
        def healthy():
            try:
                return requests.get(url + "/health", timeout=1).ok
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read()
                return False

        wait_for(healthy, timeout_s=30, every_s=0.1, what="the gateway process to answer")
        token = requests.post(url + "/api/v1/auth/setup", json=OWNER, timeout=5).json()["token"]
        assert requests.get(url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).ok
        assert requests.get(url + "/api/v1/brands", headers={"Authorization": "Bearer nope"}).status_code == 401
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    # uvicorn shuts down cleanly, then re-raises SIGTERM so the exit status tells how it ended.
    assert process.returncode in (0, -15) and "Application shutdown complete" in output, output
    assert "SECRET-MARKER" not in output and token not in output
    assert (isolated_data / "umt.db").exists()


def test_postgresql_without_its_driver_is_a_clear_refusal(isolated_data):
    """As in the service image, which ships SQLite only."""
    env = _environment(isolated_data, UMT_SIGNING_KEY="k" * 40, DATABASE_URL="postgresql://umt@127.0.0.1/umt")
    hide_driver = "import runpy, sys; sys.modules['psycopg'] = None; runpy.run_module('umt.gateway', run_name='__main__')"
    run = subprocess.run([sys.executable, "-c", hide_driver], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 78, run.stderr
    assert "psycopg" in run.stderr and "SQLite only" in run.stderr and "Traceback" not in run.stderr


def test_an_unsupported_database_url_is_a_clear_refusal(isolated_data):
    env = _environment(isolated_data, UMT_SIGNING_KEY="k" * 40, DATABASE_URL="mysql://secret-password@db/umt")
    run = subprocess.run([sys.executable, "-m", "umt.gateway"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 78 and "DATABASE_URL must be" in run.stderr
    assert "secret-password" not in run.stderr and "Traceback" not in run.stderr


def test_without_a_channel_key_the_gateway_refuses_to_start(isolated_data):
    env = {k: v for k, v in _environment(isolated_data, UMT_SIGNING_KEY="k" * 40).items() if k != "UMT_CHANNEL_KEY"}
    run = subprocess.run([sys.executable, "-m", "umt.gateway"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 78
    assert "no channel key" in run.stderr and "UMT_CHANNEL_KEY" in run.stderr and "channel_key" in run.stderr
    assert not (isolated_data / "umt.db").exists()


def test_the_channel_key_from_a_secret_file_is_used_and_a_short_one_refused(isolated_data, monkeypatch):
    from umt.gateway.publishing.credentials import MissingChannelKey, load_channel_key

    monkeypatch.delenv("UMT_CHANNEL_KEY")
    secrets = isolated_data / "secrets"
    secrets.mkdir()
    (secrets / "channel_key").write_text("c" * 40 + "\n")
    assert load_channel_key(secrets) == "c" * 40
    (secrets / "channel_key").write_text("short")
    with pytest.raises(MissingChannelKey, match="too short"):
        load_channel_key(secrets)
