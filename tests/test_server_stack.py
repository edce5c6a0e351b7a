"""The server stack (stacks/server/compose.yaml) as an owner runs it: built, brought up with
docker-compose (1.29, Debian's), healthy through its TLS proxy, the owner signed up and a brand made
through each gateway, torn down. Host networking (compose.host.yaml): the CI engine has no bridge.
tests/server_stack.py says how it is started (the benchmark starts it the same way)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
import requests

from tests.runtime.helpers import wait_for
from tests.server_stack import ComposeMissing, running_server_stack
from umt.client import GatewayClient

pytestmark = pytest.mark.docker
OWNER = {"email": "owner@example.com", "name": "Olive Owner", "password": "correct horse battery"}


@pytest.fixture
def server_stack(tmp_path):
    try:
        with running_server_stack(tmp_path) as stack:
            yield stack
    except ComposeMissing as missing:
        if os.environ.get("UMT_REQUIRE_DOCKER", "") not in ("", "0"):
            pytest.fail(str(missing))
        pytest.skip(str(missing))


def test_the_server_stack_serves_over_tls_through_both_gateways(server_stack):
    ports, ca_file, url = server_stack.ports, server_stack.ca_file, server_stack.url
    started = time.monotonic()

    def healthy() -> bool:
        try:
            return requests.get(url + "/health", verify=ca_file, timeout=2).ok
        except requests.ConnectionError:
            return False

    wait_for(healthy, timeout_s=120, every_s=0.5, what="the server stack to answer through its proxy")
    print(f"\nserver stack: `up -d` {server_stack.up_seconds:.1f} s, then healthy through TLS after "
          f"{time.monotonic() - started:.1f} s more")
    # Caddy's certificate is the one from the secret: a client that does not trust the CA is refused.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url + "/health", timeout=5)

    with GatewayClient(url, verify=ca_file) as client:
        assert client.setup_required() is True
        client.setup_owner(OWNER["email"], OWNER["name"], OWNER["password"])
        brand = client.brands.create(name="Through the proxy")
        token = client.token
    # The same session on each gateway directly: one database behind both.
    names = []
    for port_name in ("UMT_GATEWAY_1_PORT", "UMT_GATEWAY_2_PORT"):
        with GatewayClient(f"http://127.0.0.1:{ports[port_name]}", token) as direct:
            names.append(direct.brands.create(name=f"Through {port_name}").name)
            assert direct.brands.get(brand.id).name == "Through the proxy"
    with GatewayClient(url, token, verify=ca_file) as client:
        listed = sorted(item.name for item in client.brands.iterate())
        ready = client.ready()
    assert listed == sorted(["Through the proxy", *names])
    assert ready["status"] == "ready", ready

    # Every service has a healthcheck and limits, and reports healthy.
    ids = server_stack.container_ids()
    assert len(ids) == 5
    inspected = subprocess.run(["docker", "inspect", "--format",
                                "{{.Name}} {{.State.Health.Status}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}",
                                *ids], check=True, capture_output=True, text=True).stdout.splitlines()

    def all_healthy() -> bool:
        nonlocal inspected
        inspected = subprocess.run(["docker", "inspect", "--format",
                                    "{{.Name}} {{.State.Health.Status}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}",
                                    *ids], check=True, capture_output=True, text=True).stdout.splitlines()
        return all(line.split()[1] == "healthy" for line in inspected)

    wait_for(all_healthy, timeout_s=60, every_s=0.5, what=f"every container healthy: {inspected}")
    for line in inspected:
        _name, _health, memory, cpus = line.split()
        assert int(memory) > 0 and int(cpus) > 0, line

    # The two gateways started together on the empty database: one migrated it, under the lock.
    logs = server_stack.run("logs", "--no-color", "gateway-1", "gateway-2")
    assert logs.count("migrating the database to version 1:") == 1, logs
    assert "Traceback" not in logs, logs

    # The data lives in PostgreSQL's volume: the stack taken down (not its volume) and up again
    # serves the same brands to the same session, with nothing left to migrate.
    server_stack.run("down", "-t", "5")
    server_stack.run("up", "-d", "--no-build")
    wait_for(healthy, timeout_s=120, every_s=0.5, what="the recreated stack to answer through its proxy")
    with GatewayClient(url, token, verify=ca_file) as client:
        assert sorted(item.name for item in client.brands.iterate()) == listed
    logs = server_stack.run("logs", "--no-color", "gateway-1", "gateway-2")
    assert "migrating the database" not in logs and "Traceback" not in logs, logs
