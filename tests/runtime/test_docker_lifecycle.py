"""The whole product path on real containers: `umt up --backend docker`, real data through the
gateway's API, a container killed and brought back by the background supervisor with its data,
`umt down`, and `umt up` again finding the data in its folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runtime.docker_helpers import remove_everything_of, stack_variables
from tests.runtime.helpers import wait_for
from umt.client import GatewayClient

pytestmark = pytest.mark.docker


def umt(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "umt.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=timeout)


@pytest.fixture
def docker_stack(tmp_path, monkeypatch, stack_ports):
    variables = stack_variables(tmp_path, stack_ports)
    for name in ("UMT_DOCKER_NETWORK", "UMT_BASE_IMAGE"):   # host networking here; the local base when there is one
        if name in variables:
            monkeypatch.setenv(name, variables[name])
    yield stack_ports
    umt("down", "--backend", "docker")
    remove_everything_of(os.environ["UMT_STACK_NAME"])


def test_up_kill_supervised_back_with_its_data_down_and_up_again(docker_stack):
    import docker

    up = umt("up", "--backend", "docker")
    assert up.returncode == 0, up.stderr
    gateway_url = up.stdout.strip()
    assert gateway_url == f"http://127.0.0.1:{docker_stack['gateway']}"

    with GatewayClient(gateway_url) as client:
        client.setup_owner("owner@example.com", "Owner", "correct horse battery staple")
        brand = client.brands.create(name="Acme", voice="warm")

    engine = docker.from_env()
    try:
        [gateway] = engine.containers.list(filters={"label": [f"org.umt.stack={os.environ['UMT_STACK_NAME']}",
                                                              "org.umt.service=gateway"]})
        gateway.kill()

        def back_and_healthy():
            rows = json.loads(umt("status", "--json").stdout)["services"]
            return all(r["health"] == "healthy" for r in rows) and rows

        rows = wait_for(back_and_healthy, timeout_s=90, every_s=0.5, what="the supervisor to bring the gateway back")
        assert {r["name"]: r["restarts"] for r in rows} == {"agent": 0, "gateway": 1}
        with GatewayClient(gateway_url) as client:
            assert not client.login("owner@example.com", "correct horse battery staple").mfa_required
            assert client.brands.get(brand.id).name == "Acme"

        down = umt("down")
        assert down.returncode == 0, down.stderr
        label = f"org.umt.stack={os.environ['UMT_STACK_NAME']}"
        assert engine.containers.list(all=True, filters={"label": label}) == []
        data = Path(os.environ["UMT_DATA_DIR"]) / "gateway-data" / os.environ["UMT_STACK_NAME"]
        assert (data / "umt.db").is_file(), "down keeps the data folder"

        assert umt("up", "--backend", "docker", "--no-supervise").returncode == 0
        with GatewayClient(gateway_url) as client:
            client.login("owner@example.com", "correct horse battery staple")
            assert [b.name for b in client.brands.list().items] == ["Acme"]
    finally:
        engine.close()
