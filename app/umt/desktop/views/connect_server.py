"""The "Connect to a server" dialog: the server's address and whom to trust for its certificate
(the system's trust store, or a certificate file the owner pins). It asks; the app's
ServerController checks and connects, and the dialog shows its answer where it belongs."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QDialog, QFileDialog, QHBoxLayout, QLabel, QLayout, QLineEdit, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)


class ConnectServerDialog(QDialog):
    sig_connect_requested = Signal(str, str)
    """Connect to this address, trusting this certificate file ('': the system's trust store)."""

    def __init__(self, address: str = "", certificate: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to a server")
        self.setAccessibleName("Connect to a server")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        title = QLabel("Connect to a server")
        title.setProperty("role", "title")
        words = QLabel("Work with the umt stack that runs on your server instead of the one on this computer. "
                       "You sign in there as you do here, with your password and your authenticator app.")
        words.setWordWrap(True)
        words.setProperty("role", "muted")

        self.address = QLineEdit(address)
        self.address.setPlaceholderText("https://umt.example.com")
        self.address.setAccessibleName("Server address")
        address_label = QLabel("Server &address")
        address_label.setBuddy(self.address)

        trust_label = QLabel("Trust the server's certificate when it is signed by")
        self.system_trust = QRadioButton("an authority this computer trusts (the system's trust store)")
        self.pinned_trust = QRadioButton("the certificate in this file (pinned):")
        self.trust_group = QButtonGroup(self)
        self.trust_group.addButton(self.system_trust)
        self.trust_group.addButton(self.pinned_trust)
        self.certificate = QLineEdit(certificate)
        self.certificate.setPlaceholderText("The server's certificate, or its authority's (PEM)")
        self.certificate.setAccessibleName("Pinned certificate file")
        self.browse_button = QPushButton("&Choose…")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        pinned_row = QHBoxLayout()
        pinned_row.setContentsMargins(24, 0, 0, 0)
        pinned_row.addWidget(self.certificate, 1)
        pinned_row.addWidget(self.browse_button)
        (self.pinned_trust if certificate else self.system_trust).setChecked(True)
        self.pinned_trust.toggled.connect(self._on_pinned_trust_toggled)
        self._on_pinned_trust_toggled(bool(certificate))

        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.connect_button = QPushButton("C&onnect")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.connect_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(words)
        layout.addSpacing(6)
        layout.addWidget(address_label)
        layout.addWidget(self.address)
        layout.addSpacing(6)
        layout.addWidget(trust_label)
        layout.addWidget(self.system_trust)
        layout.addWidget(self.pinned_trust)
        layout.addLayout(pinned_row)
        layout.addWidget(self.error)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)
        # Wrapped words (the introduction, an error) get the height they need at this width.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)

    # --- what the app tells the dialog ------------------------------------------------------------
    def show_error(self, message: str) -> None:
        """Connecting failed: say why, keep what was typed, let the owner try again."""
        self.error.setText(message)
        self.error.show()
        self._set_busy(False)
        self.adjustSize()

    def show_connected(self) -> None:
        self._set_busy(False)
        self.accept()

    # --- what the owner does ------------------------------------------------------------------------
    def _on_connect_button_clicked(self) -> None:
        self.error.hide()
        self._set_busy(True)
        certificate = self.certificate.text().strip() if self.pinned_trust.isChecked() else ""
        if self.pinned_trust.isChecked() and not certificate:
            self.show_error("Choose the certificate file to trust, or trust the system's authorities.")
            return
        self.sig_connect_requested.emit(self.address.text().strip(), certificate)

    def _on_browse_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The server's certificate", self.certificate.text(),
                                              "Certificates (*.pem *.crt *.cer);;All files (*)")
        if path:
            self.certificate.setText(path)
            self.pinned_trust.setChecked(True)

    def _on_pinned_trust_toggled(self, pinned: bool) -> None:
        self.certificate.setEnabled(pinned)

    def _set_busy(self, busy: bool) -> None:
        self.connect_button.setEnabled(not busy)
        self.address.setEnabled(not busy)
        self.status.setText("Connecting…" if busy else "")
