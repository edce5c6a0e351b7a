"""The server stack (stacks/server/compose.yaml) as an owner runs it: built, brought up with
docker-compose (1.29, Debian's), healthy through its TLS proxy, the owner signed up and a brand made
through each gateway, torn down. Host networking (compose.host.yaml): the CI engine has no bridge.

The images are built with umt's own ImageBuilder (reused while their build context is unchanged,
and Docker's layer cache keeps the package installs), then compose starts them without building."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import free_port
from tests.runtime.helpers import wait_for
from umt.client import GatewayClient

pytestmark = pytest.mark.docker
SERVER = Path(__file__).resolve().parents[1] / "stacks" / "server"
OWNER = {"email": "owner@example.com", "name": "Olive Owner", "password": "correct horse battery"}


def _compose_command() -> list[str]:
    path = shutil.which("docker-compose")
    if path is None:
        message = "docker-compose is not installed (apt-get install docker-compose)"
        if os.environ.get("UMT_REQUIRE_DOCKER", "") not in ("", "0"):
            pytest.fail(message)
        pytest.skip(message)
    return [path, "-f", str(SERVER / "compose.yaml"), "-f", str(SERVER / "compose.host.yaml")]


def _host_network_file(compose: list[str], env: dict[str, str], folder: Path) -> Path:
    """compose.yaml with compose.host.yaml, resolved, without the published ports: docker-compose
    refuses them next to host networking, and an override file cannot remove a list in 1.29."""
    resolved = yaml.safe_load(subprocess.run([*compose, "config"], env=env, check=True, capture_output=True,
                                             text=True).stdout)
    for service in resolved["services"].values():
        assert service.get("network_mode") == "host"
        service.pop("ports", None)
    path = folder / "compose.resolved.yaml"
    path.write_text(yaml.safe_dump(resolved, sort_keys=False))
    return path


def _build_images(compose_file: Path) -> None:
    """Every image the stack file says how to build, through umt's ImageBuilder."""
    import docker

    from umt.runtime.docker_image import ImageBuilder
    from umt.runtime.stackfile import BuildSpec, ServiceSpec

    resolved = yaml.safe_load(compose_file.read_text())
    client = docker.from_env()
    try:
        builder = ImageBuilder(client)
        for name, service in resolved["services"].items():
            build = service["build"]
            builder.ensure(ServiceSpec(name=name, image=service["image"], command=(),
                                       build=BuildSpec(Path(build["context"]), build["dockerfile"],
                                                       dict(build.get("args", {})))))
    finally:
        client.close()


@pytest.fixture
def server_stack(tmp_path):
    import trustme

    compose = _compose_command()
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost", "127.0.0.1")
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "gateway_signing_key").write_text(secrets.token_urlsafe(32))
    (folder / "database_password").write_text(secrets.token_urlsafe(24))
    (folder / "llm_api_key").write_text("")
    certificate.private_key_pem.write_to_path(str(folder / "tls_key"))
    (folder / "tls_certificate").write_bytes(b"".join(pem.bytes() for pem in certificate.cert_chain_pems))
    for path in folder.iterdir():
        path.chmod(0o644)   # read by the services' own users; the folder (tmp_path) stays private
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    ports = {name: free_port() for name in ("UMT_POSTGRES_PORT", "UMT_AGENT_PORT", "UMT_GATEWAY_1_PORT",
                                              "UMT_GATEWAY_2_PORT", "UMT_HTTPS_PORT", "UMT_PROXY_HEALTH_PORT")}
    base = os.environ.get("UMT_BASE_IMAGE", "")
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "UMT_SECRETS_DIR": str(folder),
           **({"UMT_DEBIAN_IMAGE": base} if base else {})}
    resolved = _host_network_file(compose, env, tmp_path)
    compose = [compose[0], "-f", str(resolved), "-p", f"umttest{uuid.uuid4().hex[:8]}"]
    _build_images(resolved)
    started = time.monotonic()
    try:
        up = subprocess.run([*compose, "up", "-d", "--no-build"], env=env, capture_output=True, text=True,
                            timeout=240)
        assert up.returncode == 0, up.stdout + up.stderr
        yield {"ports": ports, "ca_file": str(ca_file), "started": started, "compose": compose, "env": env}
    except BaseException:
        logs = subprocess.run([*compose, "logs", "--no-color", "--tail", "40"], env=env, capture_output=True,
                              text=True)
        print(logs.stdout[-8000:])
        raise
    finally:
        subprocess.run([*compose, "down", "-v", "--remove-orphans", "-t", "5"], env=env, capture_output=True,
                       timeout=120)


def test_the_server_stack_serves_over_tls_through_both_gateways(server_stack):
    ports, ca_file = server_stack["ports"], server_stack["ca_file"]
    url = f"https://localhost:{ports['UMT_HTTPS_PORT']}"

    def healthy() -> bool:
        try:
            return requests.get(url + "/health", verify=ca_file, timeout=2).ok
        except requests.ConnectionError:
            return False

    wait_for(healthy, timeout_s=120, every_s=0.5, what="the server stack to answer through its proxy")
    print(f"\nserver stack: up and healthy through TLS in {time.monotonic() - server_stack['started']:.1f} s")
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
    compose, env = server_stack["compose"], server_stack["env"]
    ids = subprocess.run([*compose, "ps", "-q"], env=env, check=True, capture_output=True, text=True).stdout.split()
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
    logs = subprocess.run([*compose, "logs", "--no-color", "gateway-1", "gateway-2"], env=env, check=True,
                          capture_output=True, text=True).stdout
    assert logs.count("migrating the database to version 1:") == 1, logs
    assert "Traceback" not in logs, logs
