"""The form for a new experiment: a name, a hypothesis, and two or more variants, each named and
(optionally) showing one of the posts, whose status declaring a winner will change."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QVBoxLayout, QWidget)

from umt.desktop.models.experiments import VariantRow

MAX_VARIANTS = 20


class ExperimentForm(QWidget):
    sig_create_requested = Signal(str, str, list)
    """Create was pressed: the name, the hypothesis and the VariantRows (already checked here)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("New experiment")
        self.heading.setProperty("role", "title")
        self.name = QLineEdit()
        self.name.setPlaceholderText("What is being tested, e.g. Pre-order button wording")
        self.hypothesis = QPlainTextEdit()
        self.hypothesis.setPlaceholderText("What you expect and why")
        self.hypothesis.setTabChangesFocus(True)
        self.hypothesis.setFixedHeight(60)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Hypothesis", self.hypothesis)
        note = QLabel("The first variant is the control: the others are compared with it. Link each variant to "
                      "the post it shows, so declaring a winner can approve that post and archive the others.")
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        self._grid = QGridLayout()
        self._grid.addWidget(QLabel("Variant"), 0, 0)
        self._grid.addWidget(QLabel("Post it shows"), 0, 1)
        self.names: list[QLineEdit] = []
        self.posts: list[QComboBox] = []
        self._content: list[Any] = []
        self.add_button = QPushButton("Add a variant")
        self.add_button.clicked.connect(self.add_variant)
        self.create_button = QPushButton("Create experiment")
        self.create_button.setProperty("role", "primary")
        self.create_button.clicked.connect(self._on_create_clicked)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addLayout(self._grid)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.reset()

    def set_content(self, items: list[Any]) -> None:
        """The posts a variant may show (ContentItem records); choices already made are kept."""
        self._content = sorted(items, key=lambda item: item.id, reverse=True)
        for combo in self.posts:
            self._fill_posts(combo)

    def _fill_posts(self, combo: QComboBox) -> None:
        chosen = combo.currentData()
        combo.clear()
        combo.addItem("— no post —", None)
        for item in self._content:
            combo.addItem(f"{item.title} ({item.channel}, {item.status.replace('_', ' ')})", item.id)
        combo.setCurrentIndex(max(combo.findData(chosen), 0))

    def add_variant(self) -> None:
        if len(self.names) >= MAX_VARIANTS:
            return
        row = len(self.names) + 1
        name = QLineEdit("Control" if row == 1 else f"Variant {chr(ord('A') + row - 2)}")
        name.setAccessibleName(f"Variant {row} name")
        combo = QComboBox()
        combo.setAccessibleName(f"Variant {row} post")
        self._fill_posts(combo)
        self._grid.addWidget(name, row, 0)
        self._grid.addWidget(combo, row, 1)
        self.names.append(name)
        self.posts.append(combo)
        self.add_button.setEnabled(len(self.names) < MAX_VARIANTS)

    def choose_post(self, row: int, content_id: int) -> None:
        self.posts[row].setCurrentIndex(self.posts[row].findData(content_id))

    def reset(self) -> None:
        for widget in self.names + self.posts:
            self._grid.removeWidget(widget)
            widget.deleteLater()
        self.names, self.posts = [], []
        self.name.clear()
        self.hypothesis.clear()
        self.error.clear()
        self.add_variant()
        self.add_variant()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.create_button.setEnabled(True)

    def _on_create_clicked(self) -> None:
        rows = [VariantRow(name.text().strip(), combo.currentData()) for name, combo in zip(self.names, self.posts)]
        names = [row.name for row in rows if row.name]
        posts = [row.content_id for row in rows if row.content_id is not None]
        if not self.name.text().strip():
            return self.show_error("Give the experiment a name.")
        if len(names) < 2 or len(names) != len(rows):
            return self.show_error("Name every variant; an experiment needs two or more.")
        if len(set(names)) != len(names):
            return self.show_error("Each variant needs its own name.")
        if len(set(posts)) != len(posts):
            return self.show_error("Two variants show the same post: pick a different post for each.")
        self.error.clear()
        self.create_button.setEnabled(False)
        self.sig_create_requested.emit(self.name.text().strip(), self.hypothesis.toPlainText().strip(), rows)
