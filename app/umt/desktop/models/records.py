"""A list of records from the gateway (brands, campaigns, a campaign's content) for a list view."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

IdRole = Qt.ItemDataRole.UserRole + 1
RecordRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


class RecordListModel(QAbstractListModel):
    """Rows are records; `describe(record)` gives the text shown, `identify(record)` the id."""

    def __init__(self, describe: Callable[[Any], str], identify: Callable[[Any], int], parent=None) -> None:
        super().__init__(parent)
        self._describe = describe
        self._identify = identify
        self._rows: list[Any] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        record = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._describe(record)
        if role == IdRole:
            return self._identify(record)
        if role == RecordRole:
            return record
        return None

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def record(self, row: int) -> Any:
        return self._rows[row]

    def row_of(self, record_id: int) -> int:
        """The row holding this id, or -1."""
        for row, record in enumerate(self._rows):
            if self._identify(record) == record_id:
                return row
        return -1
