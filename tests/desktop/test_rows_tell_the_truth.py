"""The services' rows and the stack's words follow what happens at once (issue 8, item 10): a
restart asked for is busy at once, a reported death is not shown as running and healthy until
the next read, and a stack taken over is described from its rows, never over empty tables."""

from __future__ import annotations

from PySide6.QtCore import Qt

from umt.desktop.controllers.stack import StackController
from umt.desktop.controllers.stack_state import Phase
from umt.desktop.theme import Theme, palettes
from umt.desktop.views.control_center import ControlCenterPage
from umt.runtime.model import EventKind, Health, State

from .conftest import FakeHost, fake_opener


def rows(page: ControlCenterPage) -> dict:
    model = page.services_model
    return {model.row(r).name: model.row(r) for r in range(model.rowCount())}


def slow_page(qtbot, tasks, fake_backend, desktop_settings):
    """A controller that reads statuses only every 30 s: whatever the rows show sooner came from
    an event or an operation, not from a sample."""
    controller = StackController(tasks, lambda: desktop_settings, FakeHost(fake_opener(fake_backend)), sample_interval_s=30)
    page = ControlCenterPage(controller, Theme("light", palettes()["light"]))
    qtbot.addWidget(page)
    return controller, page


def shut(qtbot, controller):
    done = []
    controller.shutdown(stop_stack=True, on_done=lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=10000)


def test_a_restart_asked_for_is_busy_at_once_and_until_done(qtbot, make_app, fake_backend):
    app = make_app()
    app.start()
    qtbot.waitUntil(lambda: app.controller.is_open)
    app.controller.start()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)
    page = app.window.control_center
    qtbot.waitUntil(lambda: len(rows(page)) == 2)
    button = page.services_view.restart_buttons()["agent"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    # No event processed yet: the click alone makes the row and its button busy.
    assert rows(page)["agent"].state == State.RESTARTING
    button = page.services_view.restart_buttons()["agent"]
    assert button.text() == "Restarting…" and not button.isEnabled()
    assert app.controller.state.title == "Restarting" and "agent" in app.controller.state.detail
    qtbot.waitUntil(lambda: rows(page)["agent"].state == State.RUNNING and rows(page)["agent"].health == Health.HEALTHY, timeout=15000)
    button = page.services_view.restart_buttons()["agent"]
    assert button.text() == "Restart" and button.isEnabled()
    assert fake_backend.calls.count("start agent") == 2
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING)


def test_a_reported_death_shows_in_the_row_at_once(qtbot, tasks, fake_backend, desktop_settings):
    controller, page = slow_page(qtbot, tasks, fake_backend, desktop_settings)
    try:
        controller.start()
        qtbot.waitUntil(lambda: controller.state.phase == Phase.RUNNING, timeout=10000)
        assert rows(page)["agent"].health == Health.HEALTHY, "the start says what it started"
        with qtbot.waitSignal(controller.sig_service_event_received, timeout=10000,
                              check_params_cb=lambda event: event.kind == EventKind.DIE):
            fake_backend.crash("agent")
        # The statuses are not read for 30 s: the event alone changed the row and the words.
        row = rows(page)["agent"]
        assert row.state == State.EXITED and row.health != Health.HEALTHY
        assert "exited with code 1" in row.detail
        assert controller.state.phase == Phase.DEGRADED and "agent" in controller.state.detail
    finally:
        shut(qtbot, controller)


def test_taking_over_a_running_stack_speaks_from_its_rows(qtbot, tasks, fake_backend, desktop_settings):
    for name in ("agent", "gateway"):   # as an earlier `umt up` left them
        fake_backend.start_service(name)
    fake_backend.set_healthy("agent", False)
    controller, page = slow_page(qtbot, tasks, fake_backend, desktop_settings)
    said = []
    controller.sig_state_changed.connect(lambda state: said.append((state.phase, state.detail, dict(rows(page)))))
    try:
        controller.open()
        qtbot.waitUntil(lambda: controller.state.phase in (Phase.RUNNING, Phase.DEGRADED), timeout=10000)
        for phase, detail, shown in said:
            if "healthy" in detail.lower():
                assert len(shown) == 2, f"{detail!r} said over {len(shown)} rows"
        phase, detail, shown = said[0]
        assert len(shown) == 2 and shown["agent"].health == Health.UNHEALTHY
        assert phase == Phase.DEGRADED and "agent" in detail and "Every service is healthy" not in detail
        fake_backend.set_healthy("agent", True)
    finally:
        shut(qtbot, controller)
