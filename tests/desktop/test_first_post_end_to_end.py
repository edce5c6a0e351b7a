"""Issue 9's promise, end to end through the app's own windows on the real native stack: a new
owner goes from first launch to an approved, scored post without a terminal. Start from the
empty Brands page, set up the owner with 2FA, write the voice kit with a banned word, write a post
that uses it and see the score panel name it, fix it, save, and move it to approved."""

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


def _click(qtbot, button):
    qtbot.waitUntil(lambda: button.isVisible() and button.isEnabled(), timeout=15000)
    qtbot.mouseClick(button, CLICK)


def test_first_launch_to_an_approved_scored_post_through_the_windows(qtbot, qapp, stack_ports):
    app = DesktopApp(qapp, settings=DesktopSettings(backend="native", close_to_tray=False),
                     notifier=RecordingNotifier(), ask_quit=lambda: "stop", tray_available=False,
                     sample_interval_s=0.25)
    try:
        app.start()
        qtbot.waitUntil(lambda: app.controller.backend is not None, timeout=10000)
        app.window.resize(1400, 900)
        app.window.show()

        # First launch: the Brands section offers to start the stack, then the owner-setup wizard.
        app.window.show_section("brands")
        brands = app.window.page("brands")
        _click(qtbot, brands.placeholder.empty.action)
        qtbot.waitUntil(lambda: app.controller.state.phase in (Phase.RUNNING, Phase.ERROR), timeout=90000)
        assert app.controller.state.phase == Phase.RUNNING, app.controller.state
        wizard = app.sign_in_page.wizard
        qtbot.waitUntil(lambda: wizard.isVisible(), timeout=15000)
        for field_, text in ((wizard.name, "Mara Baker"), (wizard.email, "mara@example.com"),
                             (wizard.password, PASSWORD), (wizard.repeat, PASSWORD)):
            qtbot.keyClicks(field_, text)
        _click(qtbot, wizard.create_button)
        qtbot.waitUntil(lambda: wizard.confirm_button.isEnabled(), timeout=15000)
        phone = Authenticator(wizard.key.text().replace(" ", ""))
        qtbot.keyClicks(wizard.code, phone.code(qtbot.waitUntil))
        _click(qtbot, wizard.confirm_button)
        qtbot.waitUntil(lambda: wizard.step == wizard.CODES, timeout=15000)
        wizard.stored.setChecked(True)
        _click(qtbot, wizard.finish_button)
        qtbot.waitUntil(lambda: brands.showing_page, timeout=15000)

        # The brand's voice kit, with a word the owner never wants in a post.
        kit = brands.page
        qtbot.keyClicks(kit.name, "Crumb & Co")
        kit.voice.setPlainText("Warm and plain-spoken.")
        kit.banned_words.set_items(["cheap"])
        _click(qtbot, kit.save_button)
        qtbot.waitUntil(lambda: kit.current_id is not None, timeout=15000)
        brand_id = kit.current_id

        # A post in the Content studio: the score panel names the banned word as the owner types.
        app.window.show_section("content")
        content = app.window.page("content")
        qtbot.waitUntil(lambda: content.showing_page, timeout=15000)
        studio = content.page
        editor = studio.editor
        qtbot.waitUntil(lambda: editor.brand.findData(brand_id) >= 0, timeout=15000)
        editor.brand.setCurrentIndex(editor.brand.findData(brand_id))
        editor.channel.set_channel("linkedin")
        qtbot.keyClicks(editor.title, "Spelt is back")
        with qtbot.waitSignal(editor.score_panel.sig_score_shown, timeout=20000,
                              check_params_cb=lambda result: any(c.id == "banned_words" and c.status == "fail"
                                                                 for c in result.checks)):
            qtbot.keyClicks(editor.body, "Our spelt sourdough is back, and it is not cheap bread. Loaves out at 7.")
        assert "cheap" in editor.score_panel.message_for("Banned words").lower()

        # Fixed: the panel says so, and the post is saved with that text.
        with qtbot.waitSignal(editor.score_panel.sig_score_shown, timeout=20000,
                              check_params_cb=lambda result: all(c.id != "banned_words" or c.status == "pass"
                                                                 for c in result.checks)):
            editor.body.setPlainText(editor.body.toPlainText().replace("not cheap bread", "bread worth the wait"))
        scored = editor.score_panel.result.score
        _click(qtbot, editor.save_button)
        qtbot.waitUntil(lambda: editor.item is not None and editor.item.id is not None, timeout=15000)
        item_id = editor.item.id

        # The workflow's legal moves only: draft → in review → approved.
        assert set(editor.move_buttons) == {"in_review", "archived"}
        _click(qtbot, editor.move_buttons["in_review"])
        qtbot.waitUntil(lambda: editor.item.status == "in_review", timeout=15000)
        _click(qtbot, editor.move_buttons["approved"])
        qtbot.waitUntil(lambda: editor.item.status == "approved", timeout=15000)

        # What the gateway holds: the approved post, with the text the panel scored.
        with GatewayClient(app.session.state.gateway_url, app.session.client.token) as check:
            stored = check.content.get(item_id)
            assert stored.status == "approved" and stored.brand_id == brand_id
            assert "bread worth the wait" in stored.body and "cheap" not in stored.body
            again = check.score(text=stored.body, channel="linkedin", brand_id=brand_id)
            assert again.score == scored
            assert all(c.status != "fail" for c in again.checks if c.id == "banned_words")
    finally:
        with qtbot.waitSignal(app.sig_quit_finished, timeout=30000):
            app.request_quit()
        app.window.deleteLater()
        app.deleteLater()
