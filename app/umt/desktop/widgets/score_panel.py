"""The live score beside the text: the overall score and each reason an owner can act on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout

from umt.desktop.models.content_records import ScoreResult

# The rows, in the order an owner fixes things: (title, the agent's check ids, what to say when no check ran).
ROWS = (
    ("Banned words", ("banned_words",), "Pick a brand to check its banned words."),
    ("Length", ("length",), ""),
    ("Readability", ("readability", "grade_level"), ""),
    ("Keyphrase", ("keyphrase",), "Add a keyphrase to check it."),
    ("Links and UTM", ("links", "utm"), "No links."),
    ("Hashtags", ("hashtags",), ""),
)
GLYPHS = {"pass": "\u2713", "warn": "!", "fail": "\u2715", "info": "\u00b7"}
SEVERITY = {"fail": 3, "warn": 2, "pass": 1, "info": 0}


def _repolish(widget, name: str, value: str) -> None:
    if widget.property(name) != value:
        widget.setProperty(name, value)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class ScorePanel(QFrame):
    sig_score_shown = Signal(object)
    """A score is on screen now (the ScoreResult): for whoever waits on the panel."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setAccessibleName("Score")
        self.score_label = QLabel()
        self.score_label.setProperty("role", "score")
        self.score_label.setAccessibleName("Overall score")
        self.score_label.hide()  # until there is a score
        self.rating_label = QLabel("Start typing to see the score.")
        self.rating_label.setProperty("role", "muted")
        self.rating_label.setWordWrap(True)
        heading = QHBoxLayout()
        heading.addWidget(self.score_label)
        heading.addWidget(self.rating_label, 1)

        # Each reason: its mark and name on one line, what to do below, the panel's full width
        # (word-wrapped labels side by side in a narrow grid get clipped).
        checks = QVBoxLayout()
        checks.setSpacing(2)
        self.rows: dict[str, tuple[QLabel, QLabel]] = {}
        for title, _, _ in ROWS:
            glyph, name, message = QLabel(), QLabel(title), QLabel()
            glyph.setProperty("role", "check")
            glyph.setFixedWidth(18)
            glyph.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            name.setProperty("role", "section")
            message.setWordWrap(True)
            message.setAccessibleName(title)
            message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            message.setContentsMargins(22, 0, 0, 6)
            line = QHBoxLayout()
            line.setSpacing(4)
            line.addWidget(glyph)
            line.addWidget(name, 1)
            checks.addLayout(line)
            checks.addWidget(message)
            self.rows[title] = (glyph, message)
        self.note = QLabel()
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addLayout(heading)
        layout.addLayout(checks)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.result: ScoreResult | None = None

    def clear(self) -> None:
        """No score yet (another post opened): nothing stale is shown."""
        self.result = None
        self.score_label.hide()
        self.rating_label.setText("Start typing to see the score.")
        for glyph, message in self.rows.values():
            glyph.setText("")
            message.setText("")
            message.hide()

    def set_busy(self, busy: bool) -> None:
        self.note.setText("Scoring\u2026" if busy else "")

    def show_score(self, result: ScoreResult) -> None:
        self.result = result
        self.score_label.setText(str(result.score))
        self.score_label.show()
        _repolish(self.score_label, "rating", result.rating)
        verdict = "ready to publish" if result.publishable else "fix the red items before publishing"
        self.rating_label.setText(f"{result.rating.capitalize()} \u2014 {verdict}")
        by_id = {check.id: check for check in result.checks}
        for title, ids, absent in ROWS:
            glyph, message = self.rows[title]
            checks = [by_id[i] for i in ids if i in by_id]
            if not checks:
                status, text = "info", absent
            else:
                status = max((c.status for c in checks), key=SEVERITY.__getitem__)
                text = "\n".join(c.message for c in sorted(checks, key=lambda c: -SEVERITY[c.status]))
            glyph.setText(GLYPHS[status])
            _repolish(glyph, "check", status)
            _repolish(message, "check", status)
            message.setText(text)
            message.setVisible(bool(text))
        self.note.setText("")
        self.sig_score_shown.emit(result)

    def show_failure(self, message: str) -> None:
        self.note.setText(message)

    def message_for(self, title: str) -> str:
        return self.rows[title][1].text()
