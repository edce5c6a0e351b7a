"""One owner's data whatever the backend: `umt up` in Docker mode and in native mode, as real
containers and real processes, work on the same data folder, and an earlier version's Docker
volume is moved into it once, verified, never left behind an empty workspace."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runtime.docker_helpers import remove_everything_of, stack_variables
from umt.client import GatewayClient

pytestmark = pytest.mark.docker
PASSWORD = "correct horse battery staple"


def umt(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "umt.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=timeout)


def up(backend: str) -> str:
    result = umt("up", "--backend", backend, "--no-supervise")
    assert result.returncode == 0, result.stderr
    return result.stderr


def down(backend: str) -> None:
    result = umt("down", "--backend", backend)
    assert result.returncode == 0, result.stderr


def brands(url: str) -> list[str]:
    with GatewayClient(url) as client:
        assert not client.setup_required(), "an empty workspace: the owner's data is not there"
        client.login("owner@example.com", PASSWORD)
        return sorted(b.name for b in client.brands.list().items)


def earlier_version_with_data(url: str, names: list[str], leave_running: bool) -> None:
    """Runs the earlier version's stack for real: the gateway on the named volume
    <stack>_gateway-data as user 10001; an owner and brands are created through the API."""
    from umt import launch, secrets
    from umt.runtime.docker_backend import DockerBackend
    from umt.runtime.stackfile import VolumeMount
    from umt.runtime.supervisor import Supervisor

    stack = launch.load_default_stack()
    gateway = dataclasses.replace(stack.services["gateway"], volumes=(VolumeMount("gateway-data", "/data"),),
                                  user="10001:10001")
    earlier = dataclasses.replace(stack, services={**stack.services, "gateway": gateway}, volumes=("gateway-data",))
    secrets.write_secret_files(dict(earlier.secrets))
    backend = DockerBackend(earlier, Path(os.environ["UMT_DATA_DIR"]))
    supervisor = Supervisor(backend)
    try:
        supervisor.up(timeout_s=120)
        with GatewayClient(url) as client:
            client.setup_owner("owner@example.com", "Owner", PASSWORD)
            for name in names:
                client.brands.create(name=name, voice="warm")
        if not leave_running:
            supervisor.down()   # as the earlier app left it: no containers, the volume kept
    finally:
        backend.close()


@pytest.fixture
def both_backends(tmp_path, monkeypatch, stack_ports):
    variables = stack_variables(tmp_path, stack_ports)
    for name in ("UMT_DOCKER_NETWORK", "UMT_BASE_IMAGE"):   # host networking here; the local base when there is one
        if name in variables:
            monkeypatch.setenv(name, variables[name])
    yield f"http://127.0.0.1:{stack_ports['gateway']}"
    for backend in ("native", "docker"):
        umt("down", "--backend", backend)
    remove_everything_of(os.environ["UMT_STACK_NAME"])


def data_folder() -> Path:
    return Path(os.environ["UMT_DATA_DIR"]) / "gateway-data" / os.environ["UMT_STACK_NAME"]


def test_data_written_in_either_mode_is_there_in_the_other(both_backends):
    url = both_backends
    up("docker")
    with GatewayClient(url) as client:
        client.setup_owner("owner@example.com", "Owner", PASSWORD)
        client.brands.create(name="Made in Docker", voice="warm")
    # SQLite's write-ahead log through the bind mount: a host reader sees what the container just
    # committed (the -shm index is the same file, on the same kernel), ...
    host_reader = sqlite3.connect(data_folder() / "umt.db")
    try:
        assert host_reader.execute("SELECT name FROM brands").fetchall() == [("Made in Docker",)]
    finally:
        host_reader.close()
    # ... and a gateway killed before any checkpoint leaves its writes in the log, which native
    # mode's gateway replays.
    import docker

    engine = docker.from_env()
    try:
        engine.containers.get(f"{os.environ['UMT_STACK_NAME']}-gateway").kill()
    finally:
        engine.close()
    assert (data_folder() / "umt.db-wal").stat().st_size > 0
    down("docker")

    up("native")
    assert brands(url) == ["Made in Docker"]
    # The container wrote as the host user: the owner's files, which native mode opens as they are.
    assert "umt.db" in [p.name for p in data_folder().iterdir()]
    assert {p.stat().st_uid for p in data_folder().iterdir()} == {os.getuid()}
    with GatewayClient(url) as client:
        client.login("owner@example.com", PASSWORD)
        client.brands.create(name="Made natively", voice="plain")
    down("native")

    up("docker")
    assert brands(url) == ["Made in Docker", "Made natively"]


def test_an_earlier_versions_docker_volume_is_moved_once_verified(both_backends):
    """As an owner upgrading: the data is in the volume <stack>_gateway-data, the folder is empty."""
    url = both_backends
    earlier_version_with_data(url, ["Acme", "Bolt", "Cedar"], leave_running=False)
    assert not data_folder().exists() or not any(data_folder().iterdir())

    # Docker off (auto falls back to native) or native chosen: no empty workspace, a plain message.
    refused = umt("up", "--backend", "native", "--no-supervise")
    assert refused.returncode == 1
    volume = f"{os.environ['UMT_STACK_NAME']}_gateway-data"
    assert f"still in the Docker volume {volume}" in refused.stderr and "once in Docker mode" in refused.stderr
    assert "Traceback" not in refused.stderr

    said = up("docker")
    assert f"Moved your data from the Docker volume {volume} to {data_folder()}" in said
    assert "rows, checked" in said
    assert brands(url) == ["Acme", "Bolt", "Cedar"]
    assert {p.stat().st_uid for p in data_folder().rglob("*")} == {os.getuid()}
    import docker

    engine = docker.from_env()
    try:
        engine.volumes.get(volume)   # kept for the owner to remove
        assert engine.containers.list(all=True, filters={"name": "data-move"}) == []
    finally:
        engine.close()
    down("docker")

    up("native")
    assert brands(url) == ["Acme", "Bolt", "Cedar"]
    down("native")
    again = up("docker")       # once only: the folder is the data from now on
    assert "Moved your data" not in again
    assert brands(url) == ["Acme", "Bolt", "Cedar"]


def test_an_upgrade_with_the_earlier_stack_still_running_moves_the_data_too(both_backends):
    url = both_backends
    earlier_version_with_data(url, ["Running"], leave_running=True)
    said = up("docker")      # its gateway is stopped for the copy, then replaced
    assert "Moved your data from the Docker volume" in said and "rows, checked" in said
    assert brands(url) == ["Running"]


def test_data_in_both_places_is_never_merged_or_replaced_silently(both_backends):
    """An earlier version ran in both modes: native mode kept its data in native/<stack>/gateway
    and Docker mode in the volume. The native data is renamed into the folder, the folder is the
    data in both modes from then on, and the owner is told that the volume was left as it is."""
    url = both_backends
    up("native")
    with GatewayClient(url) as client:
        client.setup_owner("owner@example.com", "Owner", PASSWORD)
        client.brands.create(name="Made natively", voice="plain")
    down("native")
    earlier_native = Path(os.environ["UMT_DATA_DIR"]) / "native" / os.environ["UMT_STACK_NAME"] / "gateway"
    for path in data_folder().iterdir():    # where the earlier version's native mode kept it
        path.rename(earlier_native / path.name)
    data_folder().rmdir()
    earlier_version_with_data(url, ["In the volume"], leave_running=False)

    up("native")
    assert brands(url) == ["Made natively"]
    down("native")
    said = up("docker")
    volume = f"{os.environ['UMT_STACK_NAME']}_gateway-data"
    assert f"the Docker volume {volume} from an earlier version was left as it is" in said
    assert brands(url) == ["Made natively"]
