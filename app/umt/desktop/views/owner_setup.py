"""First run: the owner-setup wizard. The account (name, email, a password with a strength meter),
then two-factor sign-in (a QR code and the key as text, confirmed with a code), then the ten
recovery codes, shown once, with Copy and Save."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QRegularExpressionValidator
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from umt.desktop.widgets.fitting_stack import FittingStack
from umt.desktop.views.sign_in_form import NO_KEYRING
from umt.desktop.widgets.password_strength import PasswordStrengthMeter
from umt.desktop.widgets.qr_code import QrCodeLabel
from umt.desktop.widgets.recovery_codes import RecoveryCodesView
from umt.desktop.widgets.field_errors import ErrorLabel


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "title")
    return label


def _words(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("role", "muted")
    return label


def grouped_key(secret: str) -> str:
    """The key in groups of four, as authenticator apps show and accept it."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


class OwnerSetupWizard(QWidget):
    sig_finished = Signal()
    """The owner account exists with 2FA on, and the owner is signed in."""

    ACCOUNT, TWO_FACTOR, CODES = 0, 1, 2
    STEP_NAMES = ("Your account", "Two-factor sign-in", "Recovery codes")

    def __init__(self, account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self.progress = QLabel()
        self.progress.setProperty("role", "section")
        self.pages = FittingStack()
        for page in (self._account_page(), self._two_factor_page(), self._codes_page()):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.progress)
        layout.addWidget(self.pages)
        self._go(self.ACCOUNT)

    # --- step 1: the account ------------------------------------------------------------------------
    def _account_page(self) -> QWidget:
        page = QWidget()
        self.name = QLineEdit()
        self.name.setAccessibleName("Your name")
        self.email = QLineEdit()
        self.email.setAccessibleName("Email")
        self.email.setPlaceholderText("you@example.com")
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.textChanged.connect(self._on_password_text_changed)
        self.meter = PasswordStrengthMeter()
        self.repeat = QLineEdit()
        self.repeat.setAccessibleName("Password again")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.account_error = ErrorLabel()
        self.create_button = QPushButton("&Create account")
        self.create_button.setProperty("role", "primary")
        self.create_button.clicked.connect(self._on_create_button_clicked)
        for field in (self.name, self.email, self.password, self.repeat):
            field.returnPressed.connect(self._on_create_button_clicked)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Email", self.email)
        form.addRow("&Password", self.password)
        form.addRow("", self.meter)
        form.addRow("&Again", self.repeat)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_heading("Welcome to Ultimate Marketing Team"))
        layout.addWidget(_words("Create the owner account. It signs in to this workspace and manages it."))
        layout.addLayout(form)
        layout.addWidget(self.account_error)
        layout.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        return page

    def _on_password_text_changed(self, text: str) -> None:
        self.meter.set_password(text, (self.name.text(), self.email.text()))

    def _field_problem(self) -> tuple[QLineEdit, str] | None:
        if not self.name.text().strip():
            return self.name, "Enter your name."
        if "@" not in self.email.text():
            return self.email, "Enter your email address."
        strength = self.meter.set_password(self.password.text(), (self.name.text(), self.email.text()))
        if not strength.acceptable:
            return self.password, f"Choose a stronger password: {strength.advice}."
        if self.repeat.text() != self.password.text():
            return self.repeat, "The two passwords differ."
        return None

    def _on_create_button_clicked(self) -> None:
        if not self.create_button.isEnabled():
            return
        problem = self._field_problem()
        if problem is not None:
            field, message = problem
            self.account_error.show_error(message)
            field.setFocus()
            return
        self.account_error.show_error("")
        self.create_button.setEnabled(False)
        self.create_button.setText("Creating…")
        self.account.setup_owner(self.name.text().strip(), self.email.text().strip(), self.password.text(),
                                 self._on_account_owner_created, self._on_account_problem)

    def _on_account_owner_created(self, _result) -> None:
        self.password.clear()
        self.repeat.clear()
        self._go(self.TWO_FACTOR)
        self.account.enrol_totp(self.show_enrolment, self._on_two_factor_problem)

    def _on_account_problem(self, problem) -> None:
        self.create_button.setEnabled(True)
        self.create_button.setText("&Create account")
        field = {"name": self.name, "email": self.email, "password": self.password}.get(problem.field or "")
        self.account_error.show_error(problem.message)
        (field or self.email).setFocus()

    # --- step 2: two-factor sign-in -----------------------------------------------------------------
    def _two_factor_page(self) -> QWidget:
        page = QWidget()
        self.qr = QrCodeLabel()
        self.qr.setMinimumSize(200, 200)
        self.key = QLabel("Preparing…")
        self.key.setAccessibleName("Key for the authenticator app")
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse |
                                         Qt.TextInteractionFlag.TextSelectableByKeyboard)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.key.setFont(font)
        self.key.setWordWrap(True)
        self.copy_key = QPushButton("Copy &key")
        self.copy_key.clicked.connect(self._on_copy_key_clicked)
        self.code = QLineEdit()
        self.code.setAccessibleName("Code from the authenticator app")
        self.code.setPlaceholderText("123 456")
        self.code.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9 ]{0,7}")))
        self.code.returnPressed.connect(self._on_confirm_button_clicked)
        self.two_factor_error = ErrorLabel()
        self.confirm_button = QPushButton("C&onfirm")
        self.confirm_button.setProperty("role", "primary")
        self.confirm_button.setEnabled(False)
        self.confirm_button.clicked.connect(self._on_confirm_button_clicked)
        key_column = QVBoxLayout()
        key_column.addWidget(_words("1. Scan the code with an authenticator app (Google Authenticator, "
                                    "1Password, Aegis, …), or type this key into it:"))
        key_column.addWidget(self.key)
        key_column.addWidget(self.copy_key, 0, Qt.AlignmentFlag.AlignLeft)
        key_column.addSpacing(12)
        key_column.addWidget(_words("2. Enter the 6-digit code the app shows:"))
        key_column.addWidget(self.code)
        key_column.addWidget(self.two_factor_error)
        key_column.addStretch(1)
        key_column.addWidget(self.confirm_button, 0, Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout()
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(key_column, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_heading("Turn on two-factor sign-in"))
        layout.addWidget(_words("Signing in will ask for a code from your phone as well as your password."))
        layout.addLayout(row)
        return page

    def show_enrolment(self, enrolment) -> None:
        self.qr.set_text(enrolment.otpauth_uri)
        self.secret = enrolment.secret
        self.key.setText(grouped_key(enrolment.secret))
        self.confirm_button.setEnabled(True)
        self.code.setFocus()

    def _on_copy_key_clicked(self) -> None:
        QGuiApplication.clipboard().setText(getattr(self, "secret", ""))

    def _on_confirm_button_clicked(self) -> None:
        code = self.code.text().replace(" ", "")
        if not self.confirm_button.isEnabled():
            return
        if len(code) != 6:
            self.two_factor_error.show_error("Enter the 6 digits the app shows.")
            return
        self.confirm_button.setEnabled(False)
        self.account.confirm_totp(code, self.show_codes, self._on_two_factor_problem)

    def _on_two_factor_problem(self, problem) -> None:
        self.confirm_button.setEnabled(bool(self.qr.text_encoded))
        self.two_factor_error.show_error(problem.message)
        self.code.selectAll()
        self.code.setFocus()

    # --- step 3: recovery codes ---------------------------------------------------------------------
    def _codes_page(self) -> QWidget:
        page = QWidget()
        self.codes = RecoveryCodesView()
        self.codes.sig_save_requested.connect(self._on_codes_save_requested)
        self.stored = QCheckBox("I have &stored these codes somewhere safe")
        self.stored.toggled.connect(self._on_stored_toggled)
        self.remember = QCheckBox("&Remember me on this computer")
        self.finish_button = QPushButton("&Open the workspace")
        self.finish_button.setProperty("role", "primary")
        self.finish_button.setEnabled(False)
        self.finish_button.clicked.connect(self._on_finish_button_clicked)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_heading("Keep your recovery codes"))
        words = _words("If you lose your phone, each of these codes signs you in once instead of a\n"
                       "code from the app. They are shown only now: copy them or save them to a file.")
        # Two set lines, not wrapped: a wrapped label's minimum is one line, and when the card was
        # laid out at its minimum (after a theme change) the second line took the codes' room.
        words.setWordWrap(False)
        layout.addWidget(words)
        layout.addWidget(self.codes)
        layout.addWidget(self.stored)
        layout.addWidget(self.remember)
        layout.addStretch(1)
        layout.addWidget(self.finish_button, 0, Qt.AlignmentFlag.AlignRight)
        return page

    def show_codes(self, codes: list[str]) -> None:
        self.code.clear()
        self.codes.set_codes(codes)
        self._go(self.CODES)
        self.codes.copy_button.setFocus()

    def set_remember_available(self, available: bool) -> None:
        self.remember.setEnabled(available)
        if not available:
            self.remember.setChecked(False)
        self.remember.setToolTip("" if available else NO_KEYRING)

    def _on_codes_save_requested(self, path: str, text: str) -> None:
        self.account.save_text(path, text, lambda _: self.codes.show_saved(path),
                               lambda problem: self.codes.show_problem(f"Could not save: {problem.message}"))

    def _on_stored_toggled(self, stored: bool) -> None:
        self.finish_button.setEnabled(stored)

    def _on_finish_button_clicked(self) -> None:
        self.account.finish_setup(self.remember.isChecked())
        self.reset()
        self.sig_finished.emit()

    def reset(self) -> None:
        """Back to the first step, empty: the codes are shown once and not kept in the window."""
        self.codes.set_codes([])
        self.stored.setChecked(False)
        self.qr.set_text("")
        self.key.setText("Preparing…")
        self.secret = ""
        self.confirm_button.setEnabled(False)
        self.create_button.setEnabled(True)
        self.create_button.setText("&Create account")
        for field in (self.password, self.repeat, self.code):
            field.clear()
        self._go(self.ACCOUNT)

    # --- moving on ----------------------------------------------------------------------------------
    def _go(self, step: int) -> None:
        self.pages.setCurrentIndex(step)
        self.progress.setText(f"Step {step + 1} of 3 · {self.STEP_NAMES[step]}")
        self.progress.setAccessibleName(self.progress.text())
        if step == self.ACCOUNT:
            self.name.setFocus()

    @property
    def step(self) -> int:
        return self.pages.currentIndex()
