"""The server stack (stacks/server) on this machine, for its test and its benchmark: secrets and a
TLS certificate from a test authority (trustme), every service on the host's network on free
loopback ports (compose.host.yaml; the CI engine has no bridge), images built with umt's own
ImageBuilder (reused while their build context is unchanged; Docker's layer cache keeps the
package installs), then docker-compose (Debian's 1.29) starts them without building."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from tests.conftest import free_port

SERVER = Path(__file__).resolve().parents[1] / "stacks" / "server"
PORT_VARIABLES = ("UMT_POSTGRES_PORT", "UMT_AGENT_PORT", "UMT_GATEWAY_1_PORT", "UMT_GATEWAY_2_PORT",
                  "UMT_HTTPS_PORT", "UMT_PROXY_HEALTH_PORT")


class ComposeMissing(RuntimeError):
    pass


@dataclass
class ServerStack:
    compose: list[str]          # docker-compose with the resolved file and the project name
    env: dict[str, str]
    ports: dict[str, int]
    ca_file: str                # the test authority that signed the proxy's certificate
    up_seconds: float           # `docker-compose up -d` (it waits for each dependency's health)

    @property
    def url(self) -> str:
        return f"https://localhost:{self.ports['UMT_HTTPS_PORT']}"

    def run(self, *args: str) -> str:
        return subprocess.run([*self.compose, *args], env=self.env, check=True, capture_output=True,
                              text=True).stdout

    def container_ids(self) -> list[str]:
        return self.run("ps", "-q").split()


def compose_command() -> list[str]:
    path = shutil.which("docker-compose")
    if path is None:
        raise ComposeMissing("docker-compose is not installed (apt-get install docker-compose)")
    return [path, "-f", str(SERVER / "compose.yaml"), "-f", str(SERVER / "compose.host.yaml")]


def write_secrets(folder: Path) -> str:
    """The stack's secret files in `folder`; returns the path of the authority's certificate."""
    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("localhost", "127.0.0.1")
    folder.mkdir(parents=True)
    (folder / "gateway_signing_key").write_text(secrets.token_urlsafe(32))
    (folder / "channel_key").write_text(secrets.token_urlsafe(32))
    (folder / "database_password").write_text(secrets.token_urlsafe(24))
    (folder / "llm_api_key").write_text("")
    certificate.private_key_pem.write_to_path(str(folder / "tls_key"))
    (folder / "tls_certificate").write_bytes(b"".join(pem.bytes() for pem in certificate.cert_chain_pems))
    for path in folder.iterdir():
        path.chmod(0o644)   # read by the services' own users; the folder above stays private
    ca_file = folder.parent / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return str(ca_file)


def host_network_file(compose: list[str], env: dict[str, str], folder: Path) -> Path:
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


def build_images(compose_file: Path) -> None:
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


@contextlib.contextmanager
def running_server_stack(folder: Path) -> Iterator[ServerStack]:
    """Builds (or reuses) the images, starts the stack and yields it; takes it down with its volume."""
    compose = compose_command()
    ca_file = write_secrets(folder / "secrets")
    ports = {name: free_port() for name in PORT_VARIABLES}
    base = os.environ.get("UMT_BASE_IMAGE", "")
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "UMT_SECRETS_DIR": str(folder / "secrets"),
           **({"UMT_DEBIAN_IMAGE": base} if base else {})}
    resolved = host_network_file(compose, env, folder)
    build_images(resolved)
    stack = ServerStack([compose[0], "-f", str(resolved), "-p", f"umttest{uuid.uuid4().hex[:8]}"], env, ports,
                        ca_file, 0.0)
    try:
        started = time.monotonic()
        up = subprocess.run([*stack.compose, "up", "-d", "--no-build"], env=env, capture_output=True, text=True,
                            timeout=240)
        stack.up_seconds = time.monotonic() - started
        if up.returncode != 0:
            raise RuntimeError(f"docker-compose up failed:\n{up.stdout}{up.stderr}")
        yield stack
    except BaseException:
        logs = subprocess.run([*stack.compose, "logs", "--no-color", "--tail", "40"], env=env, capture_output=True,
                              text=True)
        print(logs.stdout[-8000:])
        raise
    finally:
        subprocess.run([*stack.compose, "down", "-v", "--remove-orphans", "-t", "5"], env=env, capture_output=True,
                       timeout=120)
