"""The app wires the session: the stack's gateway reaches the SessionController, the gated
sections (Brands, Campaigns) offer Start, then stand behind the one sign-in page."""

from __future__ import annotations

from PySide6.QtCore import Qt

from umt.client import GatewayClient
from umt.desktop.app import DesktopApp
from umt.desktop.controllers.stack_state import Phase
from umt.settings import DesktopSettings

from .conftest import RecordingNotifier
from .session_fixtures import Authenticator

CLICK = Qt.MouseButton.LeftButton
PASSWORD = "rye and sourdough at dawn"


def test_first_launch_to_a_saved_brand_and_an_expired_session_through_the_app(qtbot, qapp, stack_ports):
    """First launch to a saved brand through the app's own windows; then the session ends
    elsewhere mid-edit, a dialog over the window signs in again, and the edit is saved."""
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
        qtbot.mouseClick(brands.placeholder.empty.action, CLICK)
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
        app.window.show_section("brands")
        assert brands.currentWidget() is page and page.isVisible()

        # The wizard, then the Brands page itself.
        wizard = page.wizard
        for field_, text in ((wizard.name, "Ada Owner"), (wizard.email, "ada@example.com"),
                             (wizard.password, PASSWORD), (wizard.repeat, PASSWORD)):
            qtbot.keyClicks(field_, text)
        qtbot.mouseClick(wizard.create_button, CLICK)
        qtbot.waitUntil(lambda: wizard.confirm_button.isEnabled(), timeout=15000)
        phone = Authenticator(wizard.key.text().replace(" ", ""))
        qtbot.keyClicks(wizard.code, phone.code(qtbot.waitUntil))
        qtbot.mouseClick(wizard.confirm_button, CLICK)
        qtbot.waitUntil(lambda: wizard.step == wizard.CODES, timeout=15000)
        wizard.stored.setChecked(True)
        qtbot.mouseClick(wizard.finish_button, CLICK)
        qtbot.waitUntil(lambda: brands.showing_page, timeout=15000)
        editor = brands.page
        assert app.account_button.isVisibleTo(app.window) and app.account_button.text() == "Ada Owner"
        qtbot.keyClicks(editor.name, "Crumb & Co")
        qtbot.mouseClick(editor.save_button, CLICK)
        qtbot.waitUntil(lambda: editor.current_id is not None, timeout=15000)

        # The session ends elsewhere; a save asks to sign in again over the page, which keeps the text.
        with GatewayClient(app.session.state.gateway_url, app.session.client.token) as elsewhere:
            elsewhere.logout()
        editor.voice.setPlainText("Warm, plain, a little playful")
        qtbot.mouseClick(editor.save_button, CLICK)
        prompter = app.expiry_prompter
        qtbot.waitUntil(lambda: prompter.dialog is not None and prompter.dialog.isVisible(), timeout=15000)
        assert brands.showing_page and editor.voice.toPlainText() == "Warm, plain, a little playful"
        form = prompter.dialog.form
        qtbot.keyClicks(form.password, PASSWORD)
        qtbot.keyClick(form.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: form.steps.currentIndex() == form.CODE_STEP, timeout=15000)
        qtbot.keyClicks(form.code, phone.code(qtbot.waitUntil))
        qtbot.keyClick(form.code, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: prompter.dialog is None and app.session.state.signed_in, timeout=15000)
        # The Save pressed as the session ran out goes through now (no second click).
        with GatewayClient(app.session.state.gateway_url, app.session.client.token) as check:
            qtbot.waitUntil(lambda: check.brands.get(editor.current_id).voice == "Warm, plain, a little playful",
                            timeout=15000)
    finally:
        with qtbot.waitSignal(app.sig_quit_finished, timeout=30000):
            app.request_quit()
        app.window.deleteLater()
        app.deleteLater()
