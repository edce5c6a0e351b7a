"""The stack controller over the real Supervisor and a FakeBackend: states, progress, degraded
services, notifications-worthy events, stop, restart."""

from __future__ import annotations

from umt.desktop.controllers.stack_state import Phase
from umt.runtime.model import EventKind, Health, State


def _phase(controller):
    return controller.state.phase


def test_start_reports_build_steps_then_runs_with_healthy_services(qtbot, controller, fake_backend):
    seen = []
    controller.sig_state_changed.connect(seen.append)
    controller.start()
    qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=10000)
    steps = [state.detail for state in seen if state.phase == Phase.STARTING]
    assert "Step 2/3 : COPY app /app" in steps, steps
    assert "Starting the gateway" in steps
    fractions = [state.fraction for state in seen if state.phase == Phase.STARTING and state.fraction is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert controller.gateway_url.startswith("http://127.0.0.1:")

    snapshots = []
    controller.sig_snapshot_taken.connect(snapshots.append)
    qtbot.waitUntil(lambda: bool(snapshots) and len(snapshots[-1].stats) == 2, timeout=5000)
    statuses = {s.name: s for s in snapshots[-1].statuses}
    assert {s.state for s in statuses.values()} == {State.RUNNING}
    assert {s.health for s in statuses.values()} == {Health.HEALTHY}
    assert snapshots[-1].host.memory_total_bytes > 0


def test_stop_brings_every_service_down_in_reverse_order(qtbot, controller, fake_backend):
    controller.start()
    qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=10000)
    controller.toggle()
    assert _phase(controller) == Phase.STOPPING
    qtbot.waitUntil(lambda: _phase(controller) == Phase.STOPPED, timeout=10000)
    assert fake_backend.running() == []
    assert fake_backend.calls[-2:] == ["stop gateway", "stop agent"]


def test_an_unhealthy_service_degrades_the_stack_naming_it(qtbot, controller, fake_backend):
    controller.start()
    qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=10000)
    events = []
    controller.sig_service_event_received.connect(events.append)
    fake_backend.set_healthy("agent", False)
    qtbot.waitUntil(lambda: _phase(controller) == Phase.DEGRADED, timeout=15000)
    assert controller.state.service == "agent"
    assert "agent" in controller.state.detail
    qtbot.waitUntil(lambda: any(e.kind == EventKind.HEALTH and e.detail == "unhealthy" for e in events), timeout=15000)


def test_a_crashed_service_is_restarted_and_the_stack_recovers(qtbot, controller, fake_backend):
    controller.start()
    qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=10000)
    events = []
    controller.sig_service_event_received.connect(events.append)
    fake_backend.crash("gateway", oom=True)
    qtbot.waitUntil(lambda: any(e.kind == EventKind.RESTART for e in events), timeout=15000)
    assert any(e.kind == EventKind.OOM and e.service == "gateway" for e in events)
    qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=15000)
    restarted = {s.name: s for s in controller.last_snapshot.statuses}["gateway"]
    assert restarted.restarts == 1


def test_a_failed_start_says_why_and_what_to_do(qtbot, controller, fake_backend):
    fake_backend.refuse_to_start.add("agent")
    controller.start()
    qtbot.waitUntil(lambda: _phase(controller) == Phase.ERROR, timeout=10000)
    assert controller.state.title == "The agent did not start"
    assert "exited with code 1" in controller.state.detail
    assert "logs" in controller.state.advice and controller.state.service == "agent"
    fake_backend.refuse_to_start.clear()
    controller.start()  # Start again, as the advice says
    qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=10000)


def test_an_unexpected_failure_is_still_explained(qtbot, controller, fake_backend, stack_ports):
    import socket

    holder = socket.socket()
    holder.bind(("127.0.0.1", stack_ports["agent"]))  # the fake's own server cannot bind: an OSError
    holder.listen()
    try:
        controller.start()
        qtbot.waitUntil(lambda: _phase(controller) == Phase.ERROR, timeout=10000)
    finally:
        holder.close()
    assert controller.state.title == "Something went wrong"
    assert "OSError" in controller.state.detail and controller.state.advice


def test_restart_one_service_from_the_window_action(qtbot, controller, fake_backend):
    controller.start()
    qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=10000)
    events = []
    controller.sig_service_event_received.connect(events.append)
    controller.restart_service("agent")
    qtbot.waitUntil(lambda: any(e.kind == EventKind.RESTART and e.service == "agent" for e in events), timeout=10000)
    assert fake_backend.calls[-2:] == ["stop agent", "start agent"]
    assert "agent" in fake_backend.running()


