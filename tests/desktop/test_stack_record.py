"""The app and `umt` agree on what runs: the real StackController supervising real native
processes, and the real `umt down` run as a subprocess, stopping the stack whoever supervises it."""

from __future__ import annotations

import json
import os

import psutil
import pytest

from umt import launch
from umt.desktop.controllers.stack import StackController
from umt.desktop.controllers.stack_state import Phase
from umt.healthcheck import probe
from umt.runtime.model import EventKind, State
from umt.settings import DesktopSettings

from tests.test_cli import umt


@pytest.fixture
def native_controller(qtbot, tasks, stack_ports):
    """The app's controller over the real native stack, opened as the app opens it."""
    settings = DesktopSettings(backend="native", close_to_tray=False)
    controller = StackController(tasks, lambda: settings, sample_interval_s=0.2)
    controller.events_seen = []
    controller.sig_service_event_received.connect(controller.events_seen.append)
    yield controller
    done = []
    controller.shutdown(stop_stack=True, on_done=lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=30000)
    umt("down")


def _answers(stack_ports) -> list[str]:
    return [name for name, port in stack_ports.items() if probe(f"http://127.0.0.1:{port}/health", 0.5)]


def _start(qtbot, controller) -> None:
    controller.start()
    qtbot.waitUntil(lambda: controller.state.phase in (Phase.RUNNING, Phase.ERROR), timeout=60000)
    assert controller.state.phase == Phase.RUNNING, controller.state


def test_umt_down_stops_the_stack_the_app_supervises_and_the_app_shows_it_stopped(qtbot, native_controller, stack_ports):
    controller = native_controller
    _start(qtbot, controller)
    up = umt("up")   # the app's stack, seen from a terminal: running, and who watches it
    assert up.returncode == 0, up.stderr
    assert f"already running (native), supervised by the desktop app (pid {os.getpid()})" in up.stderr, up.stderr
    down = umt("down")
    assert down.returncode == 0, down.stderr
    assert "Stopped (native)" in down.stderr
    qtbot.waitUntil(lambda: controller.state.phase == Phase.STOPPED, timeout=10000)
    assert "umt down" in controller.state.detail, controller.state
    # A deliberate stop, not a crash: no death told, nothing restarted, then or at the next pass.
    assert controller.supervisor.watch_once() == []
    kinds = [e.kind for e in controller.events_seen]
    assert EventKind.DIE not in kinds and EventKind.RESTART not in kinds and EventKind.GAVE_UP not in kinds, kinds
    assert _answers(stack_ports) == []
    assert State.RUNNING not in {s.state for s in controller.supervisor.backend.statuses()}
    record = launch.read_record()
    assert (record.backend, record.intent, record.supervisor) == ("native", "stopped", None)

    # The app starts it again, and is the one recorded as its supervisor.
    _start(qtbot, controller)
    record = launch.read_record()
    assert (record.backend, record.intent) == ("native", "running")
    assert (record.supervisor.role, record.supervisor.pid) == ("app", os.getpid())


def test_umt_down_after_the_app_quit_leaving_the_stack_running_stops_the_native_stack(qtbot, native_controller, stack_ports):
    controller = native_controller
    _start(qtbot, controller)
    done = []
    controller.shutdown(stop_stack=False, on_done=lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=30000)
    handed_to = launch.read_record().live_supervisor()
    assert handed_to is not None and handed_to.role == "background"
    daemon = handed_to.process()

    status = json.loads(umt("status", "--json").stdout)   # every command reads the one record
    assert (status["backend"], status["supervisor"]["role"], status["supervisor"]["pid"]) == ("native", "background", daemon.pid)
    up = umt("up")   # on a running stack: says so, starts nothing
    assert up.returncode == 0, up.stderr
    assert "already running (native)" in up.stderr and "background supervisor" in up.stderr, up.stderr
    assert "Starting the" not in up.stderr

    down = umt("down")
    assert down.returncode == 0, down.stderr
    assert "Stopped (native)" in down.stderr
    assert _answers(stack_ports) == []
    daemon.wait(timeout=10)
    assert not psutil.pid_exists(daemon.pid) or daemon.status() == psutil.STATUS_ZOMBIE
