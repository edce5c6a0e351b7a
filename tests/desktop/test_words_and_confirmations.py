"""Words and small things seen on screen (issue 8, item 11): the status line does not repeat the
banner, Settings says "next start" only for what applies then, inline errors in Settings show
whole, and Ctrl+R asks before it stops a running stack, then restarts it."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from umt.desktop.controllers.stack_state import Phase
from umt.desktop.views.settings_dialog import SettingsDialog
from umt.runtime.diagnosis import DockerDiagnosis
from umt.settings import DesktopSettings

from .conftest import fake_opener


def running_app(qtbot, make_app):
    app = make_app()
    app.start()
    qtbot.waitUntil(lambda: app.controller.is_open)
    app.controller.start()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)
    return app


def test_the_status_line_names_the_mode_and_leaves_the_reason_to_the_banner(qtbot, make_app, fake_backend, desktop_settings):
    diagnosis = DockerDiagnosis(False, "daemon_not_running", "Docker is installed but not running.", "Start Docker Desktop.")
    fake_backend.name = "native"   # 'auto' fell back to local processes
    app = make_app(
        settings=desktop_settings.with_changes(backend="auto"),
        opener=fake_opener(fake_backend, "Docker is installed but not running. umt runs the services as local processes instead.", diagnosis),
    )
    app.start()
    banner = app.window.control_center.banner
    qtbot.waitUntil(lambda: banner.isVisibleTo(app.window))
    note = app.window.backend_note.text()
    assert note == "Native mode: the services run as local processes."
    assert diagnosis.summary in banner.summary.text()


def test_changing_only_the_theme_does_not_speak_of_the_next_start(qtbot, make_app):
    app = running_app(qtbot, make_app)
    status = app.window.statusBar()
    status.clearMessage()
    app.apply_settings(app.settings.with_changes(theme="dark"))
    assert "next start" not in status.currentMessage()
    app.apply_settings(app.settings.with_changes(stack_variables={"UMT_AGENT_MEMORY": "128M"}))
    assert "next start" in status.currentMessage()


def test_a_long_inline_error_in_settings_shows_every_line(qtbot, stack_ports, settings_controller, monkeypatch):
    monkeypatch.delenv("UMT_GATEWAY_PORT")
    dialog = SettingsDialog(DesktopSettings(), False, settings_controller)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.fields["UMT_GATEWAY_PORT"].setText("70000")
    dialog.fields["UMT_AGENT_MEMORY"].setText("an amount of memory written out in words " * 3)
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    error = dialog.error
    assert error.height() >= error.heightForWidth(error.width()), "the wrapped message is cut off"
    assert dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width()) or dialog.height() >= dialog.minimumSizeHint().height()


def test_ctrl_r_asks_before_stopping_and_then_restarts(qtbot, make_app, fake_backend):
    app = running_app(qtbot, make_app)
    window = app.window
    action = window.start_action
    assert action.shortcut() == QKeySequence("Ctrl+R") and action.text() == "&Restart…"
    answers, asked = [False, True], []

    def ask() -> bool:
        asked.append(True)
        return answers.pop(0)

    window.ask_restart = ask
    stops = fake_backend.calls.count("stop agent")
    action.trigger()
    assert asked == [True] and app.controller.state.phase == Phase.RUNNING, "Cancel keeps the stack running"
    phases = []
    app.controller.sig_state_changed.connect(lambda state: phases.append(state.phase))
    action.trigger()
    assert len(asked) == 2
    qtbot.waitUntil(lambda: Phase.STARTING in phases and app.controller.state.phase == Phase.RUNNING, timeout=15000)
    assert Phase.STOPPING in phases and phases.index(Phase.STOPPING) < phases.index(Phase.STARTING)
    assert fake_backend.calls.count("stop agent") == stops + 1 and fake_backend.calls.count("start agent") == 2