def test_open_adopts_a_stack_that_already_runs(qtbot, controller, fake_backend):
    for name in ("agent", "gateway"):
        fake_backend.start_service(name)
    controller.open()
    qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=10000)
    assert fake_backend.calls.count("prepare") == 0, "an adopted stack is not started again"


def test_start_on_open_when_the_settings_say_so(qtbot, tasks, fake_backend, desktop_settings):
    from umt.desktop.controllers.stack import StackController

    from .conftest import FakeHost, fake_opener

    settings = desktop_settings.with_changes(start_stack_on_open=True)
    controller = StackController(tasks, lambda: settings, FakeHost(fake_opener(fake_backend)), 0.1)
    controller.open()
    qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=10000)
    done = []
    controller.shutdown(True, lambda: done.append(1))
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert fake_backend.running() == [] and fake_backend.closed


def test_new_settings_after_a_failed_start_stop_what_the_old_backend_left_running(qtbot, tasks, isolated_data, desktop_settings):
    from umt.desktop.controllers.stack import StackController
    from umt.launch import load_default_stack

    from .conftest import FakeHost, fake_opener
    from .fake_backend import FakeBackend

    old, new = (FakeBackend(load_default_stack(desktop_settings), isolated_data) for _ in range(2))
    old.refuse_to_start.add("gateway")  # the start fails after the agent came up
    current = {"settings": desktop_settings}
    openers = {"native": fake_opener(old), "docker": fake_opener(new)}
    controller = StackController(tasks, lambda: current["settings"], FakeHost(lambda s, on_event: openers[s.backend](s, on_event)), 0.1)
    controller.start()
    qtbot.waitUntil(lambda: controller.state.phase == Phase.ERROR, timeout=15000)
    assert controller.state.title == "The gateway did not start"
    assert old.running() == []   # the failed start stopped the agent it had started (issue 8, item 3)
    current["settings"] = desktop_settings.with_changes(backend="docker")
    controller.start()
    qtbot.waitUntil(lambda: controller.state.phase == Phase.RUNNING, timeout=15000)
    assert old.running() == [] and old.closed
    assert sorted(new.running()) == ["agent", "gateway"]
    done = []
    controller.shutdown(True, lambda: done.append(1))
    qtbot.waitUntil(lambda: bool(done), timeout=10000)


def test_a_healthy_start_never_flashes_degraded(qtbot, controller, fake_backend):
    """Rows read mid-start (services not up yet) must not be judged after the start finished."""
    phases = []
    controller.sig_state_changed.connect(lambda state: phases.append(state.phase))
    snapshots = []
    controller.sig_snapshot_taken.connect(snapshots.append)
    for _ in range(6):  # the race is a matter of timing: several starts make it show
        controller.start()
        qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=10000)
        count = len(snapshots)
        qtbot.waitUntil(lambda: len(snapshots) >= count + 3, timeout=5000)
        assert {s.state for s in snapshots[-1].statuses} == {State.RUNNING}
        controller.stop()
        qtbot.waitUntil(lambda: _phase(controller) == Phase.STOPPED, timeout=10000)
    assert Phase.DEGRADED not in phases, phases


def test_everything_the_controller_publishes_arrives_on_the_gui_thread(qtbot, controller, fake_backend):
    import threading

    from PySide6.QtCore import Qt

    seen = []
    signals = (
        controller.sig_state_changed, controller.sig_backend_opened, controller.sig_docker_diagnosed,
        controller.sig_snapshot_taken, controller.sig_service_event_received, controller.sig_operation_failed,
    )
    for signal in signals:  # a direct connection runs in the emitting thread: it tells where the emit was
        signal.connect(lambda *args, name=str(signal): seen.append((name, threading.current_thread())), Qt.ConnectionType.DirectConnection)
    controller.open()
    qtbot.waitUntil(lambda: controller.backend is not None)
    controller.start()
    qtbot.waitUntil(lambda: _phase(controller) == Phase.RUNNING, timeout=10000)
    controller.restart_service("agent")
    fake_backend.crash("gateway")
    qtbot.waitUntil(lambda: len({name for name, _ in seen}) >= 5, timeout=15000)
    controller.stop()
    qtbot.waitUntil(lambda: _phase(controller) == Phase.STOPPED, timeout=10000)
    assert len(seen) > 10
    assert {thread for _, thread in seen} == {threading.main_thread()}


def test_a_state_set_off_the_gui_thread_is_refused(qtbot, controller, tasks):
    from umt.desktop.controllers import stack_state

    errors = []
    tasks.run(lambda: controller._set_state(stack_state.running()), on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], AssertionError) and controller.state == stack_state.STOPPED
