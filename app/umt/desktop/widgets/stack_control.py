"""The one Start/Stop control: the stack's state in words, the current step with a real progress
bar while starting or stopping, the reason and what to do when something is wrong."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout

from umt.desktop.controllers.stack_state import Phase, StackState

_BUTTON_TEXT = {
    Phase.STOPPED: "Start",
    Phase.STARTING: "Starting…",
    Phase.RUNNING: "Stop",
    Phase.DEGRADED: "Stop",
    Phase.STOPPING: "Stopping…",
    Phase.ERROR: "Start",
}


class StackControl(QFrame):
    sig_toggle_requested = Signal()
    """The owner pressed Start or Stop."""

    sig_logs_requested = Signal()
    """The owner pressed Logs."""

    sig_settings_requested = Signal()
    """The owner pressed Settings."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setProperty("role", "card")
        self.title = QLabel("Stopped")
        self.title.setProperty("role", "title")
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.advice = QLabel()
        self.advice.setWordWrap(True)
        self.advice.setProperty("role", "muted")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.address = QLabel()
        self.address.setProperty("role", "muted")
        self.address.setOpenExternalLinks(True)
        self.button = QPushButton("Start")
        self.button.setProperty("role", "primary")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.clicked.connect(self.sig_toggle_requested)
        self.logs_button = QPushButton("Logs…")
        self.logs_button.clicked.connect(self.sig_logs_requested)
        self.settings_button = QPushButton("Settings…")
        self.settings_button.clicked.connect(self.sig_settings_requested)

        words = QVBoxLayout()
        words.setSpacing(4)
        for widget in (self.title, self.detail, self.advice, self.progress, self.address):
            words.addWidget(widget)
        # The lines that come and go with the phase keep their room, so the card never jumps.
        line = self.fontMetrics().lineSpacing()
        for widget in (self.detail, self.advice, self.progress, self.address):
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)
            if isinstance(widget, QLabel):
                widget.setMinimumHeight(line)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(words, 1)
        actions = QVBoxLayout()
        actions.addWidget(self.button)
        secondary = QHBoxLayout()
        secondary.addWidget(self.logs_button)
        secondary.addWidget(self.settings_button)
        actions.addLayout(secondary)
        layout.addLayout(actions)
        self.show_state(StackState(Phase.STOPPED, "Stopped", "The services are not running."))

    def show_state(self, state: StackState) -> None:
        self.title.setText(state.title)
        self.detail.setText(state.detail)
        self.advice.setText(state.advice)
        self._fit_words()
        self.advice.setVisible(bool(state.advice))
        self.progress.setVisible(state.busy)
        if state.busy:
            if state.fraction is None:
                self.progress.setRange(0, 0)  # the step is known, its length is not: a busy bar
            else:
                self.progress.setRange(0, 1000)
                self.progress.setValue(int(state.fraction * 1000))
        self.button.setText(_BUTTON_TEXT[state.phase])
        self.button.setEnabled(not state.busy)
        danger = state.phase in (Phase.RUNNING, Phase.DEGRADED)
        if self.button.property("danger") != danger:
            self.button.setProperty("danger", danger)
            self.button.style().unpolish(self.button)
            self.button.style().polish(self.button)
        if self.title.property("phase") != state.phase.value:
            self.title.setProperty("phase", state.phase.value)  # the title's colour follows the phase
            self.title.style().unpolish(self.title)
            self.title.style().polish(self.title)

    def _fit_words(self) -> None:
        """A long reason (a build error) wraps over several lines: its label gets their height at
        the width it has, so no line is cut off; a short one keeps the one line it always has."""
        line = self.fontMetrics().lineSpacing()
        for label in (self.detail, self.advice):
            width = label.width() if label.width() > 1 else label.sizeHint().width()
            label.setMinimumHeight(max(line, label.heightForWidth(width)))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_words()

    def show_address(self, url: str | None) -> None:
        self.address.setText(f'Gateway: <a href="{url}">{url}</a>' if url else "")
        self.address.setVisible(bool(url))
