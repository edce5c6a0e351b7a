"""Closing, quitting and the tray: close-to-tray, the stop-or-leave question, graceful degradation
where the desktop has no tray."""

from __future__ import annotations

from PySide6.QtWidgets import QSystemTrayIcon

from umt.desktop.controllers.stack_state import Phase
from umt.desktop.views.tray import StatusBarNotifier, TrayIcon


def _run(qtbot, app):
    app.start()
    app.controller.start()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)


def test_no_tray_offscreen_is_handled(qtbot):
    assert QSystemTrayIcon.isSystemTrayAvailable() is False  # offscreen: the case to degrade in
    tray = TrayIcon()
    assert not tray.available and tray.tray is None
    tray.show_message(__import__("umt.desktop.notify", fromlist=["Notification"]).Notification("t", "m"))  # no-op


def test_without_tray_notifications_go_to_the_status_line(qtbot, qapp, fake_backend, desktop_settings):
    from umt.desktop.app import DesktopApp
    from umt.desktop.notify import Notification
    from .conftest import FakeHost, fake_opener

    app = DesktopApp(qapp, desktop_settings, FakeHost(fake_opener(fake_backend)))
    try:
        assert not app.tray.available
        assert isinstance(app.notifier, StatusBarNotifier)
        app.notifier.notify(Notification("The agent stopped", "It stopped unexpectedly."))
        assert "The agent stopped" in app.window.statusBar().currentMessage()
    finally:
        app.window.deleteLater()
        app.deleteLater()


def test_closing_without_tray_asks_and_cancel_keeps_everything(qtbot, make_app, fake_backend):
    app = make_app(answers=["cancel", "stop"])
    _run(qtbot, app)
    app.window.close()
    assert app.asked == [True]
    assert not app.quitting and app.window.isVisible()
    assert sorted(fake_backend.running()) == ["agent", "gateway"]


def test_quit_and_stop_stops_the_stack_then_finishes(qtbot, make_app, fake_backend):
    app = make_app(answers=["stop"])
    _run(qtbot, app)
    with qtbot.waitSignal(app.sig_quit_finished, timeout=15000):
        app.request_quit()
    assert fake_backend.running() == []
    assert not app.window.isVisible()
    # Where the stack runs is not the host's to tell: the supervisor writes the stack record
    # (tests/runtime/test_stack_record.py, tests/desktop/test_stack_record.py).
    assert app.host.calls == ["take over"], "the background supervisor stops before the app supervises"


def test_quit_and_leave_running_keeps_the_services(qtbot, make_app, fake_backend):
    app = make_app(answers=["leave"])
    _run(qtbot, app)
    with qtbot.waitSignal(app.sig_quit_finished, timeout=15000):
        app.window.close()
    assert sorted(fake_backend.running()) == ["agent", "gateway"]
    assert fake_backend.closed
    assert app.host.calls[-1] == "hand over (fake)", "a background supervisor keeps the stack up"


def test_quit_when_stopped_does_not_ask(qtbot, make_app):
    app = make_app(answers=[])
    app.start()
    qtbot.waitUntil(lambda: app.controller.backend is not None)
    with qtbot.waitSignal(app.sig_quit_finished, timeout=10000):
        app.request_quit()
    assert app.asked == []


def test_close_to_tray_hides_the_window_and_keeps_the_stack(qtbot, make_app, fake_backend, desktop_settings):
    app = make_app(settings=desktop_settings.with_changes(close_to_tray=True), tray_available=True)
    _run(qtbot, app)
    app.window.close()
    assert not app.window.isVisible() and not app.quitting
    assert sorted(fake_backend.running()) == ["agent", "gateway"]
    assert app.controller._sampler.interval_s == 5.0, "figures nobody sees are sampled less often"
    app.tray.sig_open_requested.emit()
    assert app.window.isVisible()
    assert app.controller._sampler.interval_s == 0.1


def test_tray_menu_follows_the_stack_and_drives_it(qtbot, make_app, fake_backend):
    app = make_app(tray_available=True)
    app.start()
    qtbot.waitUntil(lambda: app.controller.backend is not None)
    assert app.tray.toggle_action.text() == "Start the stack"
    app.tray.toggle_action.trigger()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)
    assert app.tray.toggle_action.text() == "Stop the stack"
    app.tray.toggle_action.trigger()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.STOPPED, timeout=10000)
    with qtbot.waitSignal(app.sig_quit_finished, timeout=10000):
        app.tray.quit_action.trigger()
