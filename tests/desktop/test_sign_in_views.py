"""Sign-in, end to end through the widgets against the real native stack (gateway and agent
processes, real HTTP, real TOTP codes from pyotp): first-run setup with 2FA, sign out, sign in
with a code and with a recovery code, a wrong code, the lockout countdown, "Remember me", and an
expired session mid-edit that keeps the text."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QMainWindow, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from umt.client import GatewayClient
from umt.desktop.controllers.stack import StackController
from umt.desktop.controllers.account import AccountController
from umt.desktop.controllers.session import SessionController
from umt.desktop.controllers.stack_state import Phase
from umt.desktop.views.account_menu import AccountButton
from umt.desktop.views.sign_in_again import SessionExpiryPrompter
from umt.desktop.theme import Theme, palettes
from umt.desktop.views.section_placeholder import SessionGatedPage
from umt.desktop.views.sections import Section, SectionContext
from umt.desktop.views.sign_in_page import SignInPage
from umt.settings import DesktopSettings

from .session_fixtures import Authenticator, set_up_owner

CLICK = Qt.MouseButton.LeftButton


class Workspace:
    """What the app builds around a section that needs a session: the session, the account steps,
    the one sign-in page, the section's gated page in a window, the account button and the expiry
    dialog. The section's page (`content`) stands for an editor."""

    def __init__(self, qtbot, tasks, stack: StackController | None = None):
        self.session = SessionController(tasks)
        self.account = AccountController(self.session)
        self.content = QWidget()
        self.title = QLineEdit()
        self.title.setAccessibleName("Brand name")
        self.notes = QPlainTextEdit()
        self.save = QPushButton("Save")
        self.saved: list = []
        self.errors: list = []
        self.save.clicked.connect(self._on_save_clicked)
        layout = QVBoxLayout(self.content)
        for widget in (self.title, self.notes, self.save):
            layout.addWidget(widget)
        self.page = SignInPage(self.session, self.account)
        stack = stack or StackController(tasks, lambda: DesktopSettings(backend="native"))   # never started
        context = SectionContext(stack, tasks, Theme("light", palettes()["light"]), lambda key: None,
                                 session=self.session, sign_in_page=self.page)
        section = Section("brands", "Brands", "brands", "Keep each brand's voice.", lambda _: self.content,
                          needs_session=True)
        self.gate = SessionGatedPage(section, context)
        self.window = QMainWindow()
        self.window.setCentralWidget(self.gate)
        self.account_button = AccountButton(self.session, self.account)
        self.window.statusBar().addPermanentWidget(self.account_button)
        self.prompter = SessionExpiryPrompter(self.session, self.account, lambda: self.window)
        qtbot.addWidget(self.window)
        self.window.resize(900, 640)
        self.window.show()

    def _on_save_clicked(self) -> None:
        name, voice = self.title.text(), self.notes.toPlainText()
        self.save.setEnabled(False)     # as a section's page does while saving

        def saved(record) -> None:
            self.saved.append(record)
            self.save.setEnabled(True)

        def failed(exc) -> None:
            self.errors.append(exc)
            self.save.setEnabled(True)

        self.session.call(lambda client: client.brands.create(name=name, voice=voice), saved, failed)


def _type(qtbot, field: QLineEdit, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)


def _settle(qtbot, tasks) -> None:
    """Every background call finished and its result delivered on the GUI thread."""
    tasks.wait_for_done(10000)
    delivered = []
    tasks.call_in_gui(delivered.append, True)
    qtbot.waitUntil(lambda: bool(delivered), timeout=5000)


