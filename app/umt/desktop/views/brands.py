"""The Brands section: each brand's voice kit, which drafting and scoring use."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

from umt.desktop.views.record_page import RecordPage
from umt.desktop.widgets.form import Form, ParagraphsEdit, WordsEdit


class BrandsPage(RecordPage):
    singular = "brand"
    empty_text = ("A brand holds your voice: tone, audience, words to avoid, keyphrases, hashtags and sample posts. "
                  "Drafts and scores follow it. Start with “New brand”.")

    def build_form(self, form: Form) -> None:
        self.name = form.add("name", "Name", QLineEdit())
        self.voice = form.add("voice", "Tone of voice", _text("Warm, plain-spoken, a little playful"))
        self.audience = form.add("audience", "Audience", _text("Who reads your posts"))
        self.banned_words = form.add("banned_words", "Banned words", WordsEdit(),
                                     "Words your posts must not use, separated by commas.")
        self.keyphrases = form.add("keyphrases", "Keyphrases", WordsEdit(),
                                   "Search terms your posts should use; scoring checks the first one a post uses.")
        self.hashtags = form.add("hashtags", "Hashtags", WordsEdit(), "For example: #bakery, #local")
        self.sample_posts = form.add("sample_posts", "Sample posts", ParagraphsEdit(),
                                     "Posts in your voice, a blank line between them.")
        self.name.setPlaceholderText("Your business or product line")

    def fill(self, record: Any | None) -> None:
        self.name.setText(record.name if record is not None else "")
        self.voice.setPlainText(record.voice if record is not None else "")
        self.audience.setPlainText(record.audience if record is not None else "")
        for field in ("banned_words", "keyphrases", "hashtags", "sample_posts"):
            getattr(self, field).set_items(list(getattr(record, field)) if record is not None else [])

    def collect(self) -> dict[str, Any]:
        return {
            "name": self.name.text().strip(),
            "voice": self.voice.toPlainText().strip(),
            "audience": self.audience.toPlainText().strip(),
            "banned_words": self.banned_words.items(),
            "keyphrases": self.keyphrases.items(),
            "hashtags": self.hashtags.items(),
            "sample_posts": self.sample_posts.items(),
        }


def _text(placeholder: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(64)
    return edit
