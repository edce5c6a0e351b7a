"""Signing in: email and password, then a code from the authenticator app or a recovery code.

Used by the sign-in page and by "sign in again" when a session expired. The steps run through the
AccountController; a refusal shows the gateway's own words, a lockout a countdown."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from umt.desktop.widgets.fitting_stack import FittingStack
from umt.desktop.widgets.countdown import CountdownLabel
from umt.desktop.widgets.field_errors import ErrorLabel

NO_KEYRING = ("No keyring protects secrets on this computer, so umt does not keep your session: "
              "you sign in at each start.")


class SignInForm(QWidget):
    sig_signed_in = Signal()
    """The owner is signed in (the session controller publishes the new state too)."""

    PASSWORD_STEP, CODE_STEP = 0, 1

    def __init__(self, account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self.steps = FittingStack()
        self.steps.addWidget(self._password_step())
        self.steps.addWidget(self._code_step())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.steps)
        self._busy = False

    # --- building ---------------------------------------------------------------------------------
    def _password_step(self) -> QWidget:
        page = QWidget()
        self.email = QLineEdit()
        self.email.setAccessibleName("Email")
        self.email.setPlaceholderText("you@example.com")
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("&Remember me on this computer")
        self.remember.setAccessibleDescription("Keeps your session in the system keyring, never in a file.")
        self.password_error = ErrorLabel()
        self.password_countdown = CountdownLabel()
        self.password_countdown.setProperty("role", "error")
        self.password_countdown.sig_finished.connect(self._on_countdown_finished)
        self.sign_in_button = QPushButton("Sign &in")
        self.sign_in_button.setProperty("role", "primary")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._on_sign_in_button_clicked)
        for field in (self.email, self.password):
            field.returnPressed.connect(self._on_sign_in_button_clicked)
        form = QFormLayout()
        form.addRow("&Email", self.email)
        form.addRow("&Password", self.password)
        form.addRow("", self.remember)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.password_error)
        layout.addWidget(self.password_countdown)
        layout.addWidget(self.sign_in_button, 0, Qt.AlignmentFlag.AlignRight)
        return page

    def _code_step(self) -> QWidget:
        page = QWidget()
        self.code_prompt = QLabel()
        self.code_prompt.setWordWrap(True)
        self.code = QLineEdit()
        self.code.setAccessibleName("Authentication code")
        self.code.setPlaceholderText("123 456")
        self.code.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9 ]{0,7}")))
        self.code.setMaxLength(7)
        self.recovery = QLineEdit()
        self.recovery.setAccessibleName("Recovery code")
        self.recovery.setPlaceholderText("xxxx-xxxx-xxxx")
        self.recovery.setMaxLength(40)
        self.toggle_recovery = QPushButton()
        self.toggle_recovery.setFlat(True)
        self.toggle_recovery.setProperty("role", "link")
        self.toggle_recovery.clicked.connect(self._on_toggle_recovery_clicked)
        self.code_error = ErrorLabel()
        self.code_countdown = CountdownLabel()
        self.code_countdown.setProperty("role", "error")
        self.code_countdown.sig_finished.connect(self._on_countdown_finished)
        self.back_button = QPushButton("&Back")
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.verify_button = QPushButton("&Verify")
        self.verify_button.setProperty("role", "primary")
        self.verify_button.clicked.connect(self._on_verify_button_clicked)
        for field in (self.code, self.recovery):
            field.returnPressed.connect(self._on_verify_button_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.verify_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.code_prompt)
        layout.addWidget(self.code)
        layout.addWidget(self.recovery)
        layout.addWidget(self.toggle_recovery, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.code_error)
        layout.addWidget(self.code_countdown)
        layout.addLayout(buttons)
        self._use_recovery(False)
        return page

    # --- what the page and the dialog call ----------------------------------------------------------
    def reset(self, email: str = "") -> None:
        """Back to the password step, fields empty (the email kept or given)."""
        if email:
            self.email.setText(email)
        self.password.clear()
        self.code.clear()
        self.recovery.clear()
        self._show_error(self.password_error, "")
        self._show_error(self.code_error, "")
        self.account.cancel_sign_in()
        self._use_recovery(False)
        self.steps.setCurrentIndex(self.PASSWORD_STEP)
        self.focus_first_field()

    def focus_first_field(self) -> None:
        if self.steps.currentIndex() == self.CODE_STEP:
            (self.recovery if self.recovery_mode else self.code).setFocus()
        else:
            (self.password if self.email.text() else self.email).setFocus()

    def set_remember_available(self, available: bool) -> None:
        self.remember.setEnabled(available)
        if not available:
            self.remember.setChecked(False)
        self.remember.setToolTip("" if available else NO_KEYRING)

    # --- steps ----------------------------------------------------------------------------------------
    def _on_sign_in_button_clicked(self) -> None:
        if self._busy or self.password_countdown.running:
            return
        email, password = self.email.text().strip(), self.password.text()
        if not email or not password:
            self._show_error(self.password_error, "Enter your email and password.")
            (self.email if not email else self.password).setFocus()
            return
        self._set_busy(True)
        self.account.sign_in(email, password, self.remember.isChecked(), self._on_account_signed_in_step,
                             self._on_password_problem)

    def _on_account_signed_in_step(self, needs_code: bool) -> None:
        self._set_busy(False)
        self._show_error(self.password_error, "")
        if needs_code:
            self.code_prompt.setText("Enter the 6-digit code from your authenticator app.")
            self.steps.setCurrentIndex(self.CODE_STEP)
            self.focus_first_field()
        else:
            self.password.clear()
            self.sig_signed_in.emit()

    def _on_password_problem(self, problem) -> None:
        self._set_busy(False)
        self._show_problem(problem, self.password_error, self.password_countdown)
        self.password.selectAll()
        self.password.setFocus()

    def _on_verify_button_clicked(self) -> None:
        if self._busy or self.code_countdown.running:
            return
        using_recovery = self.recovery_mode
        value = (self.recovery.text() if using_recovery else self.code.text().replace(" ", "")).strip()
        if not value:
            self._show_error(self.code_error, "Enter a recovery code." if using_recovery else "Enter the code.")
            return
        self._set_busy(True)
        if using_recovery:
            self.account.second_factor(self._on_account_second_factor_done, self._on_code_problem, recovery_code=value)
        else:
            self.account.second_factor(self._on_account_second_factor_done, self._on_code_problem, code=value)

    def _on_account_second_factor_done(self, _result) -> None:
        self._set_busy(False)
        self.password.clear()
        self.code.clear()
        self.recovery.clear()
        self._show_error(self.code_error, "")
        self.steps.setCurrentIndex(self.PASSWORD_STEP)
        self.sig_signed_in.emit()

    def _on_code_problem(self, problem) -> None:
        self._set_busy(False)
        if problem.code == "bad_challenge":     # too slow: the password step again, saying why
            self.steps.setCurrentIndex(self.PASSWORD_STEP)
            self.password.clear()
            self._show_problem(problem, self.password_error, self.password_countdown)
            self.password.setFocus()
            return
        self._show_problem(problem, self.code_error, self.code_countdown)
        field = self.recovery if self.recovery_mode else self.code
        field.selectAll()
        field.setFocus()

    def _on_back_button_clicked(self) -> None:
        self.account.cancel_sign_in()
        self.code_countdown.stop()
        self.steps.setCurrentIndex(self.PASSWORD_STEP)
        self.password.clear()
        self._update_buttons()
        self.focus_first_field()

    def _on_toggle_recovery_clicked(self) -> None:
        self._use_recovery(not self.recovery_mode)
        self.focus_first_field()

    def _use_recovery(self, recovery: bool) -> None:
        self.recovery_mode = recovery
        self.code.setVisible(not recovery)
        self.recovery.setVisible(recovery)
        self.toggle_recovery.setText("Use the authenticator &app instead" if recovery
                                     else "Use a &recovery code instead")
        self.code_prompt.setText("Enter one of your recovery codes. Each works once." if recovery
                                 else "Enter the 6-digit code from your authenticator app.")
        self._show_error(self.code_error, "")

    # --- showing ----------------------------------------------------------------------------------
    def _show_problem(self, problem, error: QLabel, countdown: CountdownLabel) -> None:
        if problem.retry_after:
            self._show_error(error, "")
            countdown.start(problem.retry_after, "Too many failed sign-ins. Try again in {wait}.")
        else:
            self._show_error(error, problem.message)
        self._update_buttons()

    def _on_countdown_finished(self) -> None:
        label = self.password_error if self.steps.currentIndex() == self.PASSWORD_STEP else self.code_error
        self._show_error(label, "You can try again now.", role="muted")
        self._update_buttons()

    @staticmethod
    def _show_error(label: QLabel, text: str, role: str = "error") -> None:
        if label.property("role") != role:
            label.setProperty("role", role)
            label.style().unpolish(label)
            label.style().polish(label)
        label.setText(text)
        label.setAccessibleName(text)
        label.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()
        self.sign_in_button.setText("Signing in…" if busy and self.steps.currentIndex() == 0 else "Sign &in")
        self.verify_button.setText("Checking…" if busy and self.steps.currentIndex() == 1 else "&Verify")

    def _update_buttons(self) -> None:
        self.sign_in_button.setEnabled(not self._busy and not self.password_countdown.running)
        self.verify_button.setEnabled(not self._busy and not self.code_countdown.running)
