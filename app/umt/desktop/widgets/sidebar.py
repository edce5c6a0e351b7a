"""The sidebar of sections (as Docker Desktop and Podman Desktop have): an icon and a name per
section, arrow keys to move, the current one highlighted in the theme's colours."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from umt.desktop.theme import Theme
from umt.desktop.widgets.icons import themed_icon

KeyRole = Qt.ItemDataRole.UserRole
IconRole = Qt.ItemDataRole.UserRole + 1
WIDTH = 196


class Sidebar(QListWidget):
    sig_section_chosen = Signal(str)
    """The owner chose a section (its key), by click or with the keyboard."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setProperty("role", "sidebar")
        self.setAccessibleName("Sections")
        self.setFixedWidth(WIDTH)
        self.setIconSize(QSize(20, 20))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(True)
        self._color = "#000000"
        self.currentRowChanged.connect(self._on_self_current_row_changed)

    def add_section(self, key: str, title: str, icon: str, shortcut: str = "") -> QListWidgetItem:
        item = QListWidgetItem(title)
        item.setData(KeyRole, key)
        item.setData(IconRole, icon)
        item.setIcon(themed_icon(icon, self._color))
        hint = f"{title} ({shortcut})" if shortcut else title
        item.setToolTip(hint)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
        item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, f"Shows {title}. Shortcut: {shortcut}" if shortcut else f"Shows {title}")
        self.addItem(item)
        return item

    def keys(self) -> list[str]:
        return [self.item(row).data(KeyRole) for row in range(self.count())]

    def current_key(self) -> str:
        item = self.currentItem()
        return item.data(KeyRole) if item is not None else ""

    def select(self, key: str) -> None:
        """Highlights `key` without emitting sig_section_chosen (the window already shows it)."""
        keys = self.keys()
        if key in keys and self.currentRow() != keys.index(key):
            self.blockSignals(True)
            self.setCurrentRow(keys.index(key))
            self.blockSignals(False)

    def set_theme(self, theme: Theme) -> None:
        self._color = theme.colors["text_muted"]
        for row in range(self.count()):
            item = self.item(row)
            item.setIcon(themed_icon(item.data(IconRole), self._color))

    def _on_self_current_row_changed(self, row: int) -> None:
        if row >= 0:
            self.sig_section_chosen.emit(self.item(row).data(KeyRole))
