"""A post's deliveries, one row per channel account: queued (due when), sending, sent (with a link
to the live post), failed (the reason, and Retry for that channel), unknown (what that means, and
"Retry anyway" after a warning). "Publish to…" sends the post to more channels."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QScrollArea, QVBoxLayout,
                               QWidget)

from umt.desktop.models.publishing import CANCEL, RETRY, RETRY_ANYWAY, DeliveryLine, summary

Confirm = Callable[[str, str], bool]
"""Asks before something risky: (title, question) -> go ahead?"""

ACTION_WORDS = {RETRY: "Retry", RETRY_ANYWAY: "Retry anyway\u2026", CANCEL: "Cancel"}
ACTION_TIPS = {RETRY: "Try this channel again (only this one)",
               RETRY_ANYWAY: "Send it again although it may already be published",
               CANCEL: "Do not send it to this channel"}


def ask(parent: QWidget, title: str, question: str) -> bool:
    buttons = QMessageBox.StandardButton
    return QMessageBox.warning(parent, title, question, buttons.Yes | buttons.Cancel, buttons.Cancel) == buttons.Yes


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DeliveryRow(QFrame):
    """One delivery: the channel, its state, the detail (or the link) and its one action."""

    def __init__(self, line: DeliveryLine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = line
        self.setProperty("role", "delivery")
        self.channel = QLabel(line.channel)
        self.channel.setStyleSheet("font-weight: 600;")
        self.state = QLabel(line.words)
        self.state.setProperty("tone", line.tone)
        self.state.setProperty("role", "delivery-state")
        self.state.setMinimumWidth(72)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        if line.link:
            self.detail.setTextFormat(Qt.TextFormat.RichText)
            self.detail.setOpenExternalLinks(True)
            self.detail.setText(f'{_escape(line.detail)} \u2014 <a href="{_escape(line.link)}">open the post</a>'
                                if line.detail else f'<a href="{_escape(line.link)}">open the post</a>')
            self.detail.setToolTip(line.link)
        else:
            self.detail.setTextFormat(Qt.TextFormat.PlainText)
            self.detail.setText(line.detail)
        if line.status == "failed":
            self.detail.setProperty("role", "error")
        self.action = QPushButton(ACTION_WORDS.get(line.action, ""))
        self.action.setVisible(bool(line.action))
        self.action.setToolTip(ACTION_TIPS.get(line.action, ""))
        self.action.setAccessibleName(f"{ACTION_WORDS.get(line.action, '').rstrip('…')} {line.channel}")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(10)
        top.addWidget(self.channel)
        top.addWidget(self.state)
        top.addStretch(1)
        top.addWidget(self.action)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.detail)
        self.setAccessibleName(f"{line.channel}: {line.words}. {line.detail}")


class DeliveriesPanel(QWidget):
    sig_publish_requested = Signal()
    """The owner pressed "Publish to…"."""

    sig_retry_requested = Signal(int)
    """Retry this delivery (a failed one, or an unknown one the owner confirmed)."""

    sig_cancel_requested = Signal(int)
    """Cancel this queued delivery."""

    def __init__(self, parent: QWidget | None = None, confirm: Confirm | None = None) -> None:
        super().__init__(parent)
        self.confirm = confirm or (lambda title, question: ask(self, title, question))
        self.rows: list[DeliveryRow] = []
        self.heading = QLabel("Deliveries")
        self.heading.setProperty("role", "section")
        self.publish_button = QPushButton("Publish to\u2026")
        self.publish_button.setToolTip("Send this post to one or more of your connected channels")
        self.publish_button.clicked.connect(self.sig_publish_requested)
        self.note = QLabel()
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self._list = QWidget()
        self._rows_layout = QVBoxLayout(self._list)
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self._rows_layout.setSpacing(4)
        self._rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._list)
        self.bar = bar = QHBoxLayout()
        bar.addWidget(self.heading, 1)
        bar.addWidget(self.publish_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.problem)
        layout.addWidget(self.note)
        layout.addWidget(scroll, 1)
        self.set_post(False)

    def set_post(self, saved: bool) -> None:
        """Whether a saved post is shown: only a saved post can be published."""
        self.publish_button.setEnabled(saved)
        if not saved:
            self.set_lines([])
            self.note.setText("Save the post, then publish it to your connected channels here.")

    def set_lines(self, lines: list[DeliveryLine]) -> None:
        for row in self.rows:
            self._rows_layout.removeWidget(row)
            row.deleteLater()
        self.rows = []
        for line in lines:
            row = DeliveryRow(line, self._list)
            row.action.clicked.connect(lambda _checked=False, line=line: self._on_row_action(line))
            self._rows_layout.insertWidget(self._rows_layout.count() - 1, row)
            row.show()      # now, not at the layout's queued show: a picture taken next shows it
            self.rows.append(row)
        self.note.setText(summary(lines).capitalize() if lines else
                          "Not sent anywhere yet. \u201cPublish to\u2026\u201d picks the channels.")
        self.problem.hide()

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.setVisible(bool(message))

    def row_for(self, channel: str) -> DeliveryRow | None:
        return next((row for row in self.rows if row.line.channel == channel), None)

    def _on_row_action(self, line: DeliveryLine) -> None:
        if line.action == RETRY:
            self.sig_retry_requested.emit(line.delivery_id)
        elif line.action == RETRY_ANYWAY:
            if self.confirm("Retry anyway?", f"\u201c{line.channel}\u201d may already have published this post. "
                            "Look there first: retrying may publish it twice.\n\nRetry anyway?"):
                self.sig_retry_requested.emit(line.delivery_id)
        elif line.action == CANCEL:
            self.sig_cancel_requested.emit(line.delivery_id)
