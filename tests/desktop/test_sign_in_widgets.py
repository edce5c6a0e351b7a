"""The sign-in pages' small parts: the password estimate, the QR code's modules, the countdown."""

from __future__ import annotations

import segno
from PySide6.QtGui import QColor

from umt.desktop.widgets.countdown import format_wait
from umt.desktop.widgets.password_strength import PasswordStrengthMeter, estimate
from umt.desktop.widgets.qr_code import QUIET_ZONE, qr_image


def test_the_estimate_counts_what_a_guesser_tries_first():
    assert estimate("short").score == 0 and "10 characters" in estimate("short").advice
    assert estimate("password12").score == 1                       # a common password with digits
    assert estimate("Password123!").score == 1
    assert estimate("aaaaaaaaaaaaaaaaaaaa").score == 1             # one character, repeated
    assert estimate("abcdefghij1234567890").score == 1             # alphabet and digit runs
    assert estimate("qwertyuiopasdfghjkl").score == 1              # a keyboard row
    strong = estimate("rye and sourdough at dawn")
    assert strong.score >= 3 and strong.acceptable
    # The owner's own name and email count for little.
    assert estimate("adaowner2024!", hints=("Ada Owner", "ada@example.com")).bits < estimate("tq8#vz2mkp!x0").bits
    assert estimate("ada ada ada owner", hints=("Ada Owner",)).score <= 1


def test_the_meter_shows_the_estimate(qtbot):
    meter = PasswordStrengthMeter()
    qtbot.addWidget(meter)
    assert meter.label.text() == "Use at least 10 characters."
    meter.set_password("password12")
    assert meter.bar.value() == 1 and meter.label.text().startswith("Weak:")
    assert meter.bar.property("strength") == 1
    meter.set_password("rye and sourdough at dawn")
    assert meter.bar.value() >= 3 and meter.bar.accessibleDescription() == meter.label.text()


def test_the_qr_code_draws_every_module_of_segnos_matrix(qapp):
    text = "otpauth://totp/Ultimate%20Marketing%20Team:ada%40example.com?secret=JBSWY3DPEHPK3PXP"
    matrix = [list(row) for row in segno.make(text, error="m", micro=False).matrix]
    module = 5
    image = qr_image(text, module)
    assert image.width() == (len(matrix) + 2 * QUIET_ZONE) * module
    black, white = QColor("black").rgb(), QColor("white").rgb()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            centre = ((x + QUIET_ZONE) * module + module // 2, (y + QUIET_ZONE) * module + module // 2)
            assert image.pixel(*centre) == (black if dark else white), (x, y)
    assert image.pixel(1, 1) == white                              # the quiet zone


def test_waits_read_as_minutes_and_seconds():
    assert format_wait(30) == "0:30" and format_wait(29.2) == "0:30" and format_wait(900) == "15:00"
    assert format_wait(-1) == "0:00"


def test_every_control_of_the_sign_in_pages_has_a_name_and_takes_the_keyboard(qtbot, tasks):
    """Screen readers read a name for each field and button, and Tab reaches each of them."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractButton, QLineEdit

    from umt.desktop.controllers.account import AccountController
    from umt.desktop.controllers.session import SessionController
    from umt.desktop.views.account_menu import ChangePasswordDialog, NewRecoveryCodesDialog
    from umt.desktop.views.sign_in_page import SignInPage

    session = SessionController(tasks)
    account = AccountController(session)
    page = SignInPage(session, account)
    dialogs = [ChangePasswordDialog(account, {"name": "Ada", "email": "ada@example.com"}), NewRecoveryCodesDialog(account)]
    for widget in [page, *dialogs]:
        qtbot.addWidget(widget)
        controls = widget.findChildren(QLineEdit) + widget.findChildren(QAbstractButton)
        assert controls
        for control in controls:
            name = control.accessibleName() or (control.text() if isinstance(control, QAbstractButton) else "")
            assert name.replace("&", "").strip(), f"{type(control).__name__} in {type(widget).__name__} has no name"
            assert control.focusPolicy() & Qt.FocusPolicy.TabFocus, f"{name} cannot be reached with Tab"


def test_tab_walks_the_sign_in_form_in_reading_order(qtbot, tasks):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from umt.desktop.controllers.account import AccountController
    from umt.desktop.controllers.session import SessionController
    from umt.desktop.views.sign_in_form import SignInForm

    form = SignInForm(AccountController(SessionController(tasks)))
    form.set_remember_available(True)
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(lambda: form.isActiveWindow(), timeout=5000)
    form.email.setFocus()
    order = [form.email]
    for _ in range(3):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order == [form.email, form.password, form.remember, form.sign_in_button]
