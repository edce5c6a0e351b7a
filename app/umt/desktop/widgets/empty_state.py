"""What an empty page shows: what the place is for, and the one next thing to do.

Every section without content yet (the stack stopped, nobody signed in, no brand created) shows
one of these instead of a blank area (DESIGN.md, 'The workspace, as an owner meets it')."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

TEXT_WIDTH = 460


class EmptyState(QWidget):
    sig_action_requested = Signal(str)
    """The owner pressed the action button: the action's key (as given to set_action)."""

    def __init__(self, title: str = "", text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._action_key = ""
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.hide()
        self.title = QLabel(title)
        self.title.setProperty("role", "empty-title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.text = QLabel(text)
        self.text.setProperty("role", "muted")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.status = QLabel()
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.status.hide()
        self.action = QPushButton()
        self.action.setProperty("role", "primary")
        self.action.setCursor(Qt.CursorShape.PointingHandCursor)
        self.action.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.action.clicked.connect(self._on_action_clicked)
        self.action.hide()

        column = QWidget()  # a fixed-width column: wrapped text gets its full height
        column.setFixedWidth(TEXT_WIDTH)
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(10)
        inner.addWidget(self.picture)
        inner.addWidget(self.title)
        inner.addWidget(self.text)
        inner.addSpacing(4)
        inner.addWidget(self.status)
        inner.addWidget(self.action, 0, Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(column, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)

    def set_icon(self, icon: QIcon | None, size: int = 56) -> None:
        if icon is None:
            self.picture.hide()
            return
        self.picture.setPixmap(icon.pixmap(QSize(size, size)))
        self.picture.show()

    def set_message(self, title: str, text: str) -> None:
        self.title.setText(title)
        self.text.setText(text)

    def set_status(self, text: str) -> None:
        """A line about the current situation ('The stack is stopped.'), or '' for none."""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def set_action(self, text: str | None, key: str = "") -> None:
        """Offers one action (its button says `text`; pressing it emits `key`), or none."""
        self._action_key = key
        self.action.setText(text or "")
        self.action.setAccessibleName(text or "")
        self.action.setVisible(bool(text))

    @property
    def action_key(self) -> str:
        return self._action_key if self.action.isVisibleTo(self) else ""

    def _on_action_clicked(self) -> None:
        self.sig_action_requested.emit(self._action_key)
