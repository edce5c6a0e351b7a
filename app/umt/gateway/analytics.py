"""Analytics aggregates, computed by the database (SQLAlchemy Core, the same results on SQLite and
PostgreSQL): totals by day, ISO week, channel, campaign or content item; top content by a measure;
the weekday × hour grid in the owner's time zone. Python only divides sums into rates and, on
SQLite, which has no time zone database, places each item's sums in the local grid.

Grouped by channel, campaign or content item, the metrics are summed per content item first
(an index range scan on metrics.day) and only those few rows are joined to their content items."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Float, Integer, Select, cast, extract, func, literal, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Date

from umt.contract import analytics as a
from umt.gateway import tables as t
from umt.gateway.db import as_utc, reading
from umt.gateway.errors import ValidationFailed

m, items, campaigns = t.metrics, t.content_items, t.campaigns
COUNTS = ("impressions", "clicks", "engagements", "conversions")
SUMMED = COUNTS + ("spend",)
RATE_FLOOR = 100  # the default minimum impressions for ranking by engagement rate


class week_start(FunctionElement):
    """The Monday of a date's ISO week, as a date."""

    type = Date()
    name = "week_start"
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw) -> str:
    day = compiler.process(element.clauses, **kw)
    return f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"


@compiles(week_start, "postgresql")
def _week_start_postgresql(element, compiler, **kw) -> str:
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


# --- building blocks -----------------------------------------------------------------------

def _sums(source=m) -> list:
    # Spend as a float (PostgreSQL sums the exact NUMERIC first): Decimals cost ~10 µs a row in
    # Python, and every figure is rounded to cents in the end.
    return [func.sum(source.c[name]).label(name) for name in COUNTS] + [
        cast(func.sum(source.c.spend), Float).label("spend")]


def _in_range(query: Select, q: a.AnalyticsQuery) -> Select:
    """Metrics rows in the range, of the content the filters allow."""
    query = query.where(m.c.day >= q.start, m.c.day <= q.end)
    wanted = [column == value for column, value in ((items.c.brand_id, q.brand_id),
                                                    (items.c.campaign_id, q.campaign_id),
                                                    (items.c.channel, q.channel)) if value is not None]
    if wanted:
        query = query.where(m.c.content_id.in_(select(items.c.id).where(*wanted)))
    return query


def _per_item(q: a.AnalyticsQuery):
    """The range's sums per content item, as a subquery."""
    return _in_range(select(m.c.content_id, *_sums()), q).group_by(m.c.content_id)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def totals_fields(impressions: Any, clicks: Any, engagements: Any, conversions: Any, spend: Any) -> dict[str, Any]:
    """Sums (None from an empty group counts as 0) and the rates derived from them."""
    impressions, clicks, engagements, conversions = (int(v or 0) for v in (impressions, clicks, engagements,
                                                                             conversions))
    spend = round(float(spend or 0), 2)
    return {"impressions": impressions, "clicks": clicks, "engagements": engagements, "conversions": conversions,
            "spend": spend, "engagement_rate": _ratio(engagements, impressions),
            "click_through_rate": _ratio(clicks, impressions), "conversion_rate": _ratio(conversions, clicks),
            "cost_per_conversion": _ratio(spend, conversions)}


def _sums_of(row: Any) -> tuple:
    """The five sums, which every query selects last (slicing a row is cheaper than its names)."""
    return row[-5:]


def _overall(rows: Iterable[Any]) -> a.Totals:
    sums = [0, 0, 0, 0, 0.0]
    for row in rows:
        for index, name in enumerate(SUMMED):
            sums[index] += getattr(row, name)
    return a.Totals(**totals_fields(*sums))


# --- totals --------------------------------------------------------------------------------

def totals(engine: Engine, q: a.TotalsQuery) -> a.TotalsReport:
    with reading(engine) as connection:
        if q.by in ("day", "week"):
            query = _in_range(select(m.c.day.label("first_day"), *_sums()), q).group_by(m.c.day)
            if q.by == "week":  # days first (the index gives them in order), then their few rows by week
                days = query.subquery("days")
                week = week_start(days.c.first_day)
                query = select(week.label("first_day"), *_sums(days)).group_by(week)
            rows = [_period_row(q.by, r) for r in connection.execute(query.order_by("first_day"))]
        else:
            per_item = _per_item(q).subquery("per_item")
            sums = _sums(per_item)
            joined = per_item.join(items, items.c.id == per_item.c.content_id)
            if q.by == "channel":
                query = select(items.c.channel, *sums).select_from(joined).group_by(items.c.channel)
                rows = sorted((a.TotalsRow(key=r.channel, label=r.channel, first_day=None, id=None,
                                           **totals_fields(*_sums_of(r))) for r in connection.execute(query)),
                              key=lambda row: row.key)
            elif q.by == "campaign":
                query = (select(items.c.campaign_id, campaigns.c.name, *sums)
                         .select_from(joined.outerjoin(campaigns, campaigns.c.id == items.c.campaign_id))
                         .group_by(items.c.campaign_id, campaigns.c.name))
                rows = sorted((a.TotalsRow(key="none" if r.campaign_id is None else str(r.campaign_id),
                                           label=r.name or "(no campaign)", first_day=None, id=r.campaign_id,
                                           **totals_fields(*_sums_of(r))) for r in connection.execute(query)),
                              key=lambda row: (row.id is None, row.id or 0))
            else:
                query = (select(items.c.id, items.c.title, *[per_item.c[name] for name in SUMMED])
                         .select_from(joined).order_by(items.c.id))
                rows = [a.TotalsRow(key=str(r.id), label=r.title, first_day=None, id=r.id,
                                    **totals_fields(*_sums_of(r))) for r in connection.execute(query)]
    return a.TotalsReport(by=q.by, start=q.start, end=q.end, rows=rows, overall=_overall(rows))


