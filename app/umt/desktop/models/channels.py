"""The Channels section's tables: the connected accounts, and an email account's recipients."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from umt.contract.publishing import ChannelAccount, Recipient
from umt.desktop.models.publishing import TONE_BAD, TONE_OK, account_status, when_words

Index = QModelIndex | QPersistentModelIndex
ROLE_ID = Qt.ItemDataRole.UserRole + 1
ROLE_RECORD = Qt.ItemDataRole.UserRole + 2
ROLE_TONE = Qt.ItemDataRole.UserRole + 3


class _RecordTable(QAbstractTableModel):
    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._tone_colors: dict[str, QColor] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        record = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(record, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._text(record, index.column())
        if role == ROLE_ID:
            return record.id
        if role == ROLE_RECORD:
            return record
        return self._other(record, index.column(), role)

    def _text(self, record: Any, column: int) -> str:
        raise NotImplementedError

    def _other(self, record: Any, column: int, role: int) -> Any:
        return None

    def set_tone_colors(self, colors: dict[str, str]) -> None:
        """The theme's colour for each tone (TONE_OK, TONE_BAD…), for the status column."""
        self._tone_colors = {tone: QColor(color) for tone, color in colors.items()}
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1))

    def _tone(self, tone: str, colour_it: bool, role: int) -> Any:
        if role == ROLE_TONE:
            return tone
        if role == Qt.ItemDataRole.ForegroundRole and colour_it and tone in self._tone_colors:
            return self._tone_colors[tone]
        return None

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def update_row(self, record: Any) -> None:
        """Replaces the row with this record's id (a test, a reconnect), or adds it at the end."""
        row = self.row_of(record.id)
        if row < 0:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
            self._rows.append(record)
            self.endInsertRows()
            return
        self._rows[row] = record
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def remove_id(self, record_id: int) -> None:
        row = self.row_of(record_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def record(self, row: int) -> Any:
        return self._rows[row]

    def records(self) -> list[Any]:
        return list(self._rows)

    def row_of(self, record_id: int) -> int:
        """The row holding this id, or -1."""
        return next((row for row, record in enumerate(self._rows) if record.id == record_id), -1)


class ChannelsModel(_RecordTable):
    """Columns: the owner's name for the account, its kind, its status (with the reason)."""

    COLUMNS = ("Account", "Kind", "Status")
    COL_NAME, COL_KIND, COL_STATUS = range(3)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._kind_labels: dict[str, str] = {}

    def set_kind_labels(self, labels: dict[str, str]) -> None:
        self._kind_labels = dict(labels)
        if self._rows:
            self.dataChanged.emit(self.index(0, self.COL_KIND), self.index(len(self._rows) - 1, self.COL_KIND))

    def _text(self, record: ChannelAccount, column: int) -> str:
        if column == self.COL_NAME:
            return record.name
        if column == self.COL_KIND:
            return self._kind_labels.get(record.kind, record.kind)
        return account_status(record)[0]

    def _other(self, record: ChannelAccount, column: int, role: int) -> Any:
        return self._tone(account_status(record)[1], column == self.COL_STATUS, role)


class RecipientsModel(_RecordTable):
    """Columns: address, name, subscribed or when they unsubscribed."""

    COLUMNS = ("Address", "Name", "Status")
    COL_EMAIL, COL_NAME, COL_STATUS = range(3)

    def _text(self, record: Recipient, column: int) -> str:
        if column == self.COL_EMAIL:
            return record.email
        if column == self.COL_NAME:
            return record.name
        if record.unsubscribed_at is not None:
            return f"Unsubscribed {when_words(record.unsubscribed_at)}"
        return "Subscribed"

    def _other(self, record: Recipient, column: int, role: int) -> Any:
        return self._tone(TONE_BAD if record.unsubscribed_at is not None else TONE_OK, column == self.COL_STATUS, role)

    def subscribed_count(self) -> int:
        return sum(1 for r in self._rows if r.unsubscribed_at is None)
