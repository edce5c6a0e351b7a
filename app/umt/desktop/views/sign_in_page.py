"""The workspace's sign-in page, which a section shows while nobody is signed in (views/
section_placeholder.py, SessionGatedPage): the stack is stopped (say so, offer Start), the gateway
is being reached, the owner has to be set up (the wizard), or sign in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from umt.desktop.widgets.fitting_stack import FittingStack
from umt.desktop.views.owner_setup import OwnerSetupWizard
from umt.desktop.views.sign_in_form import SignInForm


class SignInPage(QWidget):
    sig_start_requested = Signal()
    """The owner pressed Start: the app starts the stack."""

    STATUS, SETUP, SIGN_IN = 0, 1, 2

    def __init__(self, session, account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.account = account
        self.setAccessibleName("Sign in")
        self.card = QFrame()
        self.card.setProperty("role", "card")
        self.card.setFixedWidth(600)
        self.pages = FittingStack()
        self.pages.addWidget(self._status_page())
        self.wizard = OwnerSetupWizard(account)
        self.pages.addWidget(self.wizard)
        self.pages.addWidget(self._sign_in_page())
        card_layout = QVBoxLayout(self.card)
        card_layout.setContentsMargins(28, 24, 28, 24)
        card_layout.addWidget(self.pages)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.card, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        session.sig_state_changed.connect(self._on_session_state_changed)
        self._on_session_state_changed(session.state)

    def _status_page(self) -> QWidget:
        page = QWidget()
        self.status_title = QLabel()
        self.status_title.setProperty("role", "title")
        self.status_message = QLabel()
        self.status_message.setWordWrap(True)
        self.status_busy = QProgressBar()
        self.status_busy.setRange(0, 0)
        self.status_busy.setTextVisible(False)
        self.status_busy.setMaximumHeight(8)
        self.status_busy.setAccessibleName("Working")
        self.start_button = QPushButton("&Start the stack")
        self.start_button.setProperty("role", "primary")
        self.start_button.clicked.connect(self.sig_start_requested)
        self.retry_button = QPushButton("&Try again")
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status_title)
        layout.addWidget(self.status_message)
        layout.addWidget(self.status_busy)
        layout.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignLeft)
        return page

    def _sign_in_page(self) -> QWidget:
        page = QWidget()
        title = QLabel("Sign in")
        title.setProperty("role", "title")
        self.sign_in_message = QLabel()
        self.sign_in_message.setProperty("role", "muted")
        self.sign_in_message.setWordWrap(True)
        self.form = SignInForm(self.account)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.sign_in_message)
        layout.addWidget(self.form)
        return page

    # --- rendering the session ----------------------------------------------------------------------
    def _on_session_state_changed(self, state) -> None:
        self.wizard.set_remember_available(state.remember_available)
        self.form.set_remember_available(state.remember_available)
        if state.gateway_url is None:
            self._show_status("Your workspace is not running" if state.can_start else "Please wait", state.message,
                              start=state.can_start, busy=not state.can_start)
        elif state.setup_required is None:
            connecting = state.message == "Connecting to the gateway…"
            self._show_status("Connecting" if connecting else "The gateway does not answer", state.message,
                              busy=connecting, retry=not connecting)
        elif state.setup_required or self.pages.currentIndex() == self.SETUP and self.wizard.step != 0:
            # The wizard goes on to its end even though the account now exists.
            self._show(self.SETUP)
        elif not state.signed_in:
            was = self.pages.currentIndex()
            self.sign_in_message.setText("" if state.message == "Sign in to continue." else state.message)
            self.sign_in_message.setVisible(bool(self.sign_in_message.text()))
            self._show(self.SIGN_IN)
            if was != self.SIGN_IN:
                self.form.reset(self.session.last_email)

    def _show_status(self, title: str, message: str, *, start: bool = False, busy: bool = False,
                     retry: bool = False) -> None:
        self.status_title.setText(title)
        self.status_message.setText(message)
        self.start_button.setVisible(start)
        self.status_busy.setVisible(busy)
        self.retry_button.setVisible(retry)
        self._show(self.STATUS)

    def _show(self, index: int) -> None:
        if self.pages.currentIndex() != index:
            self.pages.setCurrentIndex(index)

    def _on_retry_button_clicked(self) -> None:
        self.session.refresh()
