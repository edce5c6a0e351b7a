"""The Docker backend with the real image, real containers (host networking) and real HTTP.

Container settings are checked as plain data first (no engine needed); then one module-wide
stack runs for the lifecycle tests. Every test stack has its own name, and everything carrying
that name's label is removed afterwards, even on failure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

from umt.healthcheck import probe
from umt.paths import default_stack_file
from umt.runtime.docker_config import (
    CONFIG_LABEL, SERVICE_LABEL, STACK_LABEL, container_config, published_ports,
)
from umt.runtime.docker_image import assemble_context, context_hash
from umt.runtime.errors import EngineUnavailable, PortInUse, ServiceFailed
from umt.runtime.model import EventKind, State
from umt.runtime.stackfile import Limits, load_stack

from tests.conftest import free_port
from tests.runtime.helpers import wait_for

LOCAL_BASE = "umt-base:bookworm"
SIGNING_KEY = b"test-signing-key-" + b"0123456789abcdef" * 3   # the gateway wants 32+ characters


def stack_variables(tmp_path: Path, ports: dict[str, int] | None = None) -> dict[str, str]:
    """The variables a test stack is loaded with: its ports, secrets folder and base image."""
    secrets = tmp_path / "secrets"
    secrets.mkdir(exist_ok=True)
    key = secrets / "gateway_signing_key"
    key.write_bytes(SIGNING_KEY)
    key.chmod(0o600)   # private to the host user, as umt.secrets writes it
    ports = ports or {"gateway": free_port(), "agent": free_port()}
    env = {
        "UMT_SECRETS_DIR": str(secrets),
        "UMT_GATEWAY_PORT": str(ports["gateway"]),
        "UMT_AGENT_PORT": str(ports["agent"]),
        "UMT_DOCKER_NETWORK": "host",
    }
    if _local_base_exists():
        env["UMT_BASE_IMAGE"] = LOCAL_BASE
    return env


def _local_base_exists() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            client.images.get(LOCAL_BASE)
            return True
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - no engine or no such image: the official base is used
        return False


def load_test_stack(env: dict[str, str]):
    stack = load_stack(default_stack_file(), {**os.environ, **env})
    return dataclasses.replace(stack, name=f"umttest-{uuid.uuid4().hex[:8]}")


# --- the container settings, as data ---------------------------------------------------------


@pytest.fixture
def default_stack(tmp_path):
    env = stack_variables(tmp_path, {"gateway": 18710, "agent": 18720})
    return load_test_stack(env)


def test_host_mode_containers_are_hardened_and_limited(default_stack, tmp_path):
    spec = default_stack.services["gateway"]
    secret = tmp_path / "staged-key"
    config = container_config(default_stack, spec, "sha256:abc", "host", {"gateway_signing_key": secret}, {"gateway_signing_key": "d1"})
    assert config["read_only"] is True and config["tmpfs"] == {"/tmp": "size=16m"}
    assert config["cap_drop"] == ["ALL"] and config["security_opt"] == ["no-new-privileges:true"]
    assert config["init"] is True and config["user"] == "10001:10001"
    assert config["mem_limit"] == config["memswap_limit"] == 192 * 1024**2
    assert config["nano_cpus"] == 1_000_000_000 and config["pids_limit"] == 128
    assert config["network_mode"] == "host" and "ports" not in config
    # host networking: loopback only, and the agent is found on loopback too
    assert config["environment"]["UMT_BIND_HOST"] == "127.0.0.1"
    assert config["environment"]["UMT_AGENT_URL"] == "http://127.0.0.1:18720"
    assert config["volumes"][f"{default_stack.name}_gateway-data"] == {"bind": "/data", "mode": "rw"}
    assert config["volumes"][str(secret)] == {"bind": "/run/secrets/gateway_signing_key", "mode": "ro"}
    assert config["healthcheck"]["test"] == ["CMD", "python", "-m", "umt.healthcheck", "http://127.0.0.1:18710/health"]
    assert config["healthcheck"]["interval"] == 30 * 10**9 and config["healthcheck"]["start_period"] == 5 * 10**9
    labels = config["labels"]
    assert labels[STACK_LABEL] == default_stack.name and labels[SERVICE_LABEL] == "gateway"
    assert labels["org.opencontainers.image.title"] == "umt gateway" and len(labels[CONFIG_LABEL]) == 32
    assert published_ports(spec, "host") == [18710]


def test_bridge_mode_publishes_on_loopback_and_names_the_service(default_stack):
    spec = default_stack.services["agent"]
    config = container_config(default_stack, spec, "sha256:abc", "bridge", {})
    assert config["ports"] == {"18720/tcp": ("127.0.0.1", 18720)}
    assert config["network"] == f"{default_stack.name}_default" and config["network_aliases"] == ["agent"]
    assert "network_mode" not in config
    assert config["environment"]["UMT_BIND_HOST"] == "0.0.0.0"   # inside its own network namespace
    gateway = container_config(default_stack, default_stack.services["gateway"], "sha256:abc", "bridge", {"gateway_signing_key": Path("/k")})
    assert gateway["environment"]["UMT_AGENT_URL"] == "http://agent:18720"


def test_the_config_hash_follows_what_matters(default_stack):
    spec = default_stack.services["agent"]
    base = container_config(default_stack, spec, "sha256:abc", "host", {})[
        "labels"][CONFIG_LABEL]
    assert container_config(default_stack, spec, "sha256:abc", "host", {})["labels"][CONFIG_LABEL] == base
    changed_limit = dataclasses.replace(spec, limits=Limits(memory_bytes=128 * 1024**2, cpus=0.5, pids=64))
    assert container_config(default_stack, changed_limit, "sha256:abc", "host", {})["labels"][CONFIG_LABEL] != base
    assert container_config(default_stack, spec, "sha256:new", "host", {})["labels"][CONFIG_LABEL] != base
    gateway = default_stack.services["gateway"]
    files = {"gateway_signing_key": Path("/k")}
    one = container_config(default_stack, gateway, "i", "host", files, {"gateway_signing_key": "a"})
    other = container_config(default_stack, gateway, "i", "host", files, {"gateway_signing_key": "b"})
    assert one["labels"][CONFIG_LABEL] != other["labels"][CONFIG_LABEL]   # a new key means a new container


def test_build_context_has_the_repository_layout_without_the_desktop(tmp_path):
    ca = tmp_path / "proxy-ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nproxy\n-----END CERTIFICATE-----\n")
    context = tmp_path / "context"
    assemble_context(context, {"UMT_BUILD_CA_BUNDLE": str(ca)})
    assert (context / "app/umt/gateway/app.py").is_file() and (context / "app/umt/agent/app.py").is_file()
    assert not (context / "app/umt/desktop").exists()
    assert not list(context.rglob("__pycache__"))
    assert (context / "Dockerfiles/service.Dockerfile").is_file()
    assert (context / "Dockerfiles/requirements-service.txt").is_file()
    assert (context / "Dockerfiles/build-ca/extra.crt").read_text() == ca.read_text()
    first = context_hash(context, "Dockerfiles/service.Dockerfile", {"BASE_IMAGE": "a"})
    # the CA is for the build stage only: it does not make another image
    (context / "Dockerfiles/build-ca/extra.crt").write_text("another proxy")
    assert context_hash(context, "Dockerfiles/service.Dockerfile", {"BASE_IMAGE": "a"}) == first
    assert context_hash(context, "Dockerfiles/service.Dockerfile", {"BASE_IMAGE": "b"}) != first
    (context / "app/umt/agent/app.py").write_text("# changed\n")
    assert context_hash(context, "Dockerfiles/service.Dockerfile", {"BASE_IMAGE": "a"}) != first


def test_build_context_is_reproducible(tmp_path):
    """Two assemblies of the same installed code hash the same: a restarted app reuses the image."""
    hashes = set()
    for name in ("one", "two"):
        assemble_context(tmp_path / name, {"UMT_BUILD_CA_BUNDLE": ""})
        hashes.add(context_hash(tmp_path / name, "Dockerfiles/service.Dockerfile", {"BASE_IMAGE": "b"}))
    assert len(hashes) == 1


def test_no_extra_ca_when_told_so(tmp_path):
    assemble_context(tmp_path / "context", {"UMT_BUILD_CA_BUNDLE": ""})
    assert not list((tmp_path / "context/Dockerfiles/build-ca").glob("*.crt"))


def test_a_dead_engine_is_explained(tmp_path, monkeypatch):
    from umt.runtime.docker_backend import DockerBackend

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    stack = load_test_stack(stack_variables(tmp_path))
    with pytest.raises(EngineUnavailable) as caught:
        DockerBackend(stack, tmp_path / "data")
    assert caught.value.diagnosis.state == "other_context"
    assert "DOCKER_HOST" in str(caught.value) and "no-engine.sock" in str(caught.value)


def test_an_engine_lost_mid_session_is_explained(tmp_path, monkeypatch):
    """The engine goes away after the backend connected: calls raise EngineUnavailable, not a traceback."""
    import docker

    from umt.runtime.docker_backend import DockerBackend

    dead = f"unix://{tmp_path}/gone.sock"
    monkeypatch.setenv("DOCKER_HOST", dead)
    client = docker.DockerClient(base_url=dead, version="1.41", timeout=2)   # no call is made yet
    backend = DockerBackend(load_test_stack(stack_variables(tmp_path)), tmp_path / "data", client=client)
    try:
        for call in (lambda: backend.status("agent"), backend.stats, lambda: backend.stop_service("agent")):
            with pytest.raises(EngineUnavailable) as caught:
                call()
            assert "gone.sock" in str(caught.value)
    finally:
        backend.close()
        client.close()


# --- real containers --------------------------------------------------------------------------


def _remove_everything_of(stack_name: str) -> None:
    import docker

    client = docker.from_env()
    try:
        label = {"label": f"{STACK_LABEL}={stack_name}"}
        for container in client.containers.list(all=True, filters=label):
            container.remove(force=True)
        for volume in client.volumes.list(filters=label):
            volume.remove(force=True)
        for network in client.networks.list(filters=label):
            network.remove()
    finally:
        client.close()


@pytest.fixture(scope="module")
def stack_env(tmp_path_factory):
    """Module-wide environment: the test stack's variables set for every test here."""
    env = stack_variables(tmp_path_factory.mktemp("docker-stack"))
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        yield env


