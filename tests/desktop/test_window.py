"""The control center window driven like an owner would, over the FakeBackend."""

from __future__ import annotations

from PySide6.QtCore import Qt

from umt.desktop.controllers.stack_state import Phase
from umt.runtime.diagnosis import DockerDiagnosis
from umt.runtime.errors import EngineUnavailable

from .conftest import fake_opener


def _rows(app):
    model = app.window.control_center.services_model
    return {model.row(r).name: model.row(r) for r in range(model.rowCount())}


def _resources(app):
    model = app.window.control_center.resources_model
    return {
        model.data(model.index(r, model.COL_SERVICE)): model.data(model.index(r, model.COL_MEMORY))
        for r in range(model.rowCount())
    }


def test_start_from_the_button_shows_healthy_rows_figures_and_history(qtbot, make_app, fake_backend):
    app = make_app()
    app.start()
    control = app.window.control_center.stack_control
    qtbot.waitUntil(lambda: app.controller.backend is not None)
    assert control.button.text() == "Start"
    qtbot.mouseClick(control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)
    assert control.button.text() == "Stop" and control.title.text() == "Running"
    assert "127.0.0.1" in control.address.text()
    qtbot.waitUntil(lambda: {r.health.value for r in _rows(app).values()} == {"healthy"}, timeout=5000)
    qtbot.waitUntil(lambda: "40.0 MiB of 96.0 MiB" in _resources(app).get("agent", ""), timeout=5000)
    assert app.window.control_center.services_view.restart_buttons()["agent"].isEnabled()
    qtbot.waitUntil(lambda: app.window.control_center.charts.charts["gateway"].memory.count() >= 2, timeout=5000)

    fake_backend.memory_bytes["agent"] = 92 * 1024 * 1024  # near the limit: the bar turns red
    from umt.desktop.models.stack import LevelRole

    model = app.window.control_center.resources_model
    qtbot.waitUntil(lambda: model.data(model.index(0, model.COL_MEMORY), LevelRole) == "danger", timeout=5000)

    qtbot.mouseClick(control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.STOPPED, timeout=10000)
    assert fake_backend.running() == []
    assert control.button.text() == "Start"


def test_progress_bar_and_step_while_starting(qtbot, make_app, fake_backend):
    import threading

    app = make_app()
    app.start()
    fake_backend.prepare_gate = threading.Event()
    app.controller.start()
    control = app.window.control_center.stack_control
    assert fake_backend.prepare_entered.wait(10)
    assert control.progress.isVisibleTo(app.window) and not control.button.isEnabled()
    assert control.title.text() == "Starting…"
    fake_backend.prepare_gate.set()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)
    assert not control.progress.isVisibleTo(app.window)


def test_notifications_for_unhealthy_oom_and_restarts(qtbot, make_app, fake_backend):
    app = make_app()
    app.start()
    app.controller.start()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)
    fake_backend.crash("agent", oom=True)
    qtbot.waitUntil(lambda: "The agent ran out of memory" in app.notifier.titles(), timeout=10000)
    qtbot.waitUntil(lambda: "The agent was restarted" in app.notifier.titles(), timeout=10000)
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)
    fake_backend.set_healthy("gateway", False)
    qtbot.waitUntil(lambda: "The gateway is not responding" in app.notifier.titles(), timeout=15000)
    qtbot.waitUntil(lambda: app.window.control_center.stack_control.title.text() in ("Degraded", "Running"), timeout=5000)


def test_docker_missing_banner_offers_native_mode(qtbot, make_app, fake_backend, desktop_settings):
    diagnosis = DockerDiagnosis(False, "daemon_not_running", "Docker is installed but not running.", "Start Docker Desktop.")
    app = make_app(
        settings=desktop_settings.with_changes(backend="auto"),
        opener=fake_opener(fake_backend, "Docker is installed but not running. umt runs the services as local processes instead.", diagnosis),
    )
    app.start()
    banner = app.window.control_center.banner
    qtbot.waitUntil(lambda: banner.isVisibleTo(app.window))
    assert banner.summary.text() == "Docker is installed but not running."
    assert "local processes" in banner.advice.text()
    qtbot.mouseClick(banner.action, Qt.MouseButton.LeftButton)
    assert not banner.isVisibleTo(app.window)
    assert app.settings.backend == "native"
    from umt.settings import load_settings

    assert load_settings().backend == "native", "the choice is saved"


def test_forced_docker_without_engine_is_an_error_with_a_way_out(qtbot, make_app, fake_backend, desktop_settings):
    diagnosis = DockerDiagnosis(False, "permission_denied", "You are not allowed to use Docker.", "Add yourself to the docker group.")
    native = fake_opener(fake_backend, "Native mode")

    def opener(settings, on_event):
        if settings.backend == "docker":
            raise EngineUnavailable(diagnosis)
        return native(settings, on_event)

    app = make_app(settings=desktop_settings.with_changes(backend="docker"), opener=opener)
    app.start()
    app.controller.start()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.ERROR, timeout=10000)
    control = app.window.control_center.stack_control
    assert control.title.text() == "Docker cannot be used"
    assert "not allowed" in control.detail.text() and "native mode" in control.advice.text()
    assert app.window.control_center.banner.isVisibleTo(app.window) and app.window.control_center.banner.property("severity") == "error"
    qtbot.mouseClick(app.window.control_center.banner.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)
    assert sorted(fake_backend.running()) == ["agent", "gateway"]


def test_restart_button_restarts_that_service(qtbot, make_app, fake_backend):
    app = make_app()
    app.start()
    app.controller.start()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)
    qtbot.waitUntil(lambda: "gateway" in app.window.control_center.services_view.restart_buttons())
    qtbot.mouseClick(app.window.control_center.services_view.restart_buttons()["gateway"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "The gateway was restarted" in app.notifier.titles(), timeout=10000)
    assert fake_backend.calls[-2:] == ["stop gateway", "start gateway"]
