"""The Analytics section's table models: a plain table of figures (the chart's data, the top
content, the import preview) and the weekday × hour grid. What a model holds is what its view
shows, so exporting "what is shown" reads the models."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_Index = QModelIndex | QPersistentModelIndex


def figure_text(value: Any) -> str:
    """A figure as the tables print it: rates as percentages, money with two decimals."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class FiguresModel(QAbstractTableModel):
    """Rows of figures under column headings; `rate_columns` print as percentages. A row may be
    marked bad (its message shows as a tooltip and it is tinted), for the import preview."""

    def __init__(self, headings: list[str], rate_columns: tuple[int, ...] = (), parent=None, *,
                 first_row_number: int = 1) -> None:
        super().__init__(parent)
        self.first_row_number = first_row_number  # what the first row is called (a file's row 2)
        self.headings = list(headings)
        self.rate_columns = set(rate_columns)
        self.rows: list[list[Any]] = []
        self.row_problems: dict[int, str] = {}
        self.bad_color = QColor("#d13b3b")

    def set_rows(self, rows: list[list[Any]], headings: list[str] | None = None) -> None:
        self.beginResetModel()
        if headings is not None:
            self.headings = list(headings)
        self.rows = [list(row) for row in rows]
        self.row_problems = {}
        self.endResetModel()

    def set_row_problems(self, problems: dict[int, str]) -> None:
        """Marks rows (0-based) with what is wrong with them."""
        self.row_problems = dict(problems)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.headings) - 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headings)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows) or index.column() >= len(self.headings):
            return None
        row = self.rows[index.row()]
        value = row[index.column()] if index.column() < len(row) else None
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() in self.rate_columns and isinstance(value, (int, float)):
                return f"{value * 100:.2f} %"
            return figure_text(value)
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            numeric = isinstance(value, (int, float)) or value is None
            return int((Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft)
                       | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.row_problems.get(index.row())
        if role == Qt.ItemDataRole.ForegroundRole and index.row() in self.row_problems:
            return self.bad_color
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headings[section] if 0 <= section < len(self.headings) else None
        return str(section + self.first_row_number) if 0 <= section < len(self.rows) else None

    def records(self) -> list[dict[str, Any]]:
        """The rows as heading → raw value, for export."""
        return [dict(zip(self.headings, row)) for row in self.rows]


class HeatmapModel(QAbstractTableModel):
    """Weekday rows (Monday first) × 24 hour columns; each cell the chosen measure's value, shaded
    from the theme's surface to its accent by its share of the largest cell."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.values: dict[tuple[int, int], float] = {}
        self.posts: dict[tuple[int, int], int] = {}
        self.measure = "engagements"
        self.low, self.high, self.text = QColor("#ffffff"), QColor("#2f6fde"), QColor("#1d232b")

    def set_colors(self, low: QColor, high: QColor, text: QColor) -> None:
        self.low, self.high, self.text = QColor(low), QColor(high), QColor(text)
        self.dataChanged.emit(self.index(0, 0), self.index(6, 23))

    def set_cells(self, cells: list, measure: str) -> None:
        """Cells of a Heatmap record (weekday, hour, posts and the figures)."""
        self.beginResetModel()
        self.measure = measure
        self.values = {(c.weekday, c.hour): getattr(c, measure) for c in cells if getattr(c, measure) is not None}
        self.posts = {(c.weekday, c.hour): c.posts for c in cells}
        self.endResetModel()

    def is_empty(self) -> bool:
        return not self.values

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 7

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 24

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < 7 and 0 <= index.column() < 24):
            return None
        cell = (index.row(), index.column())
        value = self.values.get(cell)
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._shade(value)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.text
        if role == Qt.ItemDataRole.ToolTipRole:
            if value is None:
                return f"{WEEKDAYS[cell[0]]} {cell[1]:02d}:00 – no posts"
            shown = f"{value * 100:.2f} %" if self.measure == "engagement_rate" else figure_text(value)
            return f"{WEEKDAYS[cell[0]]} {cell[1]:02d}:00 – {self.posts.get(cell, 0)} post(s), {shown}"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return WEEKDAYS[section] if 0 <= section < 7 else None
        if not 0 <= section < 24:
            return None
        return f"{section:02d}" if section % 3 == 0 else ""  # every third hour: 24 labels do not fit

    def _shade(self, value: float | None) -> QColor:
        peak = max(self.values.values(), default=0) or 1
        share = 0.0 if value is None else max(0.0, min(1.0, value / peak))
        share = 0.0 if value is None else 0.15 + 0.85 * share
        low, high = self.low, self.high
        return QColor(round(low.red() + (high.red() - low.red()) * share),
                      round(low.green() + (high.green() - low.green()) * share),
                      round(low.blue() + (high.blue() - low.blue()) * share))

    def records(self) -> list[dict[str, Any]]:
        return [{"weekday": WEEKDAYS[d], "hour": h, "posts": self.posts.get((d, h), 0), self.measure: v}
                for (d, h), v in sorted(self.values.items())]