@pytest.fixture(scope="module")
def running(stack_env, tmp_path_factory):
    """The stack, built once and running for the module's lifecycle tests."""
    from umt.runtime.docker_backend import DockerBackend

    stack = load_test_stack(stack_env)
    data_dir = tmp_path_factory.mktemp("docker-data")
    backend = DockerBackend(stack, data_dir)
    try:
        backend.prepare()
        for spec in stack.start_order():
            backend.start_service(spec.name)
            wait_for(lambda: probe(spec.health_url, 0.5), 30, what=f"{spec.name} healthy")
        yield backend
    finally:
        backend.close()
        _remove_everything_of(stack.name)


@pytest.fixture
def engine():
    import docker

    client = docker.from_env()
    yield client
    client.close()


def ensure_up(backend, name: str) -> None:
    backend.start_service(name)
    wait_for(lambda: probe(backend.service(name).health_url, 0.5), 30, what=f"{name} healthy")


def get(url_port: int, path: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", url_port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.docker
def test_services_answer_and_the_gateway_reaches_the_agent_and_its_database(running):
    port = running.service("gateway").health_port
    assert get(port, "/health")[0] == 200
    status, body = get(port, "/ready")
    assert status == 200, body
    statuses = {s.name: s for s in running.statuses()}
    assert {s.state for s in statuses.values()} == {State.RUNNING}
    assert all(s.backend == "docker" and s.exit_code is None for s in statuses.values())
    assert all(0 <= time.time() - s.started_at < 600 for s in statuses.values())   # the engine's clock, parsed


@pytest.mark.docker
def test_containers_run_hardened_with_the_stack_limits(running, engine):
    container = engine.containers.get(f"{running.stack.name}-gateway")
    host = container.attrs["HostConfig"]
    assert host["ReadonlyRootfs"] is True and host["CapDrop"] == ["ALL"]
    assert host["SecurityOpt"] == ["no-new-privileges:true"] and host["Init"] is True
    assert host["Memory"] == 192 * 1024**2 and host["NanoCpus"] == 10**9 and host["PidsLimit"] == 128
    assert container.attrs["Config"]["User"] == "10001:10001"
    # The secret is readable by the service's non-root user, read-only, and is the host's key.
    result = container.exec_run(["python", "-c", "print(open('/run/secrets/gateway_signing_key').read())"])
    assert result.exit_code == 0 and result.output.strip() == SIGNING_KEY
    write = container.exec_run(["python", "-c", "open('/run/secrets/gateway_signing_key', 'w')"])
    assert write.exit_code != 0
    root_write = container.exec_run(["python", "-c", "open('/app/x', 'w')"])
    assert b"Read-only file system" in root_write.output


@pytest.mark.docker
def test_stats_show_use_against_the_applied_limits(running):
    first = {s.name: s for s in running.stats()}
    assert set(first) == {"agent", "gateway"}
    port = running.service("gateway").health_port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for _ in range(300):   # some work between two samples, so the CPU delta is real
        connection.request("GET", "/health")
        connection.getresponse().read()
    connection.close()
    second = {s.name: s for s in running.stats()}
    gateway, agent = second["gateway"], second["agent"]
    assert gateway.cpu_percent > 0
    assert 5 * 1024**2 < gateway.memory_bytes < gateway.memory_limit_bytes == 192 * 1024**2
    assert 5 * 1024**2 < agent.memory_bytes < agent.memory_limit_bytes == 96 * 1024**2
    assert gateway.cpu_limit == 1.0 and agent.cpu_limit == 0.5
    assert gateway.pids >= 1 and 0 < gateway.memory_fraction < 1


def follow_in_background(backend, name: str, stop: threading.Event) -> tuple[threading.Thread, list[str]]:
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(backend.follow_logs(name, stop)), daemon=True)
    reader.start()
    return reader, lines


