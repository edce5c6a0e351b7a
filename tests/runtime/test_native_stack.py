"""The native backend and the supervisor, with the real gateway and agent as real subprocesses."""

from __future__ import annotations

import json
import socket
import textwrap
import urllib.request

import psutil
import pytest

from umt import launch
from umt.runtime.errors import PortInUse, ServiceFailed
from umt.runtime.model import EventKind, Health, ServiceEvent, State
from umt.runtime.native_backend import NativeBackend
from umt.runtime.stackfile import load_stack
from umt.runtime.supervisor import Supervisor

from tests.runtime.helpers import wait_for


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def native_stack(stack_ports):
    events = []
    supervisor, chosen = launch.open_stack("native", on_event=events.append)
    supervisor.events_seen = events
    yield supervisor
    supervisor.stop_watching()
    supervisor.down()


def test_up_probe_stats_and_down(native_stack, stack_ports):
    supervisor = native_stack
    steps = []
    supervisor.up(steps.append, timeout_s=30)
    fractions = [s.fraction for s in steps if s.fraction is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0   # one scale: the bar never runs backwards
    assert [s.step for s in steps][-1] == "The gateway is healthy"
    status, body = get_json(f"{supervisor.gateway_url}/ready")
    assert status == 200 and body["checks"] == {"database": "ok", "agent": "ok"}
    assert get_json(f"{supervisor.gateway_url}/version")[1]["name"] == "umt-gateway"
    rows = {s.name: s for s in supervisor.statuses()}
    assert {n: (s.state, s.health, s.backend) for n, s in rows.items()} == {
        "agent": (State.RUNNING, Health.HEALTHY, "native"),
        "gateway": (State.RUNNING, Health.HEALTHY, "native"),
    }
    backend = supervisor.backend
    backend.stats()
    samples = {s.name: s for s in wait_for(lambda: backend.stats(), what="stats")}
    assert samples["gateway"].memory_bytes > 10 * 2**20
    assert samples["gateway"].memory_limit_bytes == 192 * 2**20 and samples["gateway"].cpu_limit == 1.0
    assert samples["agent"].memory_limit_bytes == 96 * 2**20
    assert 0 < samples["agent"].memory_fraction < 1
    assert any("Uvicorn running" in line or "Application startup complete" in line for line in backend.logs("gateway"))
    supervisor.down()
    assert all(s.state == State.MISSING for s in supervisor.statuses())
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", stack_ports["gateway"]), timeout=1)


def test_a_killed_service_comes_back_with_its_data(native_stack):
    supervisor = native_stack
    supervisor.up(timeout_s=30)
    backend = supervisor.backend
    assert get_json(f"{supervisor.gateway_url}/ready")[0] == 200
    database = backend.service("gateway").data_folder / "umt.db"   # the folder Docker mode binds too
    assert database.exists()
    before = backend.status("gateway").started_at
    backend.kill_service("gateway")
    wait_for(lambda: backend.status("gateway").state == State.EXITED, what="the gateway to die")

    def restarted_and_healthy():
        supervisor.watch_once()
        row = {s.name: s for s in supervisor.statuses()}["gateway"]
        return row.state == State.RUNNING and row.health == Health.HEALTHY and row.started_at != before and row

    row = wait_for(restarted_and_healthy, what="the supervisor to restart the gateway")
    assert row.restarts == 1
    kinds = [(e.service, e.kind) for e in supervisor.events_seen]
    assert ("gateway", EventKind.DIE) in kinds and ("gateway", EventKind.RESTART) in kinds
    assert database.exists()
    assert get_json(f"{supervisor.gateway_url}/ready")[0] == 200


def test_a_new_backend_adopts_running_services_instead_of_starting_twins(native_stack):
    supervisor = native_stack
    supervisor.up(timeout_s=30)
    pids = {n: supervisor.backend._processes[n].pid for n in ("agent", "gateway")}
    again = NativeBackend(supervisor.backend.stack, supervisor.backend.data_dir)
    adopted = Supervisor(again)
    adopted.adopt()
    assert {s.name: s.health for s in adopted.statuses()} == {"agent": Health.HEALTHY, "gateway": Health.HEALTHY}
    again.start_service("gateway")   # already running: nothing new is started
    assert {n: again._processes[n].pid for n in pids} == pids
    gateway_processes = [p for p in psutil.process_iter(["cmdline"]) if "umt.gateway" in " ".join(p.info["cmdline"] or [])]
    assert len([p for p in gateway_processes if p.pid == pids["gateway"]]) == 1


def test_a_taken_port_is_named_with_its_holder(native_stack, stack_ports):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", stack_ports["gateway"]))
        squatter.listen()
        with pytest.raises(PortInUse) as caught:
            native_stack.up(timeout_s=30)
    message = str(caught.value)
    assert f"Port {stack_ports['gateway']}" in message and "gateway" in message
    assert f"pid {psutil.Process().pid}" in message
    assert "UMT_GATEWAY_PORT" in message


def test_a_service_over_its_memory_limit_is_stopped_and_reported(stack_ports, monkeypatch):
    monkeypatch.setenv("UMT_AGENT_MEMORY", "8M")   # the agent alone needs more than this
    supervisor, _ = launch.open_stack("native")
    backend = supervisor.backend
    try:
        backend.prepare()
        backend.start_service("agent")
        status = wait_for(lambda: (s := backend.status("agent")).state == State.EXITED and s, what="the watchdog")
        assert "limit exceeded: memory" in status.detail and "limit of 8 MiB" in status.detail
        events = backend.events()
        assert any(e.kind == EventKind.LIMIT_EXCEEDED and e.service == "agent" for e in events)
    finally:
        supervisor.down()


def test_a_service_that_fails_to_start_gets_its_log_in_the_error(stack_ports, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://nowhere")
    supervisor, _ = launch.open_stack("native")
    try:
        with pytest.raises(ServiceFailed) as caught:
            supervisor.up(timeout_s=30)
        assert caught.value.service == "gateway"
        assert "exited with code" in caught.value.reason
        assert "nosuchdb" in caught.value.log_tail
    finally:
        supervisor.down()


def web_server_stack(tmp_path, name: str, before_serving: str, service_extra: str = ""):
    """A one-service stack: a plain HTTP server on a free port, after `before_serving` runs."""
    from tests.conftest import free_port

    port = free_port()
    (tmp_path / "server.py").write_text(
        "import http.server, os, sys\n" + textwrap.dedent(before_serving)
        + f"http.server.ThreadingHTTPServer(('127.0.0.1', {port}), http.server.SimpleHTTPRequestHandler).serve_forever()\n"
    )
    stack_file = tmp_path / "compose.yaml"
    stack_file.write_text(textwrap.dedent(f"""\
        name: {name}
        services:
          web:
            image: none
            command: ["python", {str(tmp_path / 'server.py')!r}]
            x-umt:
              health: {{port: {port}, path: /}}
    """) + (f"    {service_extra}\n" if service_extra else ""))
    return stack_file


def test_the_supervisor_gives_up_on_a_crash_loop(tmp_path, isolated_data):
    marker = tmp_path / "allowed-to-start"
    marker.touch()
    stack_file = web_server_stack(tmp_path, "crashy", f"""\
        if not os.path.exists({str(marker)!r}):
            sys.exit(7)
    """)
    backend = NativeBackend(load_stack(stack_file, env={}), isolated_data)
    events = []
    supervisor = Supervisor(backend, on_event=events.append, max_restarts=2, backoff_initial_s=0.05)
    try:
        supervisor.up(timeout_s=20)
        marker.unlink()          # from now on every start fails at once
        backend.kill_service("web")

        def gave_up():
            supervisor.watch_once()
            return any(e.kind == EventKind.GAVE_UP for e in events)

        wait_for(gave_up, what="the supervisor to give up")
        row = supervisor.statuses()[0]
        assert row.state == State.FAILED and "gave up after 2 restarts" in row.detail
        assert "exited with code 7" in row.detail
        assert [e.kind for e in events].count(EventKind.RESTART) == 2
    finally:
        supervisor.down()


def test_a_hung_service_is_restarted_after_its_start_period(tmp_path, isolated_data):
    import signal

    stack_file = web_server_stack(
        tmp_path, "hangs", "", "stop_grace_period: 1s\n    healthcheck: {test: [CMD, \"true\"], start_period: 1s}"
    )
    backend = NativeBackend(load_stack(stack_file, env={}), isolated_data)
    events = []
    supervisor = Supervisor(backend, on_event=events.append)
    try:
        supervisor.up(timeout_s=20)
        hung = backend._processes["web"]
        hung.send_signal(signal.SIGSTOP)      # alive, but answers nothing

        def restarted():
            supervisor.watch_once()
            return any(e.kind == EventKind.RESTART for e in events)

        wait_for(restarted, timeout_s=30, what="the supervisor to restart the hung service")
        assert ("web", EventKind.HEALTH, "unhealthy") in [(e.service, e.kind, e.detail) for e in events]
        assert "no answer to health checks" in [e for e in events if e.kind == EventKind.RESTART][0].detail
        assert not hung.is_running() or hung.status() == "zombie"

        def healthy_again():
            supervisor.watch_once()
            return supervisor.statuses()[0].health == Health.HEALTHY

        wait_for(healthy_again, timeout_s=20, what="the restarted service to be healthy")
    finally:
        supervisor.down()


def test_each_service_sees_only_its_own_secrets_and_a_missing_one_is_named(native_stack):
    supervisor = native_stack
    supervisor.up(timeout_s=30)
    backend = supervisor.backend
    assert sorted(p.name for p in backend.secrets_dir("gateway").iterdir()) == ["channel_key", "gateway_signing_key"]
    assert sorted(p.name for p in backend.secrets_dir("agent").iterdir()) == ["llm_api_key"]
    assert (backend.secrets_dir("gateway") / "gateway_signing_key").stat().st_mode & 0o777 == 0o400
    supervisor.down()
    key_file = backend.stack.secrets["gateway_signing_key"]
    key_file.unlink()
    with pytest.raises(ServiceFailed) as caught:
        supervisor.up(timeout_s=30)
    assert caught.value.service == "gateway"
    assert str(key_file) in str(caught.value) and "UMT_SECRETS_DIR" in str(caught.value)


def test_an_oom_kill_is_reported_once_and_the_next_death_by_its_own_cause(tmp_path, isolated_data):
    backend = NativeBackend(load_stack(web_server_stack(tmp_path, "oom", ""), env={}), isolated_data)
    events = []
    supervisor = Supervisor(backend, on_event=events.append, backoff_initial_s=0.05)
    try:
        supervisor.up(timeout_s=20)
        for cause in ("oom", "plain"):
            events.clear()
            if cause == "oom":
                backend.emit(ServiceEvent("web", EventKind.OOM, "the kernel killed it"))   # as Docker reports one
            backend.kill_service("web")

            def restarted_healthy():
                supervisor.watch_once()
                return any(e.kind == EventKind.RESTART for e in events) and supervisor.statuses()[0].health == Health.HEALTHY

            wait_for(restarted_healthy, what=f"a restart after the {cause} death")
            [death] = [e for e in events if e.kind == EventKind.DIE]
            assert ("out of memory" in death.detail) == (cause == "oom"), death.detail
    finally:
        supervisor.down()


def test_an_earlier_versions_native_data_is_moved_into_the_shared_folder(native_stack):
    """Earlier versions kept native mode's data in native/<stack>/gateway: it is renamed into the
    folder both backends use, with a message, instead of an empty workspace."""
    from umt.client import GatewayClient

    supervisor = native_stack
    supervisor.up(timeout_s=30)
    with GatewayClient(supervisor.gateway_url) as client:
        client.setup_owner("owner@example.com", "Owner", "correct horse battery staple")
    supervisor.down()
    backend = supervisor.backend
    folder, earlier = backend.service("gateway").data_folder, backend.service_dir("gateway")
    for path in folder.iterdir():    # as the earlier version left it
        path.rename(earlier / path.name)
    folder.rmdir()

    steps = []
    supervisor.up(steps.append, timeout_s=30)
    assert f"Moved your data from {earlier} to {folder}, where both Docker and native mode keep it." in [s.step for s in steps]
    with GatewayClient(supervisor.gateway_url) as client:
        assert not client.setup_required()
        assert not client.login("owner@example.com", "correct horse battery staple").mfa_required
    assert (folder / "umt.db").is_file() and not (earlier / "umt.db").exists()