def _period_row(by: str, row: Any) -> a.TotalsRow:
    first = row.first_day if isinstance(row.first_day, date) else date.fromisoformat(row.first_day)
    if by == "day":
        key = first.isoformat()
    else:
        year, week, _ = first.isocalendar()
        key = f"{year}-W{week:02d}"
    return a.TotalsRow(key=key, label=key, first_day=first, id=None, **totals_fields(*_sums_of(row)))


# --- top content ---------------------------------------------------------------------------

def top_content(engine: Engine, q: a.TopContentQuery) -> a.TopContent:
    floor = q.min_impressions if q.min_impressions is not None else (
        RATE_FLOOR if q.measure == "engagement_rate" else 0)
    minimum = max(floor, 1) if q.measure == "engagement_rate" else floor  # a rate needs impressions
    ranked = _per_item(q)
    if minimum:
        ranked = ranked.having(func.sum(m.c.impressions) >= literal(minimum, BigInteger))  # may pass 2**31
    ranked = ranked.order_by(_measure(q.measure, func.sum(m.c.engagements), func.sum(m.c.impressions),
                                      func.sum(m.c[q.measure]) if q.measure in COUNTS else None).desc(),
                             m.c.content_id).limit(q.limit).subquery("ranked")
    query = (select(items.c.title, items.c.channel, items.c.campaign_id, *ranked.c)
             .select_from(ranked.join(items, items.c.id == ranked.c.content_id))
             .order_by(_measure(q.measure, ranked.c.engagements, ranked.c.impressions,
                                ranked.c[q.measure] if q.measure in COUNTS else None).desc(), ranked.c.content_id))
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    return a.TopContent(measure=q.measure, min_impressions=floor, start=q.start, end=q.end, items=[
        a.TopContentRow(rank=rank, content_id=r.content_id, title=r.title, channel=r.channel,
                        campaign_id=r.campaign_id, **totals_fields(*_sums_of(r)))
        for rank, r in enumerate(rows, start=1)])


def _measure(measure: str, engagements, impressions, count):
    if measure == "engagement_rate":
        return cast(engagements, Float) / impressions
    return count


# --- the weekday × hour grid ---------------------------------------------------------------

def heatmap(engine: Engine, q: a.HeatmapQuery) -> a.Heatmap:
    per_item = _per_item(q).subquery("per_item")
    posted = func.coalesce(items.c.published_at, items.c.scheduled_at)
    joined = per_item.join(items, items.c.id == per_item.c.content_id)
    cells: dict[tuple[int, int], list[Any]] = {}
    with reading(engine) as connection:
        if engine.dialect.name == "postgresql":
            # The database converts: timezone(zone, timestamptz) is the local wall-clock time there.
            local = func.timezone(q.time_zone, posted)
            placed = (select((cast(extract("isodow", local), Integer) - 1).label("weekday"),
                             cast(extract("hour", local), Integer).label("hour"), *per_item.c)
                      .select_from(joined).where(posted.is_not(None)).subquery("placed"))
            query = (select(placed.c.weekday, placed.c.hour, func.count().label("posts"), *_sums(placed))
                     .group_by(placed.c.weekday, placed.c.hour))
            try:
                rows = connection.execute(query).all()
            except DataError:  # a name Python's zone database knows and the server's does not
                raise ValidationFailed("time_zone", "is not a time zone the database knows") from None
            for r in rows:
                cells[(r.weekday, r.hour)] = [r.posts, *_sums_of(r)]
        else:
            # SQLite has no zone database: it sums each item's metrics and Python places the item
            # by its exact UTC post time. (Not a UTC-hour grouping: a +05:30 or +05:45 zone splits
            # a UTC hour across two local hours; and grouping by minute would cost a sort for
            # nothing, as items rarely share one.)
            query = select(posted.label("posted"), *per_item.c).select_from(joined).where(posted.is_not(None))
            zone = ZoneInfo(q.time_zone)
            for r in connection.execute(query):
                local = as_utc(r.posted).astimezone(zone)
                cell = cells.setdefault((local.weekday(), local.hour), [0, 0, 0, 0, 0, 0.0])
                for index, value in enumerate((1, *r[-5:])):
                    cell[index] += value
    return a.Heatmap(time_zone=q.time_zone, start=q.start, end=q.end, cells=[
        a.HeatmapCell(weekday=weekday, hour=hour, posts=int(values[0]), **totals_fields(*values[1:]))
        for (weekday, hour), values in sorted(cells.items())])