@pytest.mark.docker
def test_logs_tail_and_a_follow_that_the_stop_event_closes(running):
    assert any("Application startup complete" in line for line in running.logs("agent"))
    assert len(running.logs("agent", tail=1)) == 1
    stop = threading.Event()
    reader, _ = follow_in_background(running, "agent", stop)   # the idle agent writes nothing: blocked
    reader.join(timeout=0.3)
    assert reader.is_alive()
    stop.set()
    reader.join(timeout=5)
    assert not reader.is_alive()


@pytest.mark.docker
def test_a_killed_service_reports_its_death_and_comes_back(running):
    running.events()   # drop what came before
    running.kill_service("agent")
    seen: list = []

    def died():
        seen.extend(running.events())
        return [e for e in seen if e.service == "agent" and e.kind == EventKind.DIE]

    death = wait_for(died, 15, what="the agent's die event")
    assert "137" in death[0].detail
    status = running.status("agent")
    assert status.state == State.EXITED and status.exit_code == 137 and not status.oom_killed
    ensure_up(running, "agent")
    wait_for(lambda: any(e.kind == EventKind.START and e.service == "agent" for e in seen + running.events()), 15,
             what="the agent's start event")


@pytest.mark.docker
def test_a_second_backend_adopts_instead_of_duplicating(running, engine):
    from umt.runtime.docker_backend import DockerBackend

    before = {name: engine.containers.get(f"{running.stack.name}-{name}") for name in ("agent", "gateway")}
    ids = {name: container.id for name, container in before.items()}
    again = DockerBackend(running.stack, running.data_dir)
    # The same image as the first backend: other people's edits to this checkout while the tests
    # run would otherwise make a new image (and rightly a new container). That a fresh process finds
    # the same image is test_build_context_is_reproducible's part.
    again._images = running._images
    try:
        for name in ("agent", "gateway"):
            again.start_service(name)
    finally:
        again.close()
    for name, container_id in ids.items():
        owned = engine.containers.list(all=True, filters={"label": [f"{STACK_LABEL}={running.stack.name}", f"{SERVICE_LABEL}={name}"]})
        assert [c.id for c in owned] == [container_id], (before[name].image.id, [c.image.id for c in owned])
        assert owned[0].status == "running"


