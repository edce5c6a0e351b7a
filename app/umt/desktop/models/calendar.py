"""What the calendar shows: posts placed in the owner's time zone, conflicts between them, the
planner's proposals (a table model) and the best-time grid. Plain data: views and widgets read it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

# The gap the agent's planner keeps between two posts on one channel: closer than this is a conflict.
MIN_GAP_HOURS = 4.0
# Colours chosen to read on the light and the dark surface alike.
STATUS_COLOURS = {
    "draft": "#8a94a3",
    "in_review": "#d48a00",
    "approved": "#2f6fde",
    "scheduled": "#7b4fd6",
    "published": "#1f9d55",
    "archived": "#6b7480",
}
STATUS_WORDS = {"draft": "Draft", "in_review": "In review", "approved": "Approved", "scheduled": "Scheduled",
                "published": "Published", "archived": "Archived"}
# A post that went out keeps its time (the gateway refuses the move and says why).
FIXED_STATUSES = frozenset({"published", "archived"})


@dataclass(frozen=True)
class CalendarPost:
    id: int
    title: str
    channel: str
    status: str
    at: datetime            # aware, in the owner's time zone
    conflict_with: tuple[int, ...] = ()
    deliveries: tuple[str, ...] = ()    # its deliveries' statuses, one per channel account (sorted)

    @property
    def delivery_failed(self) -> bool:
        """A channel refused it, or may not have it: the calendar marks the post."""
        return "failed" in self.deliveries or "unknown" in self.deliveries

    @property
    def day(self) -> date:
        return self.at.date()

    @property
    def movable(self) -> bool:
        return self.status not in FIXED_STATUSES


def flag_conflicts(posts: list[CalendarPost], gap_hours: float = MIN_GAP_HOURS) -> list[CalendarPost]:
    """Each post with the ids of the posts on its channel less than `gap_hours` away (archived
    posts do not count: they will not go out). Sorted by time."""
    gap = timedelta(hours=gap_hours)
    live = sorted((p for p in posts if p.status != "archived"), key=lambda p: (p.channel, p.at))
    clashes: dict[int, set[int]] = {}
    for index, post in enumerate(live):
        for later in live[index + 1:]:
            if later.channel != post.channel or later.at - post.at >= gap:
                break
            clashes.setdefault(post.id, set()).add(later.id)
            clashes.setdefault(later.id, set()).add(post.id)
    return sorted((replace(p, conflict_with=tuple(sorted(clashes.get(p.id, ())))) for p in posts),
                  key=lambda p: (p.at, p.id))


@dataclass(frozen=True)
class BestTimes:
    """The agent's best-time answer for the week view: a score 0..1 per (weekday, hour) and the
    best slots, or `message` alone when there is not enough data yet."""

    message: str
    scores: dict[tuple[int, int], float] = field(default_factory=dict)
    best: frozenset[tuple[int, int]] = frozenset()

    @property
    def enough_data(self) -> bool:
        return bool(self.scores)


@dataclass
class Proposal:
    """The planner's slot for one waiting post, and the owner's decision."""

    post_id: int
    title: str
    channel: str
    at: datetime            # the owner's time zone
    best_time: bool
    decision: str = "proposed"      # proposed, accepting, accepted, rejected, failed
    reason: str = ""

    @property
    def open(self) -> bool:
        return self.decision in ("proposed", "failed")


class ProposalsModel(QAbstractTableModel):
    """The planner's proposals, one row each: when, channel, post, and what the owner decided."""

    HEADERS = ("When", "Channel", "Post", "Decision")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Proposal] = []

    def set_proposals(self, proposals: list[Proposal]) -> None:
        self.beginResetModel()
        self._rows = list(proposals)
        self.endResetModel()

    def proposal(self, row: int) -> Proposal:
        return self._rows[row]

    def proposals(self) -> list[Proposal]:
        return list(self._rows)

    def changed(self, proposal: Proposal) -> None:
        """Repaints a proposal's row after its decision changed."""
        for row, candidate in enumerate(self._rows):
            if candidate is proposal:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        proposal, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return proposal.at.strftime("%a %d %b, %H:%M") + ("  ★" if proposal.best_time else "")
            if column == 1:
                return proposal.channel
            if column == 2:
                return proposal.title
            if column == 3:
                return {"proposed": "—", "accepting": "Scheduling…", "accepted": "Accepted",
                        "rejected": "Rejected", "failed": f"Refused: {proposal.reason}"}[proposal.decision]
        if role == Qt.ItemDataRole.ToolTipRole and column == 0 and proposal.best_time:
            return "One of the best times to post, from your own results."
        if role == Qt.ItemDataRole.ToolTipRole and column == 3 and proposal.reason:
            return proposal.reason
        return None


def month_grid_start(day: date) -> date:
    """The Monday on or before the first of day's month: the month view's first cell."""
    first = day.replace(day=1)
    return first - timedelta(days=first.weekday())


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
