"""An experiment's variants as an editable table (name, post, exposures, conversions, rate), and
the small CSV (variant,exposures,conversions) an owner may import instead of typing the counts."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

Index = QModelIndex | QPersistentModelIndex

MAX_COUNT = 10**12     # the contract's BigCount bound, so a typo is refused here and not by the API


@dataclass(frozen=True)
class VariantRow:
    name: str
    content_id: int | None = None
    exposures: int = 0
    conversions: int = 0

    @property
    def rate(self) -> float | None:
        return self.conversions / self.exposures if self.exposures else None

    def as_input(self) -> dict[str, Any]:
        return {"name": self.name, "exposures": self.exposures, "conversions": self.conversions,
                "content_id": self.content_id}


class VariantsModel(QAbstractTableModel):
    """Columns: variant, post, exposures, conversions, rate. Counts are editable; conversions above
    exposures are refused at the edit (setData returns False) with the reason in `last_refusal`."""

    sig_edit_refused = Signal(str)
    """An edit was refused (not a number, conversions above exposures): the reason."""

    COLUMNS = ("Variant", "Post", "Exposures", "Conversions", "Rate")
    EXPOSURES, CONVERSIONS = 2, 3

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[VariantRow] = []
        self._titles: dict[int, str] = {}     # content id -> title, for the Post column
        self.last_refusal = ""

    # --- the table -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in (self.EXPOSURES, self.CONVERSIONS):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.EditRole and column in (self.EXPOSURES, self.CONVERSIONS):
            return row.exposures if column == self.EXPOSURES else row.conversions
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= self.EXPOSURES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: VariantRow, column: int) -> str:
        if column == 0:
            return row.name
        if column == 1:
            return self._titles.get(row.content_id, f"post {row.content_id}") if row.content_id else "—"
        if column == self.EXPOSURES:
            return f"{row.exposures:,}"
        if column == self.CONVERSIONS:
            return f"{row.conversions:,}"
        return "—" if row.rate is None else f"{100 * row.rate:.2f} %"

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() \
                or index.column() not in (self.EXPOSURES, self.CONVERSIONS):
            return False
        try:
            count = int(str(value).replace(",", "").strip())
        except ValueError:
            self.last_refusal = f"{value!r} is not a whole number."
            self.sig_edit_refused.emit(self.last_refusal)
            return False
        row = self._rows[index.row()]
        changed = replace(row, exposures=count) if index.column() == self.EXPOSURES else replace(row, conversions=count)
        problem = _problem(changed)
        if problem:
            self.last_refusal = problem
            self.sig_edit_refused.emit(problem)
            return False
        self.last_refusal = ""
        self._rows[index.row()] = changed
        self.dataChanged.emit(self.index(index.row(), self.EXPOSURES), self.index(index.row(), len(self.COLUMNS) - 1))
        return True

    # --- what the page reads and writes ----------------------------------------------------
    def set_rows(self, rows: list[VariantRow], titles: dict[int, str] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if titles is not None:
            self._titles = dict(titles)
        self.endResetModel()

    def rows(self) -> list[VariantRow]:
        return list(self._rows)

    def apply_counts(self, counts: list[tuple[str, int, int]]) -> None:
        """Imported counts by variant name; every name must be a variant of this experiment."""
        known = {row.name: i for i, row in enumerate(self._rows)}
        unknown = [name for name, _, _ in counts if name not in known]
        if unknown:
            raise ValueError(f"the file names {', '.join(unknown)}, which is not a variant here "
                             f"(the variants are {', '.join(known)})")
        rows = list(self._rows)
        for name, exposures, conversions in counts:
            rows[known[name]] = replace(rows[known[name]], exposures=exposures, conversions=conversions)
        self.set_rows(rows)


def _problem(row: VariantRow) -> str:
    if not 0 <= row.exposures <= MAX_COUNT or not 0 <= row.conversions <= MAX_COUNT:
        return f"{row.name}: counts are whole numbers from 0 to {MAX_COUNT:,}."
    if row.conversions > row.exposures:
        return f"{row.name}: {row.conversions:,} conversions is more than its {row.exposures:,} exposures."
    return ""


def parse_counts_csv(text: str) -> list[tuple[str, int, int]]:
    """Rows of `variant,exposures,conversions` (a header line is optional). A bad row raises
    ValueError naming its line, and nothing is taken from the file."""
    rows: list[tuple[str, int, int]] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for line, cells in enumerate(reader, start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if line == 1 and [c.lower() for c in cells] == ["variant", "exposures", "conversions"]:
            continue
        if len(cells) != 3:
            raise ValueError(f"line {line}: expected variant,exposures,conversions but found {len(cells)} values")
        name, exposures, conversions = cells
        try:
            row = VariantRow(name, None, int(exposures), int(conversions))
        except ValueError:
            raise ValueError(f"line {line}: exposures and conversions must be whole numbers") from None
        problem = _problem(row)
        if problem or not name:
            raise ValueError(f"line {line}: {problem or 'the variant has no name'}")
        if any(existing[0] == name for existing in rows):
            raise ValueError(f"line {line}: {name} appears twice")
        rows.append((name, row.exposures, row.conversions))
    if not rows:
        raise ValueError("the file has no rows of variant,exposures,conversions")
    return rows