@pytest.mark.docker
def test_gateway_data_survives_a_recreated_container(running, engine):
    from umt.runtime.docker_backend import DockerBackend

    old = engine.containers.get(f"{running.stack.name}-gateway")
    assert old.exec_run(["python", "-c", "open('/data/kept.txt', 'w').write('still here')"]).exit_code == 0
    gateway = running.service("gateway")
    changed = dataclasses.replace(gateway, environment={**gateway.environment, "UMT_LOG_LEVEL": "WARNING"})
    stack = dataclasses.replace(running.stack, services={**running.stack.services, "gateway": changed})
    other = DockerBackend(stack, running.data_dir)
    try:
        other.start_service("gateway")
        wait_for(lambda: probe(gateway.health_url, 0.5), 30, what="recreated gateway healthy")
        new = engine.containers.get(f"{running.stack.name}-gateway")
        assert new.id != old.id and new.labels[CONFIG_LABEL] != old.labels[CONFIG_LABEL]
        assert new.exec_run(["cat", "/data/kept.txt"]).output == b"still here"
        assert new.exec_run(["python", "-c", "import os; print(os.path.exists('/data/umt.db'))"]).output.strip() == b"True"
        # back to the module's configuration, so the next tests see the stack they expect
        running.start_service("gateway")
        wait_for(lambda: probe(gateway.health_url, 0.5), 30, what="gateway healthy again")
    finally:
        other.close()


