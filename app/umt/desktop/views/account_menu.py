"""The signed-in owner's menu: who is signed in, Change password…, New recovery codes…, Sign out."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QAction, QRegularExpressionValidator
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QMenu, QPushButton,
                               QToolButton, QVBoxLayout, QWidget)

from umt.desktop.widgets.fitting_stack import FittingStack
from umt.desktop.widgets.password_strength import PasswordStrengthMeter
from umt.desktop.widgets.recovery_codes import RecoveryCodesView
from umt.desktop.widgets.field_errors import ErrorLabel


def _user_field(user, name: str) -> str:
    if user is None:
        return ""
    return str(getattr(user, name, "") or "")


class AccountButton(QToolButton):
    """A tool button with the owner's name; its menu holds the account's actions."""

    def __init__(self, session, account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.account = account
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setAccessibleName("Account")
        self.setProperty("role", "account")
        self.menu_ = QMenu(self)
        self.who = QAction(self.menu_)
        self.who.setEnabled(False)
        self.menu_.addAction(self.who)
        self.menu_.addSeparator()
        self.change_password_action = self.menu_.addAction("Change &password…", self.open_change_password)
        self.recovery_codes_action = self.menu_.addAction("New &recovery codes…", self.open_recovery_codes)
        self.menu_.addSeparator()
        self.sign_out_action = self.menu_.addAction("Sign &out", self.sign_out)
        self.setMenu(self.menu_)
        self.dialog: QDialog | None = None
        session.sig_state_changed.connect(self._on_session_state_changed)
        self._on_session_state_changed(session.state)

    def _on_session_state_changed(self, state) -> None:
        self.setVisible(state.signed_in)
        name, email = _user_field(state.user, "name"), _user_field(state.user, "email")
        self.setText(name or "Account")
        self.who.setText(f"Signed in as {email}" if email else "")
        self.recovery_codes_action.setEnabled(_user_field(state.user, "totp_enabled") == "True")

    def open_change_password(self) -> "ChangePasswordDialog":
        self.dialog = ChangePasswordDialog(self.account, self.session.state.user, self.window())
        self.dialog.open()
        return self.dialog

    def open_recovery_codes(self) -> "NewRecoveryCodesDialog":
        self.dialog = NewRecoveryCodesDialog(self.account, self.window())
        self.dialog.open()
        return self.dialog

    def sign_out(self) -> None:
        self.account.sign_out()


class ChangePasswordDialog(QDialog):
    def __init__(self, account, user, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self._hints = (_user_field(user, "name"), _user_field(user, "email"))
        self.setWindowTitle("Change password")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.current = QLineEdit()
        self.current.setAccessibleName("Current password")
        self.new = QLineEdit()
        self.new.setAccessibleName("New password")
        self.meter = PasswordStrengthMeter()
        self.new.textChanged.connect(lambda text: self.meter.set_password(text, self._hints))
        self.repeat = QLineEdit()
        self.repeat.setAccessibleName("New password again")
        for field in (self.current, self.new, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.change_button = self.buttons.addButton("&Change password", QDialogButtonBox.ButtonRole.AcceptRole)
        self.change_button.setDefault(True)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Current password", self.current)
        form.addRow("&New password", self.new)
        form.addRow("", self.meter)
        form.addRow("&Again", self.repeat)
        note = QLabel("Every other device where you are signed in will be signed out.")
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def _on_buttons_accepted(self) -> None:
        strength = self.meter.set_password(self.new.text(), self._hints)
        if not self.current.text():
            self.error.show_error("Enter your current password.")
            self.current.setFocus()
        elif not strength.acceptable:
            self.error.show_error(f"Choose a stronger password: {strength.advice}.")
            self.new.setFocus()
        elif self.repeat.text() != self.new.text():
            self.error.show_error("The two new passwords differ.")
            self.repeat.setFocus()
        else:
            self.change_button.setEnabled(False)
            self.account.change_password(self.current.text(), self.new.text(), self._on_account_changed,
                                         self._on_account_problem)

    def _on_account_changed(self, _result) -> None:
        self.accept()

    def _on_account_problem(self, problem) -> None:
        self.change_button.setEnabled(True)
        self.error.show_error(problem.message)
        field = {"current_password": self.current, "new_password": self.new}.get(problem.field or "", self.current)
        field.selectAll()
        field.setFocus()


class NewRecoveryCodesDialog(QDialog):
    """A code from the authenticator app, then the ten new codes (the old ones stop working)."""

    def __init__(self, account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self.setWindowTitle("New recovery codes")
        self.setProperty("fits_content", True)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.pages = FittingStack()
        ask = QWidget()
        words = QLabel("New codes replace the old ones, which stop working. Enter the 6-digit code from your "
                       "authenticator app to confirm it is you.")
        words.setWordWrap(True)
        self.code = QLineEdit()
        self.code.setAccessibleName("Code from the authenticator app")
        self.code.setPlaceholderText("123 456")
        self.code.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9 ]{0,7}")))
        self.code.returnPressed.connect(self._on_make_button_clicked)
        self.error = ErrorLabel()
        self.make_button = QPushButton("&Make new codes")
        self.make_button.setProperty("role", "primary")
        self.make_button.clicked.connect(self._on_make_button_clicked)
        ask_layout = QVBoxLayout(ask)
        ask_layout.addWidget(words)
        ask_layout.addWidget(self.code)
        ask_layout.addWidget(self.error)
        ask_layout.addWidget(self.make_button, 0, Qt.AlignmentFlag.AlignRight)
        ask_layout.addStretch(1)
        shown = QWidget()
        self.codes = RecoveryCodesView()
        self.codes.sig_save_requested.connect(self._on_codes_save_requested)
        done = QPushButton("&Done")
        done.setProperty("role", "primary")
        done.clicked.connect(self.accept)
        shown_words = QLabel("Your new recovery codes, shown only now. Copy them or save them to a file.")
        shown_words.setWordWrap(True)
        shown_layout = QVBoxLayout(shown)
        shown_layout.addWidget(shown_words)
        shown_layout.addWidget(self.codes)
        shown_layout.addWidget(done, 0, Qt.AlignmentFlag.AlignRight)
        shown_layout.addStretch(1)
        self.pages.addWidget(ask)
        self.pages.addWidget(shown)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.setMinimumWidth(460)

    def _on_make_button_clicked(self) -> None:
        code = self.code.text().replace(" ", "")
        if len(code) != 6:
            self.error.show_error("Enter the 6 digits the app shows.")
            return
        self.make_button.setEnabled(False)
        self.account.regenerate_recovery_codes(code, self.show_codes, self._on_account_problem)

    def show_codes(self, codes: list[str]) -> None:
        self.codes.set_codes(codes)
        self.pages.setCurrentIndex(1)
        self.codes.copy_button.setFocus()

    def _on_account_problem(self, problem) -> None:
        self.make_button.setEnabled(True)
        self.error.show_error(problem.message)
        self.code.selectAll()
        self.code.setFocus()

    def _on_codes_save_requested(self, path: str, text: str) -> None:
        self.account.save_text(path, text, lambda _: self.codes.show_saved(path),
                               lambda problem: self.codes.show_problem(f"Could not save: {problem.message}"))
