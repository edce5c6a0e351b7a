"""Qt table models of the control center: one row per service, columns named by COL_* constants."""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from umt import formatting
from umt.runtime.model import Health, ServiceStats, ServiceStatus, State

Index = QModelIndex | QPersistentModelIndex

# Named roles for delegates and tests (Vorta's archive table model does the same).
StatusRole = Qt.ItemDataRole.UserRole + 1     # the row's ServiceStatus / ServiceStats
FractionRole = Qt.ItemDataRole.UserRole + 2   # 0..1 share of the service's limit, or None
LevelRole = Qt.ItemDataRole.UserRole + 3      # formatting.LEVEL_* for the bar colour
ServiceNameRole = Qt.ItemDataRole.UserRole + 4

_STATE_WORDS = {
    State.MISSING: "not created",
    State.CREATED: "created",
    State.STARTING: "starting",
    State.RUNNING: "running",
    State.RESTARTING: "restarting",
    State.STOPPING: "stopping",
    State.EXITED: "stopped",
    State.FAILED: "failed",
}
_HEALTH_WORDS = {Health.UNKNOWN: "—", Health.STARTING: "checking", Health.HEALTHY: "healthy", Health.UNHEALTHY: "unhealthy"}
BACKEND_WORDS = {"docker": "Docker", "native": "native process"}


class _RowsModel(QAbstractTableModel):
    """Rows keyed by service name: same names in the same order update in place, else reset."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[Any] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def set_rows(self, rows: Sequence[Any]) -> None:
        rows = list(rows)
        if [r.name for r in rows] != [r.name for r in self._rows]:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
            return
        for number, (old, new) in enumerate(zip(self._rows, rows)):
            self._rows[number] = new
            if old != new:
                self.dataChanged.emit(self.index(number, 0), self.index(number, self.columnCount() - 1))
            elif self.TICKING_COLUMN is not None:  # only the clock moved: repaint just that cell
                self.dataChanged.emit(self.index(number, self.TICKING_COLUMN), self.index(number, self.TICKING_COLUMN))

    TICKING_COLUMN: int | None = None  # a column whose text changes with time alone

    def row(self, number: int) -> Any:
        return self._rows[number]

    def names(self) -> list[str]:
        return [r.name for r in self._rows]

    def _valid(self, index: Index) -> bool:
        return index.isValid() and 0 <= index.row() < len(self._rows) and 0 <= index.column() < len(self.HEADERS)


class ServicesTableModel(_RowsModel):
    COL_SERVICE, COL_STATE, COL_HEALTH, COL_UPTIME, COL_RESTARTS, COL_BACKEND, COL_ACTION = range(7)
    HEADERS = ("Service", "State", "Health", "Uptime", "Restarts", "Backend", "")
    TICKING_COLUMN = COL_UPTIME  # uptime moves on even when nothing else changed

    def set_statuses(self, statuses: Sequence[ServiceStatus]) -> None:
        self.set_rows(statuses)

    def restarting(self, number: int) -> bool:
        return self._rows[number].state == State.RESTARTING

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        status: ServiceStatus = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                self.COL_SERVICE: status.name,
                self.COL_STATE: _STATE_WORDS.get(status.state, str(status.state.value)),
                self.COL_HEALTH: _HEALTH_WORDS.get(status.health, str(status.health.value)),
                self.COL_UPTIME: formatting.uptime(status.uptime_s),
                self.COL_RESTARTS: str(status.restarts),
                self.COL_BACKEND: BACKEND_WORDS.get(status.backend, status.backend or "—"),
                self.COL_ACTION: "",
            }[column]
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.COL_STATE, self.COL_HEALTH):
            details = [status.detail] if status.detail else []
            if status.oom_killed:
                details.append("It was stopped for using more memory than its limit.")
            if status.exit_code is not None and status.state != State.RUNNING:
                details.append(f"Exit code {status.exit_code}.")
            return " ".join(details) or None
        if role == LevelRole and column in (self.COL_STATE, self.COL_HEALTH):
            if status.state == State.FAILED or status.health == Health.UNHEALTHY or status.oom_killed:
                return formatting.LEVEL_DANGER
            if status.state in (State.RESTARTING, State.STARTING) or status.health == Health.STARTING:
                return formatting.LEVEL_WARNING
            return formatting.LEVEL_NORMAL
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.COL_UPTIME, self.COL_RESTARTS):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == StatusRole:
            return status
        if role == ServiceNameRole:
            return status.name
        return None


class ResourcesTableModel(_RowsModel):
    COL_SERVICE, COL_CPU, COL_MEMORY = range(3)
    HEADERS = ("Service", "CPU", "Memory")

    def set_stats(self, service_names: Sequence[str], stats: Sequence[ServiceStats]) -> None:
        """One row per service in `service_names`; a service without a sample shows no figures."""
        by_name = {s.name: s for s in stats}
        self.set_rows([by_name.get(name) or _NoSample(name) for name in service_names])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        sample = self._rows[index.row()]
        column = index.column()
        measured = isinstance(sample, ServiceStats)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.COL_SERVICE:
                return sample.name
            if not measured:
                return "—"
            if column == self.COL_CPU:
                return formatting.cpu_text(sample.cpu_percent, sample.cpu_limit, sample.cpu_fraction)
            return formatting.memory_text(sample.memory_bytes, sample.memory_limit_bytes, sample.memory_fraction)
        if role in (FractionRole, LevelRole) and column in (self.COL_CPU, self.COL_MEMORY):
            fraction = None
            if measured:
                fraction = sample.cpu_fraction if column == self.COL_CPU else sample.memory_fraction
            return fraction if role == FractionRole else formatting.fraction_level(fraction)
        if role == StatusRole:
            return sample if measured else None
        if role == ServiceNameRole:
            return sample.name
        return None


class _NoSample:
    """A service with no figures yet (stopped, or before the first sample)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _NoSample) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)
