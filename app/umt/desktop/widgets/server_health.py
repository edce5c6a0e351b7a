"""The control center's card while connected to a server: where, whom the connection trusts, and
the server's health, read-only. The server's stack is its administrator's to start and stop, so
there is no Start or Stop here; only going back to this computer's stack."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout

_TITLES = {"ready": "Connected to the server", "degraded": "Connected, with a service down",
           "not ready": "The server is not ready", "unreachable": "The server does not answer"}
_CHECK_NAMES = {"database": "Database", "agent": "Agent"}


class ServerHealthCard(QFrame):
    sig_disconnect_requested = Signal()
    """The owner wants to work with this computer's stack again."""

    sig_refresh_requested = Signal()
    """The owner asked to look at the server's health now."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setAccessibleName("Server health")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.address = QLabel()
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.trust = QLabel()
        self.trust.setWordWrap(True)
        self.trust.setProperty("role", "muted")
        self.version = QLabel()
        self.checks = QFormLayout()
        self.checks.setContentsMargins(0, 4, 0, 0)
        self.refresh_button = QPushButton("Check &now")
        self.refresh_button.clicked.connect(self.sig_refresh_requested)
        self.disconnect_button = QPushButton("Use &this computer's stack")
        self.disconnect_button.clicked.connect(self.sig_disconnect_requested)
        note = QLabel("The server's services are started and stopped on the server.")
        note.setProperty("role", "muted")
        note.setWordWrap(True)

        facts = QFormLayout()
        facts.addRow("Address", self.address)
        facts.addRow("Trusting", self.trust)
        facts.addRow("Version", self.version)
        words = QVBoxLayout()
        words.setSpacing(4)
        words.addWidget(self.title)
        words.addWidget(self.detail)
        words.addLayout(facts)
        words.addLayout(self.checks)
        words.addWidget(note)
        buttons = QVBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.disconnect_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.addLayout(words, 1)
        layout.addLayout(buttons)

    def show_health(self, health) -> None:
        """A ServerHealth (umt.desktop.controllers.server)."""
        self.title.setText(_TITLES.get(health.status, "Connecting to the server…"))
        self.title.setProperty("state", "ok" if health.status == "ready" else "bad")
        self.detail.setText(health.message)
        self.detail.setVisible(bool(health.message))
        self.address.setText(health.url)
        self.trust.setText(health.trust)
        self.version.setText(health.version or "—")
        while self.checks.rowCount():
            self.checks.removeRow(0)
        for name, value in health.checks.items():
            answer = QLabel("OK" if value == "ok" else str(value))
            answer.setAccessibleName(f"{_CHECK_NAMES.get(name, name)}: {answer.text()}")
            self.checks.addRow(_CHECK_NAMES.get(name, name.capitalize()), answer)
