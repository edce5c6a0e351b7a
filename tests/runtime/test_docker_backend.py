"""The Docker backend with the real image, real containers (host networking) and real HTTP.

One module-wide stack runs for the lifecycle tests; it has its own name, and everything carrying
that name's label is removed afterwards, even on failure.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import threading
import time

import pytest

from umt.healthcheck import probe
from umt.runtime.docker_config import CONFIG_LABEL, SERVICE_LABEL, STACK_LABEL
from umt.runtime.model import EventKind, State

from tests.runtime.docker_helpers import (
    SIGNING_KEY, ensure_up, load_test_stack, remove_everything_of, stack_variables,
)
from tests.runtime.helpers import wait_for


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
        remove_everything_of(stack.name)


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
    # As the owner of its data folder (the host user), so that its files stay the owner's.
    assert container.attrs["Config"]["User"] == f"{os.getuid()}:{os.getgid()}"
    assert engine.containers.get(f"{running.stack.name}-agent").attrs["Config"]["User"] == "10001:10001"
    # The secret is readable by the service's user, read-only, and is the host's key.
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
    assert death[0].detail == "killed (SIGKILL)"   # the words the native backend uses too
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
