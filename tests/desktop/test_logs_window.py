"""The logs window: recent lines, followed lines, search, copy, and a bounded buffer."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from umt.desktop.views import logs_window
from umt.desktop.controllers.stack_state import Phase


def _running_app(qtbot, make_app):
    app = make_app()
    app.start()
    app.controller.start()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=10000)
    return app


def test_logs_show_recent_lines_then_follow(qtbot, make_app, fake_backend):
    app = _running_app(qtbot, make_app)
    fake_backend.add_log("gateway", "GET /health 200")
    window = app.show_logs("gateway")
    qtbot.waitUntil(lambda: "GET /health 200" in window.lines(), timeout=5000)
    assert window.service.currentText() == "gateway"
    qtbot.waitUntil(lambda: window.follower is not None)
    fake_backend.add_log("gateway", "POST /v1/campaigns 201")
    qtbot.waitUntil(lambda: "POST /v1/campaigns 201" in window.lines(), timeout=5000)
    window.service.setCurrentText("agent")
    qtbot.waitUntil(lambda: window.lines() == ["agent started"], timeout=5000)
    fake_backend.add_log("gateway", "not shown in the agent's log")
    fake_backend.add_log("agent", "draft ready")
    qtbot.waitUntil(lambda: "draft ready" in window.lines(), timeout=5000)
    assert "not shown in the agent's log" not in window.lines()


def test_search_and_copy(qtbot, make_app, fake_backend):
    app = _running_app(qtbot, make_app)
    for number in range(30):
        fake_backend.add_log("agent", f"line {number} {'ERROR boom' if number == 17 else 'ok'}")
    window = app.show_logs("agent")
    qtbot.waitUntil(lambda: len(window.lines()) == 31, timeout=5000)
    window.search.setText("ERROR boom")
    assert window.find_next()
    assert window.text.textCursor().selectedText() == "ERROR boom"
    assert window.text.textCursor().block().text() == "line 17 ERROR boom"
    assert window.find_next(), "search wraps around"
    window.search.setText("no such words")
    assert not window.find_next() and "is not in this log" in window.status.text()
    assert window.copy() == QGuiApplication.clipboard().text()
    assert QGuiApplication.clipboard().text().splitlines()[5] == "line 4 ok"
    window.text.selectAll()
    cursor = window.text.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(len("agent started"), cursor.MoveMode.KeepAnchor)
    window.text.setTextCursor(cursor)
    assert window.copy() == "agent started"


def test_the_buffer_is_bounded(qtbot, make_app, fake_backend, monkeypatch):
    monkeypatch.setattr(logs_window, "MAX_LINES", 100)
    app = _running_app(qtbot, make_app)
    window = app.show_logs("agent")
    qtbot.waitUntil(lambda: window.follower is not None, timeout=5000)
    for number in range(400):
        fake_backend.add_log("agent", f"burst {number}")
    qtbot.waitUntil(lambda: window.lines()[-1:] == ["burst 399"], timeout=5000)
    assert len(window.lines()) == 100
    assert window.lines()[0] == "burst 300"


def test_follow_can_be_paused(qtbot, make_app, fake_backend):
    app = _running_app(qtbot, make_app)
    window = app.show_logs("agent")
    qtbot.waitUntil(lambda: window.follower is not None, timeout=5000)
    window.follow.setChecked(False)
    assert window.follower is None
    window.follow.setChecked(True)
    assert window.follower is not None
    fake_backend.add_log("agent", "after resume")
    qtbot.waitUntil(lambda: "after resume" in window.lines(), timeout=5000)