def _sign_in_with_password(qtbot, form, email: str, password: str, remember: bool = False) -> None:
    _type(qtbot, form.email, email)
    _type(qtbot, form.password, password)
    if remember:
        qtbot.mouseClick(form.remember, CLICK, pos=QPoint(6, form.remember.height() // 2))
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.steps.currentIndex() == form.CODE_STEP, timeout=15000)


def test_first_run_setup_with_2fa_then_sign_out_and_in_with_a_code(qtbot, tasks, stack_ports, tmp_path):
    stack = StackController(tasks, lambda: DesktopSettings(backend="native", close_to_tray=False),
                            sample_interval_s=0.25)
    workspace = Workspace(qtbot, tasks, stack)
    session, page, wizard = workspace.session, workspace.page, workspace.page.wizard
    session.follow_stack(stack)
    page.sig_start_requested.connect(stack.start)
    empty = workspace.gate.placeholder.empty
    try:
        # The stack is stopped: the section says so and offers Start.
        assert workspace.gate.currentWidget() is workspace.gate.placeholder
        assert "stopped" in empty.status.text() and empty.action.text() == "Start the stack"
        qtbot.mouseClick(empty.action, CLICK)
        qtbot.waitUntil(lambda: stack.state.phase in (Phase.RUNNING, Phase.ERROR), timeout=90000)
        assert stack.state.phase == Phase.RUNNING, stack.state
        qtbot.waitUntil(lambda: page.pages.currentIndex() == page.SETUP, timeout=15000)
        assert wizard.step == wizard.ACCOUNT and wizard.progress.text() == "Step 1 of 3 · Your account"

        # Step 1: the account; a weak password is refused before anything is sent.
        _type(qtbot, wizard.name, "Ada Owner")
        _type(qtbot, wizard.email, "ada@example.com")
        _type(qtbot, wizard.password, "password12")
        assert wizard.meter.label.text().startswith("Weak")
        _type(qtbot, wizard.repeat, "password12")
        qtbot.mouseClick(wizard.create_button, CLICK)
        assert wizard.account_error.text().startswith("Choose a stronger password")
        assert session.state.setup_required is True
        password = "rye and sourdough at dawn"
        _type(qtbot, wizard.password, password)
        assert wizard.meter.label.text().startswith(("Good", "Strong"))
        _type(qtbot, wizard.repeat, password)
        qtbot.keyClick(wizard.repeat, Qt.Key.Key_Return)

        # Step 2: the QR code and the key; a wrong code gets the gateway's words.
        qtbot.waitUntil(lambda: wizard.confirm_button.isEnabled(), timeout=15000)
        assert wizard.step == wizard.TWO_FACTOR
        secret = wizard.key.text().replace(" ", "")
        assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
        assert wizard.qr.text_encoded.startswith("otpauth://totp/") and f"secret={secret}" in wizard.qr.text_encoded
        assert not wizard.qr.pixmap().isNull() and wizard.qr.pixmap().width() >= 150
        _type(qtbot, wizard.code, "000000")
        qtbot.mouseClick(wizard.confirm_button, CLICK)
        qtbot.waitUntil(lambda: wizard.two_factor_error.isVisibleTo(wizard), timeout=15000)
        assert wizard.two_factor_error.text() == "The code does not match; check the authenticator's clock."
        phone = Authenticator(secret)
        _type(qtbot, wizard.code, phone.code(qtbot.waitUntil))
        qtbot.keyClick(wizard.code, Qt.Key.Key_Return)

        # Step 3: the ten codes, shown once, with Copy and Save.
        qtbot.waitUntil(lambda: wizard.step == wizard.CODES, timeout=15000)
        codes = wizard.codes.codes
        assert len(codes) == 10 and len(set(codes)) == 10
        qtbot.mouseClick(wizard.codes.copy_button, CLICK)
        assert all(code in QGuiApplication.clipboard().text() for code in codes)
        saved = tmp_path / "codes.txt"
        wizard.codes.save_dialog = lambda: str(saved)
        qtbot.mouseClick(wizard.codes.save_button, CLICK)
        qtbot.waitUntil(lambda: wizard.codes.feedback.text() == f"Saved to {saved}.", timeout=10000)
        assert all(code in saved.read_text() for code in codes) and saved.stat().st_mode & 0o777 == 0o600
        assert not wizard.finish_button.isEnabled()
        assert not wizard.remember.isEnabled()      # the suite's keyring is a plain file: not offered
        wizard.stored.setChecked(True)
        qtbot.mouseClick(wizard.finish_button, CLICK)
        qtbot.waitUntil(lambda: workspace.gate.showing_page, timeout=10000)
        assert session.state.signed_in and session.state.user.email == "ada@example.com"
        assert session.state.user.totp_enabled is True
        assert workspace.account_button.text() == "Ada Owner"
        assert wizard.codes.codes == []             # not kept in the window

        # Sign out from the account menu: the sign-in page, on the password step.
        workspace.account_button.sign_out_action.trigger()
        qtbot.waitUntil(lambda: workspace.gate.currentWidget() is page, timeout=10000)
        assert page.pages.currentIndex() == page.SIGN_IN and page.form.email.text() == "ada@example.com"
        assert not workspace.account_button.isVisibleTo(workspace.window)

        # Sign in with the password and a code from the phone.
        _sign_in_with_password(qtbot, page.form, "ada@example.com", password)
        _type(qtbot, page.form.code, phone.code(qtbot.waitUntil))
        qtbot.mouseClick(page.form.verify_button, CLICK)
        qtbot.waitUntil(lambda: workspace.gate.showing_page, timeout=10000)

        # The stack stops: the section says so again and offers Start.
        stack.stop()
        qtbot.waitUntil(lambda: stack.state.phase == Phase.STOPPED, timeout=30000)
        qtbot.waitUntil(lambda: workspace.gate.currentWidget() is workspace.gate.placeholder, timeout=5000)
        assert empty.action.text() == "Start the stack" and empty.action.isVisibleTo(workspace.gate)
    finally:
        done = []
        stack.shutdown(stop_stack=True, on_done=lambda: done.append(True))
        qtbot.waitUntil(lambda: bool(done), timeout=30000)


def test_sign_in_with_a_recovery_code_after_a_wrong_code(qtbot, tasks, owner_stack):
    workspace = Workspace(qtbot, tasks)
    workspace.session.set_gateway_url(owner_stack.url)
    page, form = workspace.page, workspace.page.form
    qtbot.waitUntil(lambda: page.pages.currentIndex() == page.SIGN_IN, timeout=15000)
    assert not form.remember.isEnabled() and "keyring" in form.remember.toolTip()

    _type(qtbot, form.email, owner_stack.email)
    _type(qtbot, form.password, "not the password")
    qtbot.mouseClick(form.sign_in_button, CLICK)
    qtbot.waitUntil(lambda: form.password_error.isVisibleTo(form), timeout=15000)
    assert form.password_error.text() == "Wrong email or password."

    _sign_in_with_password(qtbot, form, owner_stack.email, owner_stack.password)
    _type(qtbot, form.code, "123456")
    qtbot.keyClick(form.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.code_error.isVisibleTo(form), timeout=15000)
    assert form.code_error.text() == "The code is wrong, expired or already used."

    qtbot.mouseClick(form.toggle_recovery, CLICK)
    assert form.recovery_mode and form.recovery.isVisibleTo(form) and not form.code.isVisibleTo(form)
    _type(qtbot, form.recovery, owner_stack.recovery_code().upper())     # case and spaces do not matter
    qtbot.mouseClick(form.verify_button, CLICK)
    qtbot.waitUntil(lambda: workspace.gate.showing_page, timeout=15000)
    assert workspace.session.state.user.email == owner_stack.email


def test_new_recovery_codes_and_a_new_password_from_the_account_menu(qtbot, tasks, owner_stack):
    workspace = Workspace(qtbot, tasks)
    workspace.session.set_gateway_url(owner_stack.url)
    form = workspace.page.form
    qtbot.waitUntil(lambda: workspace.page.pages.currentIndex() == workspace.page.SIGN_IN, timeout=15000)
    _sign_in_with_password(qtbot, form, owner_stack.email, owner_stack.password)
    qtbot.mouseClick(form.toggle_recovery, CLICK)
    _type(qtbot, form.recovery, owner_stack.recovery_code())
    qtbot.mouseClick(form.verify_button, CLICK)
    qtbot.waitUntil(lambda: workspace.session.state.signed_in, timeout=15000)

    codes_dialog = workspace.account_button.open_recovery_codes()
    _type(qtbot, codes_dialog.code, "000000")
    qtbot.mouseClick(codes_dialog.make_button, CLICK)
    qtbot.waitUntil(lambda: codes_dialog.error.isVisibleTo(codes_dialog), timeout=15000)
    assert codes_dialog.error.text() == "The code is wrong, expired or already used."
    _type(qtbot, codes_dialog.code, owner_stack.authenticator.code(qtbot.waitUntil))
    qtbot.mouseClick(codes_dialog.make_button, CLICK)
    qtbot.waitUntil(lambda: codes_dialog.pages.currentIndex() == 1, timeout=15000)
    new_codes = codes_dialog.codes.codes
    assert len(new_codes) == 10 and not set(new_codes) & set(owner_stack.recovery_codes)
    old_code = owner_stack.recovery_codes[0]
    owner_stack.recovery_codes = list(new_codes)
    codes_dialog.accept()
    with GatewayClient(owner_stack.url) as other:
        challenge = other.login(owner_stack.email, owner_stack.password).challenge
        with pytest.raises(Exception, match="wrong, expired or already used"):
            other.login_second_factor(challenge, recovery_code=old_code)     # the old codes stopped working

    dialog = workspace.account_button.open_change_password()
    _type(qtbot, dialog.current, "not my password")
    new_password = "flour water salt and time"
    _type(qtbot, dialog.new, new_password)
    _type(qtbot, dialog.repeat, new_password)
    qtbot.mouseClick(dialog.change_button, CLICK)
    qtbot.waitUntil(lambda: dialog.error.isVisibleTo(dialog), timeout=15000)
    assert dialog.error.text() == "The current password is wrong." and dialog.current.hasFocus()
    _type(qtbot, dialog.current, owner_stack.password)
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        qtbot.mouseClick(dialog.change_button, CLICK)
    owner_stack.password = new_password
    assert workspace.session.state.signed_in        # this session stays; the others end
    with GatewayClient(owner_stack.url) as other:
        assert other.login(owner_stack.email, new_password).mfa_required


def test_lockout_is_shown_as_a_countdown_from_retry_after(qtbot, tasks, fresh_stack):
    owner = set_up_owner(fresh_stack)
    workspace = Workspace(qtbot, tasks)
    workspace.session.set_gateway_url(fresh_stack)
    form = workspace.page.form
    qtbot.waitUntil(lambda: workspace.page.pages.currentIndex() == workspace.page.SIGN_IN, timeout=15000)
    _type(qtbot, form.email, owner.email)
    for attempt in range(5):        # the gateway locks the account after 5 failures in a row
        _type(qtbot, form.password, f"wrong password {attempt}")
        qtbot.mouseClick(form.sign_in_button, CLICK)
        qtbot.waitUntil(lambda: form.sign_in_button.isEnabled() or form.password_countdown.running, timeout=15000)
        assert form.password_error.text() == "Wrong email or password."
    _type(qtbot, form.password, owner.password)      # even the right password waits now
    qtbot.mouseClick(form.sign_in_button, CLICK)
    qtbot.waitUntil(lambda: form.password_countdown.running, timeout=15000)
    first = form.password_countdown.text()
    assert re.fullmatch(r"Too many failed sign-ins\. Try again in 0:(2\d|30)\.", first), first
    assert not form.sign_in_button.isEnabled()
    qtbot.keyClick(form.password, Qt.Key.Key_Return)       # Enter does not send while locked
    assert form.steps.currentIndex() == form.PASSWORD_STEP
    qtbot.waitUntil(lambda: form.password_countdown.text() != first, timeout=3000)   # it counts down
    assert form.password_countdown.remaining < 30


def test_remember_me_restores_the_session_from_the_keyring(qtbot, tasks, owner_stack, memory_keyring):
    first = Workspace(qtbot, tasks)
    first.session.set_gateway_url(owner_stack.url)
    form = first.page.form
    qtbot.waitUntil(lambda: form.remember.isEnabled(), timeout=15000)
    _sign_in_with_password(qtbot, form, owner_stack.email, owner_stack.password, remember=True)
    assert form.remember.isChecked()
    qtbot.mouseClick(form.toggle_recovery, CLICK)
    _type(qtbot, form.recovery, owner_stack.recovery_code())
    qtbot.mouseClick(form.verify_button, CLICK)
    qtbot.waitUntil(lambda: first.session.state.signed_in, timeout=15000)
    qtbot.waitUntil(lambda: ("umt", "remembered_session") in memory_keyring.items, timeout=10000)
    assert owner_stack.password not in str(memory_keyring.items)

    # The app starts again: the section opens signed in, no form shown.
    second = Workspace(qtbot, tasks)
    second.session.set_gateway_url(owner_stack.url)
    qtbot.waitUntil(lambda: second.gate.showing_page, timeout=15000)
    assert second.account_button.text() == "Ada Owner"
    tasks.wait_for_done(5000)
    assert "MainThread" not in memory_keyring.calls_by_thread


def test_an_expired_session_mid_edit_asks_again_and_keeps_the_text(qtbot, tasks, owner_stack):
    workspace = Workspace(qtbot, tasks)
    session, form = workspace.session, workspace.page.form
    session.set_gateway_url(owner_stack.url)
    qtbot.waitUntil(lambda: workspace.page.pages.currentIndex() == workspace.page.SIGN_IN, timeout=15000)
    _sign_in_with_password(qtbot, form, owner_stack.email, owner_stack.password)
    _type(qtbot, form.code, owner_stack.authenticator.code(qtbot.waitUntil))
    qtbot.keyClick(form.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: workspace.gate.showing_page, timeout=15000)

    qtbot.keyClicks(workspace.title, "Crumb & Co")
    workspace.notes.setPlainText("Warm, neighbourly, never pushy.\nSay 'loaf', not 'product'.")
    workspace.notes.moveCursor(workspace.notes.textCursor().MoveOperation.End)
    with GatewayClient(owner_stack.url, session.client.token) as elsewhere:
        elsewhere.logout()          # the session ends on the server (signed out on another device)

    qtbot.mouseClick(workspace.save, CLICK)
    qtbot.waitUntil(lambda: workspace.prompter.dialog is not None and workspace.prompter.dialog.isVisible(),
                    timeout=15000)
    dialog = workspace.prompter.dialog
    assert dialog.parent() is workspace.window and dialog.windowModality() == Qt.WindowModality.WindowModal
    assert workspace.gate.showing_page        # the page stays as it was
    assert workspace.title.text() == "Crumb & Co" and "'loaf'" in workspace.notes.toPlainText()
    assert dialog.form.email.text() == owner_stack.email and workspace.saved == []

    assert not workspace.save.isEnabled()            # the save waits for the new session
    reads = []
    session.call(lambda client: client.brands.list(), reads.append)   # another call meanwhile: the same dialog
    _settle(qtbot, tasks)
    assert workspace.prompter.dialog is dialog and reads == []

    _type(qtbot, dialog.form.password, owner_stack.password)
    qtbot.keyClick(dialog.form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.form.steps.currentIndex() == dialog.form.CODE_STEP, timeout=15000)
    qtbot.mouseClick(dialog.form.toggle_recovery, CLICK)
    _type(qtbot, dialog.form.recovery, owner_stack.recovery_code())
    with qtbot.waitSignal(dialog.finished, timeout=15000):
        qtbot.mouseClick(dialog.form.verify_button, CLICK)
    assert session.state.signed_in and workspace.gate.showing_page
    assert workspace.title.text() == "Crumb & Co" and "'loaf'" in workspace.notes.toPlainText()

    # The save pressed as the session ran out goes through now, without another click.
    qtbot.waitUntil(lambda: bool(workspace.saved) and bool(reads), timeout=15000)
    assert workspace.save.isEnabled() and len(workspace.saved) == 1 and workspace.errors == []
    assert workspace.saved[0].name == "Crumb & Co" and workspace.saved[0].voice.startswith("Warm")



def test_when_the_lockout_is_over_the_form_says_so_and_takes_a_try_again(qtbot, tasks):
    """The end of the countdown (the real lockout above lasts 30 s; this one a moment)."""
    from umt.client import Locked
    from umt.desktop.controllers.problem import Problem
    from umt.desktop.views.sign_in_form import SignInForm

    form = SignInForm(AccountController(SessionController(tasks)))
    qtbot.addWidget(form)
    locked = Locked(429, "locked", "too many failed sign-ins; try again in 1 s", "password", retry_after=0.6)
    form._on_password_problem(Problem.from_error(locked))
    assert form.password_countdown.running and not form.sign_in_button.isEnabled()
    with qtbot.waitSignal(form.password_countdown.sig_finished, timeout=5000):
        pass
    assert form.sign_in_button.isEnabled() and not form.password_countdown.isVisibleTo(form)
    assert form.password_error.text() == "You can try again now."


def test_sections_share_one_sign_in_page(qtbot, tasks, owner_stack):
    """One wizard, one half-done sign-in: the page moves to whichever section is shown."""
    from PySide6.QtWidgets import QLabel, QStackedWidget

    session = SessionController(tasks)
    page = SignInPage(session, AccountController(session))
    context = SectionContext(StackController(tasks, lambda: DesktopSettings(backend="native")), tasks,
                             Theme("light", palettes()["light"]), lambda key: None, session=session,
                             sign_in_page=page)
    gated = [SessionGatedPage(Section(key, key.title(), key, "", lambda _, key=key: QLabel(key), needs_session=True),
                              context) for key in ("brands", "campaigns")]
    brands, campaigns = gated
    sections = QStackedWidget()
    for widget in gated:
        sections.addWidget(widget)
    qtbot.addWidget(sections)
    sections.show()
    assert brands.currentWidget() is brands.placeholder        # the stack is not running
    session.set_gateway_url(owner_stack.url)
    qtbot.waitUntil(lambda: page.pages.currentIndex() == page.SIGN_IN, timeout=15000)
    assert page.parent() is brands and brands.currentWidget() is page and page.isVisible()
    _type(qtbot, page.form.email, owner_stack.email)
    sections.setCurrentWidget(campaigns)
    assert page.parent() is campaigns and campaigns.currentWidget() is page and page.isVisible()
    assert page.form.email.text() == owner_stack.email          # the same form, what was typed kept
    sections.setCurrentWidget(brands)
    assert page.parent() is brands and brands.currentWidget() is page and page.isVisible()

def test_sign_out_instead_of_signing_in_again(qtbot, tasks, owner_stack):
    workspace = Workspace(qtbot, tasks)
    session, form = workspace.session, workspace.page.form
    session.set_gateway_url(owner_stack.url)
    qtbot.waitUntil(lambda: workspace.page.pages.currentIndex() == workspace.page.SIGN_IN, timeout=15000)
    _sign_in_with_password(qtbot, form, owner_stack.email, owner_stack.password)
    qtbot.mouseClick(form.toggle_recovery, CLICK)
    _type(qtbot, form.recovery, owner_stack.recovery_code())
    qtbot.mouseClick(form.verify_button, CLICK)
    qtbot.waitUntil(lambda: workspace.gate.showing_page, timeout=15000)
    with GatewayClient(owner_stack.url, session.client.token) as elsewhere:
        elsewhere.logout()
    qtbot.mouseClick(workspace.save, CLICK)
    qtbot.waitUntil(lambda: workspace.prompter.dialog is not None and workspace.prompter.dialog.isVisible(),
                    timeout=15000)
    qtbot.mouseClick(workspace.prompter.dialog.sign_out_button, CLICK)
    qtbot.waitUntil(lambda: workspace.prompter.dialog is None, timeout=5000)
    assert workspace.gate.currentWidget() is workspace.page and workspace.page.pages.currentIndex() == workspace.page.SIGN_IN
    assert workspace.page.sign_in_message.text() == "Signed out."
    assert not session.state.signed_in and not session.state.session_expired
    # The save that waited for a new session hears of the 401 now: the page is not left waiting.
    assert [type(e).__name__ for e in workspace.errors] == ["Unauthorized"] and workspace.save.isEnabled()


def test_a_challenge_that_expired_goes_back_to_the_password_with_the_reason(qtbot, tasks):
    """The gateway's challenge lives 5 minutes; a code after that gets 401 bad_challenge."""
    from umt.client import Unauthorized
    from umt.desktop.controllers.problem import Problem
    from umt.desktop.views.sign_in_form import SignInForm

    form = SignInForm(AccountController(SessionController(tasks)))
    qtbot.addWidget(form)
    form._on_account_signed_in_step(True)
    assert form.steps.currentIndex() == form.CODE_STEP
    expired = Unauthorized(401, "bad_challenge", "the sign-in challenge is unknown or expired; sign in again",
                           "challenge")
    form._on_code_problem(Problem.from_error(expired))
    assert form.steps.currentIndex() == form.PASSWORD_STEP
    assert form.password_error.text() == "The sign-in challenge is unknown or expired; sign in again."
