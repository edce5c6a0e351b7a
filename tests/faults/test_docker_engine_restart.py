"""The Docker engine restarted while the stack runs.

Disruptive: it stops and starts the machine's Docker engine (every container on it stops for a
moment). CI runs it; on a shared development machine run it alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.runtime.docker_helpers import remove_everything_of, stack_variables
from tests.runtime.helpers import wait_for
from umt.client import GatewayClient

pytestmark = [pytest.mark.docker, pytest.mark.faults]


def umt(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "umt.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=timeout)


def _engine_answers() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


def restart_docker_engine(log: Path) -> None:
    """Stops the running dockerd (SIGTERM: it stops its containers, as a system shutdown or an
    engine upgrade does) and starts it again with the same command line and environment."""
    [engine] = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "dockerd"] or [None]
    if engine is None:
        pytest.skip("dockerd is not a process here (a remote or desktop engine): it cannot be restarted")
    command, environment, folder = engine.cmdline(), engine.environ(), engine.cwd()
    engine.send_signal(signal.SIGTERM)
    engine.wait(timeout=120)
    with open(log, "ab") as output:
        # Its own session: the engine outlives this test, as it outlived the one before.
        subprocess.Popen(command, env=environment, cwd=folder, stdout=output, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    wait_for(_engine_answers, timeout_s=120, every_s=0.5, what="the Docker engine to answer again")


@pytest.fixture
def docker_stack(tmp_path, monkeypatch, stack_ports):
    for key, value in stack_variables(tmp_path, stack_ports).items():
        monkeypatch.setenv(key, value)
    yield stack_ports
    umt("down", "--backend", "docker")
    remove_everything_of(os.environ["UMT_STACK_NAME"])


def test_after_a_docker_engine_restart_the_app_adopts_the_stack_again(docker_stack, tmp_path):
    """Promise: when the Docker engine restarts under a running stack (its containers stop with
    it; they have no restart policy of their own), umt's supervisor sees them stopped once the
    engine answers again, starts the same stack again (no twins) and the owner's data is there."""
    up = umt("up", "--backend", "docker")
    assert up.returncode == 0, up.stderr
    gateway_url = up.stdout.strip()
    with GatewayClient(gateway_url) as client:
        client.setup_owner("owner@example.com", "Owner", "correct horse battery staple")
        brand = client.brands.create(name="Acme")

    restart_docker_engine(tmp_path / "dockerd.log")

    def healthy_again():
        status = umt("status", "--json")
        if status.returncode != 0:
            return False
        rows = json.loads(status.stdout)["services"]
        return all(r["state"] == "running" and r["health"] == "healthy" for r in rows) and rows

    rows = wait_for(healthy_again, timeout_s=180, every_s=1.0, what="the supervisor to bring the stack back")
    # Both stopped with the engine and were started again by umt's supervisor, not by the engine.
    assert {r["name"]: r["restarts"] >= 1 for r in rows} == {"agent": True, "gateway": True}, rows
    import docker

    engine = docker.from_env()
    try:
        label = f"org.umt.stack={os.environ['UMT_STACK_NAME']}"
        assert len(engine.containers.list(all=True, filters={"label": label})) == 2, "no twins"
    finally:
        engine.close()
    with GatewayClient(gateway_url) as client:
        client.login("owner@example.com", "correct horse battery staple")
        assert client.brands.get(brand.id).name == "Acme"
