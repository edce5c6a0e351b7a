"""A start that fails rolls back what it started and reports the first cause; the supervisor does
not retry a start that failed for a cause a retry cannot fix (a taken port). Real services: the
native backend's subprocesses, and (marked docker) real containers; the port is taken by a real
listening socket."""

from __future__ import annotations

import os
import socket

import pytest

from umt import launch
from umt.healthcheck import probe
from umt.runtime.errors import PortInUse
from umt.runtime.model import EventKind, State
from umt.runtime.supervisor import Supervisor

from tests.runtime.helpers import wait_for


def _squat(port: int) -> socket.socket:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", port))
    squatter.listen()
    return squatter


def _assert_rolled_back(supervisor: Supervisor, port: int, caught) -> None:
    """The first cause is reported, nothing the start began still runs, and no watcher retries."""
    assert caught.value.port == port and caught.value.service == "gateway"
    assert {s.name: s.state for s in supervisor.backend.statuses()} == {"agent": State.MISSING, "gateway": State.MISSING}
    assert not probe(supervisor.backend.service("agent").health_url, 0.5), "the agent still answers"
    after = supervisor.watch_once()   # nothing is wanted: no death told, no restart, no "gave up"
    assert [e for e in after if e.kind != EventKind.START] == [], after
    assert {s.state for s in supervisor.backend.statuses()} == {State.MISSING}


@pytest.fixture
def native_supervisor(stack_ports):
    supervisor, _ = launch.open_stack("native")
    yield supervisor
    supervisor.stop_watching()
    supervisor.down()


def test_a_native_start_that_meets_a_taken_port_stops_the_agent_it_started(native_supervisor, stack_ports):
    with _squat(stack_ports["gateway"]):
        with pytest.raises(PortInUse) as caught:
            native_supervisor.up(timeout_s=30)
        _assert_rolled_back(native_supervisor, stack_ports["gateway"], caught)
        assert launch.read_record().intent == "stopped"


def test_a_restart_blocked_by_a_taken_port_gives_up_at_once_naming_the_port(native_supervisor, stack_ports):
    supervisor = native_supervisor
    events = []
    supervisor.on_event = events.append
    supervisor.up(timeout_s=30)
    backend = supervisor.backend
    backend.kill_service("gateway")
    wait_for(lambda: backend.status("gateway").state == State.EXITED, what="the gateway to die")
    with _squat(stack_ports["gateway"]):
        supervisor.watch_once()
        gave_up = [e for e in events if e.kind == EventKind.GAVE_UP]
        assert [e.service for e in gave_up] == ["gateway"], events
        assert f"Port {stack_ports['gateway']}" in gave_up[0].detail
        assert not [e for e in events if e.kind == EventKind.RESTART], "a retry cannot free the port"
        row = {s.name: s for s in supervisor.statuses()}["gateway"]
        assert row.state == State.FAILED and f"Port {stack_ports['gateway']}" in row.detail
        assert supervisor.watch_once() == []   # and no further attempt


@pytest.mark.docker
def test_a_docker_start_that_meets_a_taken_port_removes_the_agent_container(tmp_path, monkeypatch, engine):
    from tests.runtime.docker_helpers import remove_everything_of, stack_variables
    from umt.runtime.docker_config import STACK_LABEL

    variables = stack_variables(tmp_path)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    supervisor, _ = launch.open_stack("docker")
    port = supervisor.backend.service("gateway").health_port
    try:
        with _squat(port):
            with pytest.raises(PortInUse) as caught:
                supervisor.up(timeout_s=120)
            _assert_rolled_back(supervisor, port, caught)
        label = f"{STACK_LABEL}={os.environ['UMT_STACK_NAME']}"
        assert engine.containers.list(all=True, filters={"label": label}) == []
    finally:
        supervisor.backend.close()
        remove_everything_of(os.environ["UMT_STACK_NAME"])


def test_a_start_in_one_mode_is_refused_while_the_other_runs_the_stack(native_supervisor, isolated_data):
    """The record names a live supervisor of a Docker stack: a native start would fight it for
    the ports and orphan its containers, so it is refused before anything starts."""
    import psutil

    from umt.runtime.errors import StackRunsElsewhere
    from umt.runtime.record import StackRecord, SupervisorRef

    other = psutil.Process(os.getppid())   # any live process that is not this one stands for it
    elsewhere = StackRecord("docker", "running", "run-1", SupervisorRef(other.pid, other.create_time(), "background"), "umt up")
    native_supervisor.record.write(elsewhere)
    with pytest.raises(StackRunsElsewhere) as caught:
        native_supervisor.up(timeout_s=30)
    assert "already runs in docker mode" in str(caught.value) and f"pid {other.pid}" in str(caught.value)
    assert {s.state for s in native_supervisor.backend.statuses()} == {State.MISSING}
    record = native_supervisor.record.read()
    assert (record.backend, record.intent, record.run, record.supervisor) == ("docker", "running", "run-1", elsewhere.supervisor)
    native_supervisor.record.write(StackRecord())   # so that the fixture's down stops only this test's own
