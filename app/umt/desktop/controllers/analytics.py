"""The Analytics section's calls to the gateway: the aggregates the database computes (totals over
time, split by channel or campaign; top content; the weekday × hour grid) and the metrics import.

Every call goes through the SessionController with a `key`, so changing the range quickly only
delivers the newest answer. The views get the contract's records (umt.contract.analytics) and
plain lists; they never see the client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QObject, Signal

from umt.client.errors import ApiError
from umt.contract.analytics import MAX_RANGE_DAYS
from umt.desktop.controllers.problem import Problem

LIST_PAGE = 500


@dataclass(frozen=True)
class AnalyticsFilters:
    """What the owner chose: the days (both included) and the optional campaign and channel."""

    start: date
    end: date
    campaign_id: int | None = None
    channel: str | None = None
    split: str = "total"        # "total", "channel" or "campaign": one line per …
    time_zone: str = "UTC"      # the heatmap's

    def query(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "campaign_id": self.campaign_id, "channel": self.channel}


@dataclass(frozen=True)
class Series:
    """One line of the chart: its name and the day-by-day TotalsRows (umt.contract.analytics)."""

    name: str
    rows: list = field(default_factory=list)


@dataclass(frozen=True)
class RowError:
    """One refused row of an import: its number in the file (the header is row 1) and why."""

    row: int
    field: str | None
    message: str


def row_errors(exc: BaseException) -> list[RowError]:
    """The per-row errors the gateway names in a refused import's details (empty if none)."""
    details = exc.details if isinstance(exc, ApiError) else None
    if not isinstance(details, list):
        return []
    return [RowError(int(d.get("row", 0)), d.get("field"), str(d.get("message", ""))) for d in details
            if isinstance(d, dict)]


def chart_series(client, filters: AnalyticsFilters) -> list[Series]:  # worker thread
    """The lines of the chart: the total, or one per channel or campaign that has figures."""
    query = filters.query()
    if filters.split == "total":
        return [Series("All posts", list(client.analytics.totals(by="day", **query).rows))]
    groups = client.analytics.totals(by=filters.split, **query).rows
    series = []
    for group in groups:
        narrowed = dict(query)
        if filters.split == "channel":
            narrowed["channel"] = group.key
        elif group.id is None:
            continue  # content without a campaign: no filter selects it alone
        else:
            narrowed["campaign_id"] = group.id
        series.append(Series(group.label or group.key, list(client.analytics.totals(by="day", **narrowed).rows)))
    return series


class AnalyticsController(QObject):
    sig_series_loaded = Signal(object)
    """The chart's lines for the current filters arrived (a list of Series)."""

    sig_top_content_loaded = Signal(object)
    """The top-content ranking arrived (a TopContent record)."""

    sig_heatmap_loaded = Signal(object)
    """The weekday × hour grid arrived (a Heatmap record)."""

    sig_choices_loaded = Signal(list, list)
    """What the filters offer: the campaigns as (id, name) pairs, and the channels with figures."""

    sig_load_failed = Signal(str)
    """A read failed, in words."""

    sig_import_succeeded = Signal(object)
    """The metrics import was committed: the gateway's ImportResult."""

    sig_import_refused = Signal(str, list)
    """The import was refused whole: the message and the RowErrors (empty when not about rows)."""

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.filters: AnalyticsFilters | None = None
        self.measure = "engagements"

    def load(self, filters: AnalyticsFilters, measure: str | None = None) -> None:
        """Reads the chart, the ranking and the grid; newer loads supersede older ones still running."""
        self.filters = filters
        self.measure = measure or self.measure
        failed = self._on_load_failed
        self._session.call(lambda client: chart_series(client, filters), self.sig_series_loaded.emit, failed,
                           key="analytics:series", description="chart the metrics")
        self.load_top_content(self.measure)
        self._session.call(lambda client: client.analytics.heatmap(time_zone=filters.time_zone, **filters.query()),
                           self.sig_heatmap_loaded.emit, failed, key="analytics:heatmap",
                           description="read the weekday and hour grid")

    def load_top_content(self, measure: str) -> None:
        filters, self.measure = self.filters, measure
        if filters is None:
            return
        self._session.call(lambda client: client.analytics.top_content(measure=measure, limit=20, **filters.query()),
                           self.sig_top_content_loaded.emit, self._on_load_failed, key="analytics:top",
                           description="rank the content")

    def reload(self) -> None:
        if self.filters is not None:
            self.load(self.filters)

    def load_choices(self, today: date) -> None:
        def read(client):  # worker thread
            campaigns = [(c.id, c.name) for c in client.campaigns.list(limit=LIST_PAGE).items]
            widest = client.analytics.totals(today - timedelta(days=MAX_RANGE_DAYS - 1), today, by="channel")
            return campaigns, [row.key for row in widest.rows]

        self._session.call(read, lambda choices: self.sig_choices_loaded.emit(*choices), self._on_load_failed,
                           key="analytics:choices", description="list the campaigns and channels")

    def import_metrics(self, csv_text: str) -> None:
        """Commits every row or none (the gateway's import); refused: the message and each row's error."""
        self._session.call(lambda client: client.metrics.import_csv(csv_text), self._on_imported,
                           self._on_import_failed, description="import metrics")

    def _on_imported(self, result) -> None:
        self.sig_import_succeeded.emit(result)
        self.reload()

    def _on_import_failed(self, exc: BaseException) -> None:
        self.sig_import_refused.emit(Problem.from_error(exc).message, row_errors(exc))

    def _on_load_failed(self, exc: BaseException) -> None:
        self.sig_load_failed.emit(Problem.from_error(exc).message)
