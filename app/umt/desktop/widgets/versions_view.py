"""An item's versions: pick one to see what changed since (a line diff) and Restore it."""

from __future__ import annotations

import difflib
import html

from PySide6.QtCore import QItemSelection, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QPushButton, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from umt.desktop.models.content import VersionListModel
from umt.desktop.models.content_records import ContentVersion


def diff_lines(old: ContentVersion, current_title: str, current_body: str) -> list[tuple[str, str]]:
    """(kind, line) from the version to the current text; kind is ' ', '-', '+' or '@'."""
    before = [f"Title: {old.title}", ""] + old.body.splitlines()
    after = [f"Title: {current_title}", ""] + current_body.splitlines()
    lines = []
    for line in difflib.unified_diff(before, after, f"version {old.version}", "now", lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        lines.append((line[:1] if line[:1] in "+-@" else " ", line[1:] if line[:1] in "+- " else line))
    return lines


def _mark_changed_words(lines: list[tuple[str, str]]) -> list[str]:
    """Each line as HTML; where a removed line is followed by an added one, the words that differ
    are underlined in both, so a changed phrase inside a long paragraph stands out."""
    marked = [html.escape(line) for _, line in lines]
    for index in range(len(lines) - 1):
        (kind, old), (next_kind, new) = lines[index], lines[index + 1]
        if kind != "-" or next_kind != "+":
            continue
        before, after = old.split(" "), new.split(" ")
        old_words, new_words = [], []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
            old_part, new_part = html.escape(" ".join(before[i1:i2])), html.escape(" ".join(after[j1:j2]))
            if tag == "equal":
                old_words.append(old_part)
                new_words.append(new_part)
                continue
            if old_part:
                old_words.append(f"<u><b>{old_part}</b></u>")
            if new_part:
                new_words.append(f"<u><b>{new_part}</b></u>")
        marked[index], marked[index + 1] = " ".join(old_words), " ".join(new_words)
    return marked


class VersionsView(QWidget):
    sig_restore_requested = Signal(object)
    """The owner wants this ContentVersion's text back (as a new version)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = VersionListModel(self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setAccessibleName("Versions")
        self.list.setMinimumWidth(170)
        self.list.selectionModel().selectionChanged.connect(self._on_list_selection_changed)
        self.diff = QTextBrowser()
        self.diff.setAccessibleName("Changes since the selected version")
        self.restore_button = QPushButton("Restore this version")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.hint = QLabel("Pick a version to see what changed since.")
        self.hint.setProperty("role", "muted")
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.hint)
        column.addWidget(self.diff, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        column.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setSizes([200, 440])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._current = ("", "")
        self._colors = {"+": "#1f9d55", "-": "#d13b3b", "@": "#5d6773"}

    def set_colors(self, added: str, removed: str, muted: str) -> None:
        self._colors = {"+": added, "-": removed, "@": muted}
        self._show_diff()

    def set_versions(self, versions: list[ContentVersion]) -> None:
        self.model.set_rows(versions)
        self.restore_button.setEnabled(False)
        self.diff.clear()

    def set_current(self, title: str, body: str) -> None:
        self._current = (title, body)
        self._show_diff()

    def selected(self) -> ContentVersion | None:
        rows = self.list.selectionModel().selectedRows()
        return self.model.version(rows[0].row()) if rows else None

    def _on_list_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_diff()

    def _show_diff(self) -> None:
        version = self.selected()
        self.restore_button.setEnabled(version is not None)
        self.hint.setVisible(version is None)
        if version is None:
            return
        lines = diff_lines(version, *self._current)
        if not lines:
            self.diff.setHtml("<p>Same as the text in the editor.</p>")
            return
        marked = _mark_changed_words(lines)
        rows = []
        for (kind, _line), text in zip(lines, marked):
            color = self._colors.get(kind)
            if kind == "@":  # a new stretch of changes: a gap, not diff syntax
                if rows:
                    rows.append(f'<div style="color:{color}">\u22ef</div>')
                continue
            prefix = {"+": "+ ", "-": "\u2212 ", " ": "&nbsp;&nbsp;"}[kind]
            text = text or "&nbsp;"
            rows.append(f'<div style="color:{color}">{prefix}{text}</div>' if color else f"<div>{prefix}{text}</div>")
        self.diff.setHtml("<div style='font-family: monospace; white-space: pre-wrap'>" + "".join(rows) + "</div>")

    def _on_restore_button_clicked(self) -> None:
        version = self.selected()
        if version is not None:
            self.sig_restore_requested.emit(version)
