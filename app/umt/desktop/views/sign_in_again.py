"""When a session expires mid-work: a dialog over the current window asks to sign in again. The
page underneath stays as it is, with whatever the owner was typing; once signed in, the work goes
on (save again). "Sign out" instead lets the sign-in page take over."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from umt.desktop.views.sign_in_form import SignInForm


class SignInAgainDialog(QDialog):
    def __init__(self, session, account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.account = account
        self.setWindowTitle("Sign in again")
        self.setProperty("fits_content", True)
        self.setAccessibleName("Sign in again")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        title = QLabel("Your session has expired")
        title.setProperty("role", "title")
        words = QLabel("Sign in again to go on. Nothing you typed is lost: save again once you are signed in.")
        words.setWordWrap(True)
        words.setProperty("role", "muted")
        self.form = SignInForm(account)
        self.form.sig_signed_in.connect(self.accept)
        self.sign_out_button = QPushButton("Sign &out instead")
        self.sign_out_button.setAutoDefault(False)
        self.sign_out_button.clicked.connect(self._on_sign_out_button_clicked)
        bottom = QHBoxLayout()
        bottom.addWidget(self.sign_out_button)
        bottom.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(title)
        layout.addWidget(words)
        layout.addWidget(self.form)
        layout.addLayout(bottom)
        self.setMinimumWidth(460)
        self.form.set_remember_available(session.state.remember_available)
        self.form.remember.setChecked(session.remembered)
        self.form.reset(session.last_email)

    def _on_sign_out_button_clicked(self) -> None:
        self.session.signed_out("Signed out.")
        self.reject()


class SessionExpiryPrompter(QObject):
    """Opens one SignInAgainDialog over the active window whenever the session expires."""

    def __init__(self, session, account, window: Callable[[], QWidget | None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.account = account
        self._window = window or QApplication.activeWindow
        self.dialog: SignInAgainDialog | None = None
        session.sig_session_expired.connect(self._on_session_session_expired)
        session.sig_state_changed.connect(self._on_session_state_changed)

    def _on_session_session_expired(self) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return
        self.dialog = SignInAgainDialog(self.session, self.account, self._window())
        self.dialog.finished.connect(self._on_dialog_finished)
        self.dialog.open()
        self.dialog.form.focus_first_field()

    def _on_dialog_finished(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    def _on_session_state_changed(self, state) -> None:
        # Stopped stack, or signed in elsewhere in the app: the dialog has nothing left to do.
        if self.dialog is not None and (state.signed_in or state.gateway_url is None):
            self.dialog.accept()
