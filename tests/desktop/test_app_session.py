"""The app wires the session: the stack's gateway reaches the SessionController, the gated
sections (Brands, Campaigns) offer Start, then stand behind the one sign-in page."""

from __future__ import annotations

from PySide6.QtCore import Qt

from umt.desktop.app import DesktopApp
from umt.desktop.controllers.stack_state import Phase
from umt.settings import DesktopSettings

from .conftest import RecordingNotifier


def test_a_section_offers_start_then_the_owner_setup(qtbot, qapp, stack_ports):
    app = DesktopApp(qapp, settings=DesktopSettings(backend="native", close_to_tray=False),
                     notifier=RecordingNotifier(), ask_quit=lambda: "stop", tray_available=False,
                     sample_interval_s=0.25)
    page = app.sign_in_page
    try:
        app.start()
        qtbot.waitUntil(lambda: app.controller.backend is not None, timeout=10000)
        app.window.show_section("brands")
        brands = app.window.page("brands")
        assert brands.currentWidget() is brands.placeholder
        assert brands.placeholder.empty.action.text() == "Start the stack"
        qtbot.mouseClick(brands.placeholder.empty.action, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: app.controller.state.phase in (Phase.RUNNING, Phase.ERROR), timeout=90000)
        assert app.controller.state.phase == Phase.RUNNING, app.controller.state
        qtbot.waitUntil(lambda: brands.currentWidget() is page and page.pages.currentIndex() == page.SETUP,
                        timeout=15000)
        assert page.isVisible() and app.session.state.gateway_url == app.controller.gateway_url
        assert app.session.state.setup_required is True and not app.account_button.isVisibleTo(app.window)

        # Another section: the same sign-in page (the same wizard), now in front of it.
        app.window.show_section("campaigns")
        assert app.window.page("campaigns").currentWidget() is page and page.isVisible()
        app.window.show_section("control_center")
        assert not page.isVisible()
    finally:
        with qtbot.waitSignal(app.sig_quit_finished, timeout=30000):
            app.request_quit()
        app.window.deleteLater()
        app.deleteLater()
