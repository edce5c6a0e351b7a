"""Analytics aggregates over real HTTP on SQLite and PostgreSQL, each figure checked against a
plain Python computation over the same rows, read back through the API."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from umt.client import ValidationFailed
from umt.contract.analytics import Heatmap, HeatmapCell, TopContent, TopContentRow, Totals, TotalsReport, TotalsRow

FIRST_DAY = date(2026, 2, 20)
DAYS = 60
START, END = date(2026, 3, 1), date(2026, 4, 10)  # spans the DST change in Europe (29 March)
CHANNELS = ("linkedin", "instagram", "x", "email")
SUMMED = ("impressions", "clicks", "engagements", "conversions", "spend")
SKIP = object()  # a row a grouping leaves out


@pytest.fixture
def seeded(owner):
    """Two brands, three campaigns, 26 content items (some published, some with no post time) and
    their daily metrics, imported in one CSV; returns the items and metrics as the API lists them."""
    rng = random.Random(20261130)
    brands = [owner.brands.create(name=name) for name in ("Acme", "Globex")]
    campaigns = [owner.campaigns.create(name=f"Campaign {n}", brand_id=brands[n % 2].id) for n in range(3)]
    for n in range(26):
        when = datetime(2026, 3, 1, tzinfo=timezone.utc) + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        fields = {"channel": CHANNELS[n % 4], "title": f"Post {n}", "brand_id": brands[n % 2].id if n % 5 else None,
                  "campaign_id": campaigns[n % 3].id if n % 4 else None, "scheduled_at": when if n % 7 else None}
        item = owner.content.create(**{k: v for k, v in fields.items() if v is not None})
        if n in (3, 10):  # published now: published_at wins over scheduled_at
            for status in ("in_review", "approved", "scheduled", "published"):
                owner.content.transition(item.id, status)
    lines = ["content_id,day,impressions,clicks,engagements,conversions,spend"]
    for item in owner.content.iterate():
        for offset in range(DAYS):
            if rng.random() < 0.15:
                continue
            impressions = 0 if item.id % 9 == 0 else rng.randrange(0, 400)
            clicks = rng.randrange(0, impressions + 1) // 4
            lines.append(f"{item.id},{FIRST_DAY + timedelta(days=offset)},{impressions},{clicks},"
                         f"{rng.randrange(0, impressions + 1) // 3},{rng.randrange(0, clicks + 1) // 3},"
                         f"{rng.randrange(0, 2000) / 100:.2f}")
    owner.metrics.import_csv("\n".join(lines) + "\n")
    return {"items": {i.id: i for i in owner.content.iterate()},
            "metrics": list(owner.metrics.iterate(page_size=500)),
            "campaigns": {c.id: c for c in campaigns}, "brands": brands}


# --- the straightforward computation ---------------------------------------------------------

def _rate(numerator, denominator):
    return numerator / denominator if denominator else None


def _totals(sums: dict) -> dict:
    spend = float(round(sums["spend"], 2))
    return {"impressions": sums["impressions"], "clicks": sums["clicks"], "engagements": sums["engagements"],
            "conversions": sums["conversions"], "spend": spend,
            "engagement_rate": _rate(sums["engagements"], sums["impressions"]),
            "click_through_rate": _rate(sums["clicks"], sums["impressions"]),
            "conversion_rate": _rate(sums["conversions"], sums["clicks"]),
            "cost_per_conversion": _rate(spend, sums["conversions"])}


def _grouped(seeded, start, end, key, **filters) -> dict:
    groups: dict = defaultdict(lambda: dict.fromkeys(SUMMED, 0) | {"spend": Decimal(0)})
    for row in seeded["metrics"]:
        item = seeded["items"][row.content_id]
        if not start <= row.day <= end or any(getattr(item, k) != v for k, v in filters.items()):
            continue
        group = key(row, item)
        if group is SKIP:
            continue
        for name in SUMMED:
            groups[group][name] += Decimal(str(row.spend)) if name == "spend" else getattr(row, name)
    return groups


def expected_totals(seeded, by: str, **filters) -> TotalsReport:
    if by in ("day", "week"):
        def key(row, _):
            return row.day if by == "day" else row.day - timedelta(days=row.day.weekday())
    else:
        def key(_, item):
            return {"channel": item.channel, "campaign": item.campaign_id, "content": item.id}[by]
    groups = _grouped(seeded, START, END, key, **filters)
    rows = []
    for group, sums in groups.items():
        if by == "day":
            fields = {"key": group.isoformat(), "label": group.isoformat(), "first_day": group, "id": None}
        elif by == "week":
            name = f"{group.isocalendar()[0]}-W{group.isocalendar()[1]:02d}"
            fields = {"key": name, "label": name, "first_day": group, "id": None}
        elif by == "channel":
            fields = {"key": group, "label": group, "first_day": None, "id": None}
        elif by == "campaign":
            fields = {"key": "none" if group is None else str(group), "first_day": None, "id": group,
                      "label": seeded["campaigns"][group].name if group else "(no campaign)"}
        else:
            fields = {"key": str(group), "label": seeded["items"][group].title, "first_day": None, "id": group}
        rows.append(TotalsRow(**fields, **_totals(sums)))
    order = {"day": lambda r: r.first_day, "week": lambda r: r.first_day, "channel": lambda r: r.key,
             "campaign": lambda r: (r.id is None, r.id or 0), "content": lambda r: r.id}[by]
    everything = _grouped(seeded, START, END, lambda *_: "all", **filters)["all"]
    return TotalsReport(by=by, start=START, end=END, rows=sorted(rows, key=order), overall=Totals(**_totals(everything)))


def posted_at(item) -> datetime | None:
    return item.published_at or item.scheduled_at


# --- totals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("by", ["day", "week", "channel", "campaign", "content"])
def test_totals_match_a_python_computation(owner, seeded, by):
    report = owner.analytics.totals(START, END, by=by)
    assert report == expected_totals(seeded, by)
    assert report.rows and report.overall.impressions > 0
    brand, campaign = seeded["brands"][1].id, next(iter(seeded["campaigns"]))
    for filters in ({"brand_id": brand}, {"campaign_id": campaign}, {"channel": "x"},
                    {"brand_id": brand, "channel": "instagram"}):
        assert owner.analytics.totals(START, END, by=by, **filters) == expected_totals(seeded, by, **filters), filters


def test_rates_are_null_without_a_denominator_and_an_empty_range_has_no_rows(owner, seeded):
    silent = [r for r in owner.analytics.totals(START, END, by="content").rows if r.impressions == 0]
    assert silent and all(r.engagement_rate is None and r.click_through_rate is None for r in silent)
    empty = owner.analytics.totals(date(2025, 1, 1), date(2025, 3, 31), by="week")
    assert empty.rows == [] and empty.overall == Totals(
        impressions=0, clicks=0, engagements=0, conversions=0, spend=0.0, engagement_rate=None,
        click_through_rate=None, conversion_rate=None, cost_per_conversion=None)


# --- top content -----------------------------------------------------------------------------

def expected_top(seeded, measure: str, limit: int, floor: int, **filters) -> list[TopContentRow]:
    groups = _grouped(seeded, START, END, lambda _, item: item.id, **filters)
    minimum = max(floor, 1) if measure == "engagement_rate" else floor
    candidates = [(item_id, _totals(sums)) for item_id, sums in groups.items() if sums["impressions"] >= minimum]
    candidates.sort(key=lambda pair: (-pair[1][measure], pair[0]))
    items = seeded["items"]
    return [TopContentRow(rank=rank, content_id=item_id, title=items[item_id].title, channel=items[item_id].channel,
                          campaign_id=items[item_id].campaign_id, **totals)
            for rank, (item_id, totals) in enumerate(candidates[:limit], start=1)]


@pytest.mark.parametrize("measure", ["impressions", "clicks", "engagements", "conversions", "engagement_rate"])
def test_top_content_by_each_measure(owner, seeded, measure):
    top = owner.analytics.top_content(START, END, measure=measure, limit=5)
    floor = 100 if measure == "engagement_rate" else 0
    assert top == TopContent(measure=measure, min_impressions=floor, start=START, end=END,
                             items=expected_top(seeded, measure, 5, floor))
    assert len(top.items) == 5
    floored = owner.analytics.top_content(START, END, measure=measure, limit=50, min_impressions=2000, channel="x")
    assert floored.items == expected_top(seeded, measure, 50, 2000, channel="x")
    assert floored.min_impressions == 2000 and all(i.impressions >= 2000 and i.channel == "x" for i in floored.items)
    assert owner.analytics.top_content(START, END, measure=measure, min_impressions=10**12).items == []


# --- the weekday × hour grid -----------------------------------------------------------------

@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns"])
def test_heatmap_places_posts_in_the_owners_time_zone(owner, seeded, zone):
    tz = ZoneInfo(zone)
    items = seeded["items"]

    def cell(_, item):
        when = posted_at(item)
        return SKIP if when is None else (when.astimezone(tz).weekday(), when.astimezone(tz).hour)

    groups = _grouped(seeded, START, END, cell)
    posts: dict = defaultdict(set)
    for row in seeded["metrics"]:
        if START <= row.day <= END and posted_at(items[row.content_id]) is not None:
            posts[cell(None, items[row.content_id])].add(row.content_id)
    expected = Heatmap(time_zone=zone, start=START, end=END, cells=[
        HeatmapCell(weekday=w, hour=h, posts=len(posts[(w, h)]), **_totals(groups[(w, h)]))
        for w, h in sorted(groups)])
    assert owner.analytics.heatmap(START, END, time_zone=zone) == expected
    assert any(i.published_at for i in items.values()) and any(posted_at(i) is None for i in items.values())


def test_heatmap_half_hour_zone_differs_from_whole_hours(owner, seeded):
    """Kolkata is UTC+05:30: a post at 10:40 UTC is 16:10 there (a whole-hour shift would say 15h)."""
    item = owner.content.create(channel="x", title="Half hour", scheduled_at=datetime(2026, 3, 2, 10, 40,
                                                                                       tzinfo=timezone.utc))
    owner.metrics.create(content_id=item.id, day=date(2026, 3, 2), impressions=7)
    grid = owner.analytics.heatmap(START, END, time_zone="Asia/Kolkata", channel="x", campaign_id=None)
    assert any(c.weekday == 0 and c.hour == 16 and c.impressions >= 7 for c in grid.cells)
    only = owner.analytics.heatmap(date(2026, 3, 2), date(2026, 3, 2), time_zone="Asia/Kolkata")
    assert (0, 16) in {(c.weekday, c.hour) for c in only.cells}


# --- bad requests ----------------------------------------------------------------------------

@pytest.mark.parametrize("call, field, words", [
    (lambda o: o.analytics.totals(END, START), "end", "before start"),
    (lambda o: o.analytics.totals(date(2024, 1, 1), date(2026, 1, 1)), "end", "731 days"),
    (lambda o: o.analytics.totals(START, END, by="month"), "by", "must be one of campaign, channel, content, day, week"),
    (lambda o: o.analytics.top_content(START, END, measure="likes"), "measure", "engagement_rate, engagements, impressions"),
    (lambda o: o.analytics.top_content(START, END, limit=0), "limit", "at least 1"),
    (lambda o: o.analytics.heatmap(START, END, time_zone="Mars/Olympus"), "time_zone", "IANA time zone"),
    (lambda o: o.analytics.heatmap(START, END, time_zone="../etc/passwd"), "time_zone", "must match"),
    (lambda o: o.analytics.totals("2026-02-30", END), "start", "date"),
    (lambda o: o.request("GET", "/api/v1/analytics/totals", params={"end": "2026-01-01"}), "start", "required"),
    (lambda o: o.request("GET", "/api/v1/analytics/heatmap",
                         params={"start": "2026-01-01", "end": "2026-01-02", "tz": "UTC"}), "tz", "not a known"),
])
def test_bad_queries_are_refused_naming_the_field(owner, call, field, words):
    with pytest.raises(ValidationFailed) as refused:
        call(owner)
    assert refused.value.status == 422 and refused.value.field == field and words in refused.value.message, (
        refused.value.field, refused.value.message)


def test_the_operations_are_in_the_openapi_document(anonymous):
    paths = anonymous.openapi()["paths"]
    for path, extra in (("totals", "by"), ("top-content", "measure"), ("heatmap", "time_zone")):
        operation = paths[f"/api/v1/analytics/{path}"]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert parameters["start"]["required"] and parameters["end"]["required"] and extra in parameters
        assert {"brand_id", "campaign_id", "channel"} <= parameters.keys()
        assert set(operation["responses"]) >= {"200", "401", "422"}
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].startswith(
            "#/components/schemas/")

