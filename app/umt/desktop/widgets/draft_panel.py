"""Draft with AI: a brief in, a job with progress and Cancel, a new version out."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from umt.desktop.models.content_records import DraftOutcome
from umt.desktop.widgets.field_errors import ErrorLabel


class DraftPanel(QWidget):
    sig_draft_requested = Signal(str, bool)
    """The owner asked for a draft: (brief, offline template instead of the AI model)."""

    sig_cancel_requested = Signal()
    """The owner cancelled the running draft."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.brief = QPlainTextEdit()
        self.brief.setAccessibleName("Brief")
        self.brief.setPlaceholderText("What is the post about? e.g. \u201cAnnounce the autumn blend, 20% off "
                                      "until Friday\u201d")
        self.brief.setFixedHeight(64)
        self.brief.setTabChangesFocus(True)
        self.offline = QCheckBox("Offline template (no AI model)")
        self.offline.setToolTip("Writes a draft from the agent's templates: quick, private, plainer.")
        self.draft_button = QPushButton("Draft with AI")
        self.draft_button.setProperty("role", "primary")
        self.draft_button.clicked.connect(self._on_draft_button_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.sig_cancel_requested)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName("Draft progress")
        self.step = QLabel()
        self.step.setProperty("role", "muted")
        self.result_label = QLabel()
        self.result_label.setProperty("role", "draft-label")
        self.result_label.setWordWrap(True)
        self.error = ErrorLabel()

        buttons = QHBoxLayout()
        buttons.addWidget(self.offline)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.draft_button)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.step)
        layout = QVBoxLayout(self)
        layout.addWidget(self.brief)
        layout.addLayout(buttons)
        layout.addLayout(running)
        layout.addWidget(self.result_label)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.set_running(False)
        self.result_label.hide()

    def _on_draft_button_clicked(self) -> None:
        brief = self.brief.toPlainText().strip()
        if not brief:
            self.error.show_error("Write a brief first: one or two sentences on what the post should say.")
            self.brief.setFocus()
            return
        self.error.show_error("")
        self.result_label.hide()
        self.sig_draft_requested.emit(brief, self.offline.isChecked())

    def set_running(self, running: bool) -> None:
        self.draft_button.setEnabled(not running)
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running)
        self.step.setVisible(running)
        if running:
            self.progress.setValue(0)
            self.step.setText("Starting\u2026")

    def show_progress(self, fraction: float, step: str) -> None:
        self.set_running(True) if not self.progress.isVisible() else None
        self.progress.setValue(round(100 * fraction))
        self.step.setText(step)

    def show_outcome(self, outcome: DraftOutcome) -> None:
        self.set_running(False)
        if outcome.offline:
            text = "Offline template draft \u2014 written from templates, not by the AI model. Edit it to taste."
        else:
            text = "Drafted by the AI model. Read it before you send it for review."
        if outcome.fallback_reason:
            text += f" ({outcome.fallback_reason})"
        self.result_label.setText(text + " It is now the post's newest version.")
        self.result_label.show()

    def show_cancelled(self) -> None:
        self.set_running(False)
        self.result_label.setText("Cancelled: nothing was written.")
        self.result_label.show()

    def show_error(self, message: str) -> None:
        self.set_running(False)
        self.error.show_error(message)
