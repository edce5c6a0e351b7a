"""Pages one at a time, as tall as the page shown. (QStackedWidget is as tall as its tallest page,
even for height-for-width, which leaves a short page floating in empty space.)"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget


class FittingStack(QWidget):
    currentChanged = Signal(int)
    """The page shown changed (its index), as QStackedWidget's signal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pages: list[QWidget] = []
        self._current = -1
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def addWidget(self, page: QWidget) -> int:
        self._pages.append(page)
        self._layout.addWidget(page)
        if self._current < 0:
            self._current = 0
            self.currentChanged.emit(0)
        else:
            page.hide()     # a box layout gives hidden widgets no room
        return len(self._pages) - 1

    def count(self) -> int:
        return len(self._pages)

    def widget(self, index: int) -> QWidget | None:
        return self._pages[index] if 0 <= index < len(self._pages) else None

    def currentIndex(self) -> int:
        return self._current

    def currentWidget(self) -> QWidget | None:
        return self.widget(self._current)

    def setCurrentWidget(self, page: QWidget) -> None:
        self.setCurrentIndex(self._pages.index(page))

    def setCurrentIndex(self, index: int) -> None:
        if index == self._current or not 0 <= index < len(self._pages):
            return
        focus_was_here = self.isAncestorOf(self.focusWidget()) if self.focusWidget() else False
        self._pages[index].show()
        self._pages[self._current].hide()
        self._current = index
        if focus_was_here:
            self._pages[index].setFocus()
        self.currentChanged.emit(index)
        window = self.window()
        if window is not self and window.property("fits_content"):
            window.adjustSize()
