"""The app wires the session: the stack's gateway reaches the SessionController, a section's gate
shows the sign-in page, and its Start starts the real native stack."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from umt.desktop.app import DesktopApp
from umt.desktop.stack_state import Phase
from umt.settings import DesktopSettings

from .conftest import RecordingNotifier


def test_a_section_offers_start_then_the_owner_setup(qtbot, qapp, stack_ports):
    app = DesktopApp(qapp, settings=DesktopSettings(backend="native", close_to_tray=False),
                     notifier=RecordingNotifier(), ask_quit=lambda: "stop", tray_available=False,
                     sample_interval_s=0.25)
    gate = app.gate(QLabel("Brands"))
    qtbot.addWidget(gate)
    page = app.sign_in_page
    try:
        app.start()
        gate.show()
        qtbot.waitUntil(lambda: app.controller.backend is not None, timeout=10000)
        assert gate.currentWidget() is page and page.pages.currentIndex() == page.STATUS
        assert page.start_button.isVisibleTo(page)
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: app.controller.state.phase in (Phase.RUNNING, Phase.ERROR), timeout=90000)
        assert app.controller.state.phase == Phase.RUNNING, app.controller.state
        qtbot.waitUntil(lambda: page.pages.currentIndex() == page.SETUP, timeout=15000)
        assert app.session.state.gateway_url == app.controller.gateway_url
        assert app.session.state.setup_required is True and not app.account_button.isVisibleTo(app.window)
    finally:
        with qtbot.waitSignal(app.sig_quit_finished, timeout=30000):
            app.request_quit()
        app.window.deleteLater()
        app.deleteLater()
