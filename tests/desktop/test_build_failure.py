"""A Docker image build that fails, as the owner meets it (issue 8, item 4): the base image is a
setting, the build's output is a log of its own, the error offers native mode and goes away when
the backend changes, and no message shows a Dockerfile's raw ${BASE_IMAGE}."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel

from umt.desktop.controllers.stack_state import Phase
from umt.launch import load_default_stack
from umt.settings import DesktopSettings

from .conftest import fake_opener

REASON = "pull access denied for umt-base:missing (at Step 1/3 : FROM umt-base:missing)"


def visible_words(*widgets) -> list[str]:
    """Every text the owner can read in these windows: labels, buttons, the status line."""
    words = []
    for top in widgets:
        for label in top.findChildren(QLabel):
            if label.isVisibleTo(top) and label.text():
                words.append(label.text())
        for button in top.findChildren(QAbstractButton):
            if button.isVisibleTo(top) and button.text():
                words.append(button.text())
        status = getattr(top, "statusBar", None)
        if status is not None and status().currentMessage():
            words.append(status().currentMessage())
    return words


def test_a_failed_build_offers_native_mode_and_its_log_and_clears_when_the_backend_changes(
    qtbot, make_app, fake_backend, desktop_settings
):
    fake_backend.builds_images, fake_backend.build_failure = True, REASON
    app = make_app(settings=desktop_settings.with_changes(backend="docker"), opener=fake_opener(fake_backend, "Docker mode"))
    app.start()
    page = app.window.control_center
    qtbot.waitUntil(lambda: app.controller.is_open)
    qtbot.mouseClick(page.stack_control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.ERROR, timeout=10000)
    assert page.stack_control.title.text() == "The service image did not build"
    assert REASON in page.stack_control.detail.text()
    # The same banner as for a missing engine, with the same way out.
    assert page.banner.isVisibleTo(app.window) and page.banner.action.text() == "Use native mode"
    assert page.banner.property("severity") == "error"

    # Logs opens the build's output, though no service (no container) exists.
    assert fake_backend.running() == []
    qtbot.mouseClick(page.stack_control.logs_button, Qt.MouseButton.LeftButton)
    logs = app.logs_window
    assert [logs.service.itemText(i) for i in range(logs.service.count())] == ["agent", "gateway", "build"]
    assert logs.service.currentText() == "build"
    qtbot.waitUntil(lambda: any(line.startswith("ERROR: pull access denied") for line in logs.lines()), timeout=5000)
    assert "Step 1/3 : FROM umt-base" in logs.lines()[0]
    assert not any("${" in words for words in visible_words(app.window, logs))

    # Another backend: the old backend's error and its banner go.
    app.apply_settings(app.settings.with_changes(backend="auto"))
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.STOPPED, timeout=5000)
    assert not page.banner.isVisibleTo(app.window)
    assert page.stack_control.title.text() == "Stopped"


def test_use_native_mode_from_a_failed_build_switches_and_starts(qtbot, make_app, fake_backend, desktop_settings):
    fake_backend.builds_images, fake_backend.build_failure = True, REASON

    def opener(settings, on_event):
        fake_backend.builds_images = settings.backend != "native"   # native mode builds nothing
        return fake_opener(fake_backend, settings.backend)(settings, on_event)

    app = make_app(settings=desktop_settings.with_changes(backend="docker"), opener=opener)
    app.start()
    qtbot.waitUntil(lambda: app.controller.is_open)
    app.controller.start()
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.ERROR, timeout=10000)
    banner = app.window.control_center.banner
    qtbot.mouseClick(banner.action, Qt.MouseButton.LeftButton)
    assert app.settings.backend == "native"
    qtbot.waitUntil(lambda: app.controller.state.phase == Phase.RUNNING, timeout=15000)
    assert not banner.isVisibleTo(app.window)
    assert "build" not in app.controller.log_names


def test_the_base_image_in_settings_reaches_the_build_and_the_environment_wins(stack_ports, monkeypatch):
    monkeypatch.delenv("UMT_BASE_IMAGE", raising=False)
    saved = DesktopSettings(stack_variables={"UMT_BASE_IMAGE": "python:3.12-local"})
    assert {s.build.args["BASE_IMAGE"] for s in load_default_stack(saved).services.values() if s.build} == {"python:3.12-local"}
    assert {s.build.args["BASE_IMAGE"] for s in load_default_stack(DesktopSettings()).services.values() if s.build} == {"python:3.12-slim"}
    monkeypatch.setenv("UMT_BASE_IMAGE", "umt-base:bookworm")
    assert {s.build.args["BASE_IMAGE"] for s in load_default_stack(saved).services.values() if s.build} == {"umt-base:bookworm"}


@pytest.mark.docker
def test_a_real_build_with_the_settings_base_image_fails_in_words_without_placeholders(qtbot, qapp, stack_ports, isolated_data, monkeypatch):
    """The real app, host and Docker engine: a base image nobody can provide, chosen in Settings."""
    from umt.desktop.app import DesktopApp

    from .conftest import RecordingNotifier

    monkeypatch.delenv("UMT_BASE_IMAGE", raising=False)
    monkeypatch.setenv("UMT_DOCKER_NETWORK", "host")
    base = "localhost:1/umt-no-such-base:none"   # a registry on a closed port fails at once
    settings = DesktopSettings(backend="docker", close_to_tray=False, stack_variables={"UMT_BASE_IMAGE": base})
    app = DesktopApp(qapp, settings=settings, notifier=RecordingNotifier(), ask_quit=lambda: "stop", tray_available=False)
    try:
        app.start()
        qtbot.waitUntil(lambda: app.controller.is_open, timeout=30000)
        app.controller.start()
        qtbot.waitUntil(lambda: app.controller.state.phase == Phase.ERROR, timeout=180000)
        page = app.window.control_center
        assert page.stack_control.title.text() == "The service image did not build", app.controller.state
        assert base in page.stack_control.detail.text()
        assert page.banner.isVisibleTo(app.window) and page.banner.action.text() == "Use native mode"
        logs = app.show_logs("build")
        qtbot.waitUntil(lambda: any(line.startswith("ERROR: ") for line in logs.lines()), timeout=10000)
        assert base in logs.lines()[0]
        for words in visible_words(app.window, logs) + [app.controller.state.detail, app.controller.state.advice]:
            assert "${" not in words and "$BASE_IMAGE" not in words, words
    finally:
        with qtbot.waitSignal(app.sig_quit_finished, timeout=30000):
            app.request_quit()
        if app.logs_window is not None:
            app.logs_window.deleteLater()
        app.window.deleteLater()
        app.deleteLater()
