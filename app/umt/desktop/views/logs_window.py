"""The logs window: one service's log (or the image build's), followed live, searchable,
copyable, in a bounded buffer."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QKeySequence, QShortcut, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from umt.desktop.controllers.stack import StackController
from umt.desktop.tasks import TaskHandle

MAX_LINES = 5000        # a long log stays responsive: the oldest lines go
INITIAL_TAIL = 500
DRAIN_INTERVAL_MS = 250  # followed lines are appended in batches, four times a second at most


class LogsWindow(QWidget):
    def __init__(self, controller: StackController, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("umt — logs")
        self.resize(900, 560)
        # Switching service cancels both: a late tail or line of the previous one never shows.
        self.tail: TaskHandle | None = None
        self.follower: TaskHandle | None = None

        self.service = QComboBox()
        self.follow = QCheckBox("Follow")
        self.follow.setChecked(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search (Enter: next, Shift+Enter: previous)")
        self.search.setClearButtonEnabled(True)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the selection, or the whole log when nothing is selected")
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(MAX_LINES)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.text.setFont(QFont(fixed))

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Log"))
        bar.addWidget(self.service)
        bar.addWidget(self.follow)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.status)

        self.service.currentTextChanged.connect(self._on_service_current_text_changed)
        self.follow.toggled.connect(self._on_follow_toggled)
        self.search.returnPressed.connect(lambda: self.find_next(backward=False))
        QShortcut(QKeySequence("Shift+Return"), self.search, activated=lambda: self.find_next(backward=True))
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.search.setFocus)
        self.copy_button.clicked.connect(self.copy)

    # --- what the app calls ----------------------------------------------------------------------
    def show_service(self, name: str = "") -> None:
        """Shows a log the backend offers: a service's, or Docker's image build ("build"), which
        is there even when the build failed and no container exists."""
        names = self.controller.log_names
        if [self.service.itemText(i) for i in range(self.service.count())] != names:
            self.service.blockSignals(True)
            self.service.clear()
            self.service.addItems(names)
            self.service.blockSignals(False)
        name = name or (names[0] if names else "")
        if self.service.currentText() != name:
            self.service.setCurrentText(name)
        elif self.follower is None:
            self._load(name)
        self.show()
        self.raise_()
        self.activateWindow()

    def find_next(self, backward: bool = False) -> bool:
        needle = self.search.text()
        if not needle:
            return False
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        if self.text.find(needle, flags):
            self.status.setText("")
            return True
        cursor = self.text.textCursor()  # wrap around once
        cursor.movePosition(QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start)
        self.text.setTextCursor(cursor)
        found = self.text.find(needle, flags)
        self.status.setText("" if found else f"“{needle}” is not in this log.")
        return found

    def copy(self) -> str:
        cursor = self.text.textCursor()
        copied = cursor.selectedText().replace("\u2029", "\n") if cursor.hasSelection() else self.text.toPlainText()
        QGuiApplication.clipboard().setText(copied)
        self.status.setText(f"Copied {len(copied.splitlines())} lines.")
        return copied

    def lines(self) -> list[str]:
        return self.text.toPlainText().splitlines()

    # --- loading and following -----------------------------------------------------------------
    def _load(self, name: str) -> None:
        self._stop_following()
        if self.tail is not None:
            self.tail.cancel()
            self.tail = None
        self.text.clear()
        if not self.controller.is_open or not name:
            self.status.setText("The stack has not been opened yet.")
            return
        self.status.setText(f"Loading the {name}'s log…")

        def loaded(lines: list[str]) -> None:
            self.tail = None
            self.text.setPlainText("\n".join(lines))
            self.text.moveCursor(QTextCursor.MoveOperation.End)
            self.text.horizontalScrollBar().setValue(0)   # the last lines from their start, not their end
            self.status.setText(f"{len(lines)} recent lines of the {name}'s log.")
            if self.follow.isChecked():
                self._start_following(name)

        def failed(exc: BaseException) -> None:
            self.tail = None
            self.status.setText(f"Could not read the log: {exc}")

        self.tail = self.controller.read_logs(name, INITIAL_TAIL, loaded, failed)

    def _start_following(self, name: str) -> None:
        if not self.controller.is_open:
            return
        self.follower = self.controller.follow_logs(
            name, self._on_follower_lines, self._on_follower_ended, interval_ms=DRAIN_INTERVAL_MS, max_buffered=MAX_LINES
        )

    def _stop_following(self) -> None:
        if self.follower is not None:
            self.follower.cancel()  # the reader thread ends at its next line or poll
            self.follower = None

    def _on_follower_lines(self, lines: list[str]) -> None:
        bar = self.text.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self.text.appendPlainText("\n".join(lines))
        if at_end:
            self.text.moveCursor(QTextCursor.MoveOperation.End)
            self.text.horizontalScrollBar().setValue(0)

    def _on_follower_ended(self, error: BaseException | None) -> None:
        self.follower = None
        if error is not None:
            self.status.setText(f"Stopped following: {error}")

    def _on_service_current_text_changed(self, name: str) -> None:
        self._load(name)

    def _on_follow_toggled(self, checked: bool) -> None:
        if checked and self.follower is None and self.tail is None and self.service.currentText():
            self._start_following(self.service.currentText())
        elif not checked:
            self._stop_following()

    def closeEvent(self, event) -> None:
        self._stop_following()
        super().closeEvent(event)
