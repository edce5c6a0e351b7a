"""A label that counts down to a moment ("Try again in 0:29") and says when it is over."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget


def format_wait(seconds: float) -> str:
    seconds = max(0, math.ceil(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class CountdownLabel(QLabel):
    sig_finished = Signal()
    """The countdown reached zero."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self._deadline = 0.0
        self._template = "{wait}"
        self._timer = QTimer(self)
        self._timer.setInterval(250)    # a quarter second: the shown second changes on time
        self._timer.timeout.connect(self._on_timer_timeout)
        self.hide()

    def start(self, seconds: float, template: str) -> None:
        """`template` holds `{wait}` (m:ss left)."""
        self._deadline = time.monotonic() + seconds
        self._template = template
        self._show()
        self.show()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.hide()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def remaining(self) -> float:
        return max(0.0, self._deadline - time.monotonic())

    def _show(self) -> None:
        self.setText(self._template.format(wait=format_wait(self.remaining)))
        self.setAccessibleName(self.text())

    def _on_timer_timeout(self) -> None:
        if self.remaining <= 0:
            self.stop()
            self.sig_finished.emit()
            return
        self._show()
