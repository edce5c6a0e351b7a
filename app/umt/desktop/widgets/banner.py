"""A banner across the top of the window: what is wrong in plain words, and one action."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout


class Banner(QFrame):
    sig_action_requested = Signal()
    """The owner pressed the banner's action button."""

    sig_dismissed = Signal()
    """The owner closed the banner."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setProperty("role", "banner")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: 600;")
        self.advice = QLabel()
        self.advice.setWordWrap(True)
        self.action = QPushButton()
        self.action.clicked.connect(self.sig_action_requested)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide this message")
        self.close_button.clicked.connect(self._on_close_button_clicked)
        words = QVBoxLayout()
        words.addWidget(self.summary)
        words.addWidget(self.advice)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 10, 10)
        layout.addLayout(words, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(self, summary: str, advice: str, action: str = "", severity: str = "warning") -> None:
        self.summary.setText(summary)
        self.advice.setText(advice)
        self.advice.setVisible(bool(advice))
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self.setProperty("severity", severity)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def _on_close_button_clicked(self) -> None:
        self.hide()
        self.sig_dismissed.emit()