@pytest.mark.docker
def test_graceful_stop_exits_cleanly_and_remove_forgets(running):
    stop = threading.Event()
    reader, lines = follow_in_background(running, "gateway", stop)
    running.stop_service("gateway")
    reader.join(timeout=10)   # the follow ends by itself when the container stops
    assert not reader.is_alive()
    assert any("Shutting down" in line for line in lines), lines
    status = running.status("gateway")
    # SIGTERM honoured: uvicorn shuts down, then exits by the signal it got (143), never killed (137)
    assert status.state == State.EXITED and status.exit_code in (0, 143), status
    running.remove_service("gateway")
    assert running.status("gateway").state == State.MISSING
    ensure_up(running, "gateway")


# --- failures with their messages ---------------------------------------------------------------


@pytest.fixture
def own_stack(tmp_path, monkeypatch):
    """A separate, not yet started stack for the failure tests; cleaned up by label."""
    from umt.runtime.docker_backend import DockerBackend

    env = stack_variables(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    stack = load_test_stack(env)
    backend = DockerBackend(stack, tmp_path / "data")
    try:
        yield backend
    finally:
        backend.close()
        _remove_everything_of(stack.name)


@pytest.mark.docker
def test_a_taken_port_is_named_with_its_holder(own_stack):
    port = own_stack.service("agent").health_port
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(PortInUse) as caught:
            own_stack.start_service("agent")
    assert caught.value.port == port and str(port) in str(caught.value)
    assert "python" in (caught.value.holder or "") and str(os.getpid()) in caught.value.holder
    assert own_stack.status("agent").state == State.MISSING


@pytest.mark.docker
def test_a_missing_secret_file_is_named(own_stack):
    secret = own_stack.stack.secrets["gateway_signing_key"]
    secret.unlink()
    with pytest.raises(ServiceFailed) as caught:
        own_stack.start_service("gateway")
    assert str(secret) in str(caught.value) and "gateway_signing_key" in str(caught.value)
    assert "UMT_SECRETS_DIR" in str(caught.value)


@pytest.mark.docker
def test_out_of_memory_is_reported(own_stack):
    agent = own_stack.service("agent")
    starved = dataclasses.replace(agent, limits=Limits(memory_bytes=8 * 1024**2, cpus=0.5, pids=64))
    own_stack.stack = dataclasses.replace(own_stack.stack, services={**own_stack.stack.services, "agent": starved})
    own_stack.prepare()
    own_stack.start_service("agent")
    seen: list = []
    wait_for(lambda: seen.extend(own_stack.events()) or any(e.kind == EventKind.OOM for e in seen), 20, what="an OOM event")
    status = wait_for(lambda: (s := own_stack.status("agent")).state == State.EXITED and s, 20, what="the agent to exit")
    assert status.oom_killed and "memory" in status.detail


@pytest.mark.docker
def test_the_engine_healthcheck_reports_health_events(own_stack):
    agent = own_stack.service("agent")
    # The stack's 30 s interval is for the engine's own bookkeeping; a 1 s one shows the event quickly.
    quick = dataclasses.replace(agent, healthcheck=dataclasses.replace(agent.healthcheck, interval_s=1.0, start_period_s=0.0))
    own_stack.stack = dataclasses.replace(own_stack.stack, services={**own_stack.stack.services, "agent": quick})
    own_stack.start_service("agent")
    seen: list = []
    wait_for(lambda: seen.extend(own_stack.events()) or any(e.kind == EventKind.HEALTH and e.detail == "healthy" for e in seen),
             20, what="a healthy event")
    assert own_stack.status("agent").health.value == "healthy"


@pytest.mark.docker
def test_bridge_mode_joins_the_stack_network_under_the_service_name(tmp_path, monkeypatch, engine):
    """Checked through the engine's records only: tests send no traffic to bridge addresses."""
    from umt.runtime.docker_backend import DockerBackend

    env = stack_variables(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    stack = load_test_stack(env)
    backend = DockerBackend(stack, tmp_path / "data", network="bridge")
    try:
        backend.prepare()
        backend.start_service("agent")
        container = engine.containers.get(f"{stack.name}-agent")
        networks = container.attrs["NetworkSettings"]["Networks"]
        assert list(networks) == [f"{stack.name}_default"]
        assert "agent" in networks[f"{stack.name}_default"]["Aliases"]
        port = backend.service("agent").health_port
        assert container.attrs["HostConfig"]["PortBindings"] == {f"{port}/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
        assert engine.networks.get(f"{stack.name}_default").attrs["Labels"] == {STACK_LABEL: stack.name}
    finally:
        backend.close()
        _remove_everything_of(stack.name)


@pytest.mark.docker
def test_a_failed_build_says_why_with_the_build_log(own_stack, monkeypatch):
    from umt.runtime.errors import BuildFailed

    # A base image nobody can provide (a registry on a closed loopback port fails at once).
    monkeypatch.setenv("UMT_BASE_IMAGE", "localhost:1/umt-no-such-base:none")
    tag = f"umt-test-broken:{uuid.uuid4().hex[:8]}"
    services = {name: dataclasses.replace(spec, image=tag) for name, spec in own_stack.stack.services.items()}
    own_stack.stack = dataclasses.replace(own_stack.stack, services=services)
    steps = []
    with pytest.raises(BuildFailed) as caught:
        own_stack.prepare(steps.append)
    message = str(caught.value)
    assert "connection refused" in message and ": FROM ${BASE_IMAGE}" in message
    assert "localhost:1/umt-no-such-base:none is neither present nor downloadable" in message
    assert "UMT_BASE_IMAGE" in message
    assert any(step.step.startswith("Step 1/") for step in steps)
    assert "Step 1/" in caught.value.log_tail


@pytest.mark.docker
def test_images_are_reused_and_a_rebuild_replaces_the_old_one(own_stack, engine):
    import docker.errors

    from umt.runtime.docker_image import ImageBuilder

    nonce = uuid.uuid4().hex[:8]
    agent = own_stack.service("agent")

    def variant(value: str):
        """The agent's image under a test tag, with an extra build arg that makes it this test's own."""
        return dataclasses.replace(
            agent, image=f"umt-test-rebuild:{nonce}", build=dataclasses.replace(agent.build, args={**agent.build.args, "UMT_NONCE": value})
        )

    spec, changed = variant(nonce + "-1"), variant(nonce + "-2")
    try:
        first = ImageBuilder(engine).ensure(spec)
        steps = []
        assert ImageBuilder(engine).ensure(spec, steps.append) == first   # a new session finds it
        assert [s.step for s in steps][-1] == f"Using the existing image {spec.image}"
        # Another build input (here the build arg) makes another image, and the old one goes.
        second = ImageBuilder(engine).ensure(changed)
        assert second != first
        with pytest.raises(docker.errors.ImageNotFound):
            engine.images.get(first)
    finally:
        with contextlib.suppress(docker.errors.APIError):
            engine.images.remove(spec.image)


@pytest.mark.docker
def test_an_upgrade_recreates_the_container_and_drops_the_old_image(own_stack, engine):
    import docker.errors

    from umt.runtime.docker_backend import DockerBackend

    nonce = uuid.uuid4().hex[:8]
    agent = own_stack.service("agent")

    def version(value: str):
        """The stack as a given app version builds it: its own tag, and an image of its own."""
        spec = dataclasses.replace(
            agent, image=f"umt-test-upgrade:{nonce}", build=dataclasses.replace(agent.build, args={**agent.build.args, "UMT_NONCE": value})
        )
        return dataclasses.replace(own_stack.stack, services={**own_stack.stack.services, "agent": spec})

    own_stack.stack = version("old")
    try:
        ensure_up(own_stack, "agent")
        old = engine.containers.get(f"{own_stack.stack.name}-agent")
        upgraded = DockerBackend(version("new"), own_stack.data_dir)
        try:
            ensure_up(upgraded, "agent")
        finally:
            upgraded.close()
        new = engine.containers.get(f"{own_stack.stack.name}-agent")
        assert new.id != old.id and new.attrs["Image"] != old.attrs["Image"]
        with pytest.raises(docker.errors.ImageNotFound):
            engine.images.get(old.attrs["Image"])
    finally:
        _remove_everything_of(own_stack.stack.name)
        with contextlib.suppress(docker.errors.APIError):
            engine.images.remove(f"umt-test-upgrade:{nonce}")
