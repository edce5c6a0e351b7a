"""Qt models of the Content studio: the content list, paged from the gateway, and an item's versions.

The list asks for one page at a time through a fetcher the controller gives it (canFetchMore /
fetchMore), so 10,000 items open as fast as 200 do: the view asks for the next page only when the
owner scrolls near the end."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QByteArray, QModelIndex, QPersistentModelIndex, Qt, Signal

from umt.contract.channels import channel_for
from umt.desktop.models.content_records import STATUS_LABELS, ContentItem, ContentVersion

Index = QModelIndex | QPersistentModelIndex
# fetch(offset, limit, on_page(items, total), on_error(message)): runs the request off the GUI thread.
PageFetcher = Callable[[int, int, Callable[[list[ContentItem], int], None], Callable[[str], None]], None]


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _short_time(iso: str | None) -> str:
    """"30 Nov 11:50" from an ISO time (UTC, as the gateway sends it); "" without one."""
    if not iso or len(iso) < 16:
        return iso or ""
    return f"{int(iso[8:10])} {MONTHS[int(iso[5:7]) - 1]} {iso[11:16]}"


class ContentListModel(QAbstractTableModel):
    COL_TITLE, COL_CHANNEL, COL_STATUS, COL_BRAND, COL_UPDATED = range(5)
    HEADERS = ("Title", "Channel", "Status", "Brand", "Updated")
    ROLE_ITEM_ID = Qt.ItemDataRole.UserRole + 1
    ROLE_ITEM = Qt.ItemDataRole.UserRole + 2
    ROLE_STATUS = Qt.ItemDataRole.UserRole + 3

    sig_loading_changed = Signal(bool)
    """A page request started (True) or ended (False)."""

    sig_total_changed = Signal(int)
    """The gateway reported how many items match the filters."""

    sig_page_failed = Signal(str)
    """A page could not be loaded: a sentence for the owner."""

    def __init__(self, parent=None, page_size: int = 200):
        super().__init__(parent)
        self.page_size = page_size
        self._rows: list[ContentItem] = []
        self._cells: list[tuple | None] = []  # display text per row, made when first shown
        self._total: int | None = None
        self._pending = False
        self._generation = 0
        self._fetch: PageFetcher | None = None
        self._brand_names: dict[int, str] = {}

    # --- paging ---------------------------------------------------------------------------------
    def restart(self, fetch: PageFetcher | None) -> None:
        """Forgets the rows and loads the first page with `fetch` (new filters mean a new fetcher)."""
        self.beginResetModel()
        self._rows, self._cells, self._total, self._fetch = [], [], None, fetch
        self._generation += 1
        self._pending = False
        self.endResetModel()
        if fetch is not None:
            self._request(0)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802 - Qt's name
        if parent.isValid() or self._fetch is None or self._pending or self._total is None:
            return False
        return len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802 - Qt's name
        if self.canFetchMore(parent):
            self._request(len(self._rows))

    @property
    def total(self) -> int | None:
        return self._total

    @property
    def loading(self) -> bool:
        return self._pending

    def _request(self, offset: int) -> None:
        generation = self._generation
        self._pending = True
        self.sig_loading_changed.emit(True)
        self._fetch(offset, self.page_size,
                    lambda items, total: self._on_page(generation, offset, items, total),
                    lambda message: self._on_failed(generation, message))

    def _on_page(self, generation: int, offset: int, items: list[ContentItem], total: int) -> None:
        if generation != self._generation:
            return  # an answer for filters that are gone
        # Still pending while the rows go in: a view asking for more from inside the insertion
        # must not request this page again.
        if total != self._total:
            self._total = total
            self.sig_total_changed.emit(total)
        if items and offset == len(self._rows):
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(items) - 1)
            self._rows.extend(items)
            self._cells.extend([None] * len(items))
            self.endInsertRows()
        self._pending = False
        self.sig_loading_changed.emit(False)

    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._pending = False
        self.sig_loading_changed.emit(False)
        self.sig_page_failed.emit(message)

    # --- updates --------------------------------------------------------------------------------
    def set_brand_names(self, names: dict[int, str]) -> None:
        self._brand_names = dict(names)
        if self._rows:
            self.dataChanged.emit(self.index(0, self.COL_BRAND), self.index(len(self._rows) - 1, self.COL_BRAND))

    def update_item(self, item: ContentItem) -> None:
        """A saved or moved item shows its new title, status and time where it is in the list."""
        row = self.row_of(item.id)
        if row is not None:
            self._rows[row] = item
            self._cells[row] = None
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def row_of(self, item_id: int) -> int | None:
        return next((r for r, item in enumerate(self._rows) if item.id == item_id), None)

    def item(self, row: int) -> ContentItem:
        return self._rows[row]

    # --- Qt's model interface -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def roleNames(self) -> dict[int, QByteArray]:  # noqa: N802 - Qt's name
        names = super().roleNames()
        names.update({self.ROLE_ITEM_ID: QByteArray(b"itemId"), self.ROLE_ITEM: QByteArray(b"item"),
                      self.ROLE_STATUS: QByteArray(b"status")})
        return names

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called ~1,000 times per repaint (rows x columns x roles): plain ints, cached cells.
        row = index.row()
        if not 0 <= row < len(self._rows) or not index.isValid():
            return None
        if role == _DISPLAY:
            column = index.column()
            if column == self.COL_BRAND:
                brand_id = self._rows[row].brand_id
                return self._brand_names.get(brand_id, "") if brand_id else ""
            cells = self._cells[row]
            if cells is None:
                cells = self._cells[row] = _cells(self._rows[row])
            return cells[column]
        if role < _USER and role != _TOOLTIP:
            return None
        item = self._rows[row]
        if role == _TOOLTIP:
            return (item.body[:300] or item.title) if index.column() == self.COL_TITLE else None
        if role == self.ROLE_ITEM_ID:
            return item.id
        if role == self.ROLE_ITEM:
            return item
        if role == self.ROLE_STATUS:
            return item.status
        return None


_DISPLAY, _TOOLTIP, _USER = (int(Qt.ItemDataRole.DisplayRole.value), int(Qt.ItemDataRole.ToolTipRole.value),
                             int(Qt.ItemDataRole.UserRole.value))


def _cells(item: ContentItem) -> tuple[str, str, str, None, str]:
    """The displayed text of a row, by column (the brand's name is looked up when shown)."""
    channel = channel_for(item.channel)
    return (item.title, channel.label if channel else item.channel, STATUS_LABELS.get(item.status, item.status), None,
            _short_time(item.updated_at))


class VersionListModel(QAbstractListModel):
    """An item's versions, newest first."""

    ROLE_VERSION = Qt.ItemDataRole.UserRole + 1
    ROLE_RECORD = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[ContentVersion] = []

    def set_rows(self, versions: list[ContentVersion]) -> None:
        self.beginResetModel()
        self._rows = sorted(versions, key=lambda v: -v.version)
        self.endResetModel()

    def version(self, row: int) -> ContentVersion:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def roleNames(self) -> dict[int, QByteArray]:  # noqa: N802 - Qt's name
        names = super().roleNames()
        names.update({self.ROLE_VERSION: QByteArray(b"version"), self.ROLE_RECORD: QByteArray(b"record")})
        return names

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        version = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"Version {version.version} · {_short_time(version.created_at)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{version.title}\n\n{version.body[:500]}"
        if role == self.ROLE_VERSION:
            return version.version
        if role == self.ROLE_RECORD:
            return version
        return None
