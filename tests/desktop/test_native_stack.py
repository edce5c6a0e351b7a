"""The real window against the real native backend: real processes, real health probes, real
psutil figures. Start from the button, see healthy rows and memory, stop."""

from __future__ import annotations

from PySide6.QtCore import Qt

from umt.desktop.app import DesktopApp
from umt.settings import DesktopSettings
from umt.desktop.controllers.stack_state import Phase
from umt.healthcheck import probe
from umt.runtime.model import Health, State

from .conftest import RecordingNotifier


def test_control_center_starts_and_stops_the_native_stack(qtbot, qapp, stack_ports):
    app = DesktopApp(
        qapp,
        settings=DesktopSettings(backend="native", close_to_tray=False),
        notifier=RecordingNotifier(),
        ask_quit=lambda: "stop",
        tray_available=False,
        sample_interval_s=0.25,
    )
    try:
        app.start()
        qtbot.waitUntil(lambda: app.controller.backend is not None, timeout=10000)
        assert app.controller.backend.name == "native"
        qtbot.mouseClick(app.window.control_center.stack_control.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: app.controller.state.phase in (Phase.RUNNING, Phase.ERROR), timeout=60000)
        assert app.controller.state.phase == Phase.RUNNING, app.controller.state

        services = app.window.control_center.services_model
        rows = lambda: [services.row(r) for r in range(services.rowCount())]  # noqa: E731
        qtbot.waitUntil(lambda: len(rows()) == 2 and all(r.health == Health.HEALTHY for r in rows()), timeout=15000)
        assert {r.state for r in rows()} == {State.RUNNING} and {r.backend for r in rows()} == {"native"}
        for name, port in stack_ports.items():
            assert probe(f"http://127.0.0.1:{port}/health"), name

        resources = app.window.control_center.resources_model
        memory = lambda: [resources.row(r) for r in range(resources.rowCount())]  # noqa: E731
        qtbot.waitUntil(lambda: len(memory()) == 2 and all(getattr(s, "memory_bytes", 0) > 1024 * 1024 for s in memory()), timeout=15000)
        text = resources.data(resources.index(0, resources.COL_MEMORY))
        assert "MiB of" in text, text

        qtbot.mouseClick(app.window.control_center.stack_control.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: app.controller.state.phase == Phase.STOPPED, timeout=30000)
        for name, port in stack_ports.items():
            assert not probe(f"http://127.0.0.1:{port}/health", timeout=0.5), f"the {name} still answers"
        qtbot.waitUntil(lambda: all(r.state != State.RUNNING for r in rows()), timeout=5000)
    finally:
        with qtbot.waitSignal(app.sig_quit_finished, timeout=30000):
            app.request_quit()
        app.window.deleteLater()
        app.deleteLater()


def test_the_app_takes_over_from_umt_up_and_hands_back_when_it_quits(qtbot, qapp, stack_ports, isolated_data):
    """One supervisor per stack: the app stops the background one `umt up` left, and starts it
    again when the owner quits keeping the stack running."""
    import os
    import subprocess
    import sys

    import psutil

    from umt import launch

    def background_supervisor():
        """The supervising process the stack record names, while it runs and is the background one."""
        supervisor = launch.read_record().live_supervisor()
        return supervisor.process() if supervisor is not None and supervisor.role == "background" else None

    up = subprocess.run([sys.executable, "-m", "umt.cli", "up", "--backend", "native"],
                        capture_output=True, text=True, env=dict(os.environ), timeout=90)
    assert up.returncode == 0, up.stderr
    first = background_supervisor()
    assert first is not None
    app = DesktopApp(qapp, settings=DesktopSettings(backend="native", close_to_tray=False),
                     notifier=RecordingNotifier(), ask_quit=lambda: "leave", tray_available=False)
    try:
        app.start()
        qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=30000)
        qtbot.waitUntil(lambda: background_supervisor() is None, timeout=10000)
        assert not first.is_running() or first.status() == psutil.STATUS_ZOMBIE
        with qtbot.waitSignal(app.sig_quit_finished, timeout=30000):
            app.request_quit()
        second = background_supervisor()
        assert second is not None and second.pid != first.pid
        for name, port in stack_ports.items():
            assert probe(f"http://127.0.0.1:{port}/health"), f"the {name} stopped"
    finally:
        app.window.deleteLater()
        app.deleteLater()
        subprocess.run([sys.executable, "-m", "umt.cli", "down"], capture_output=True, env=dict(os.environ), timeout=90)
