"""Analytics: aggregates of the daily metrics that the gateway's database computes, over a range of
days (both ends included, at most two years), optionally for one brand, campaign or channel.

Rates are null when their denominator is 0:
- engagement_rate = engagements / impressions
- click_through_rate = clicks / impressions
- conversion_rate = conversions / clicks
- cost_per_conversion = spend / conversions"""

from __future__ import annotations

import zoneinfo
from datetime import date
from typing import Annotated, Literal

from msgspec import Meta

from umt.contract.base import Channel, Id, Input, Invalid, Record

MAX_RANGE_DAYS = 731
Grouping = Literal["day", "week", "channel", "campaign", "content"]
Measure = Literal["impressions", "clicks", "engagements", "conversions", "engagement_rate"]
TimeZoneName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$",
                                   description="an IANA time zone name such as Europe/Berlin")]


# --- queries (query-string parameters) -------------------------------------------------------

class AnalyticsQuery(Input):
    """The days to aggregate and the optional filters every analytics operation takes."""

    start: Annotated[date, Meta(description="first day, included")]
    end: Annotated[date, Meta(description="last day, included; at most 731 days after start")]
    brand_id: Id | None = None
    campaign_id: Id | None = None
    channel: Channel | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.end < self.start:
            raise Invalid("end", "must not be before start")
        if (self.end - self.start).days + 1 > MAX_RANGE_DAYS:
            raise Invalid("end", f"must be at most {MAX_RANGE_DAYS} days after start (both included)")


class TotalsQuery(AnalyticsQuery):
    # One row per day, ISO week (starting Monday), channel, campaign or content item. (No Meta
    # description here: the decoder's "must be one of …" does not look inside Annotated yet.)
    by: Grouping = "day"


class TopContentQuery(AnalyticsQuery):
    measure: Measure = "engagements"
    limit: Annotated[int, Meta(ge=1, le=100)] = 10
    min_impressions: Annotated[int, Meta(ge=0, le=10**12, description=(
        "only content with at least this many impressions in the range is ranked; "
        "default 100 for engagement_rate, 0 otherwise"))] | None = None


class HeatmapQuery(AnalyticsQuery):
    time_zone: TimeZoneName = "UTC"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not known_time_zone(self.time_zone):
            raise Invalid("time_zone", "is not a known IANA time zone name (such as Europe/Berlin)")


def known_time_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError, IsADirectoryError, PermissionError):
        return False
    return True


# --- replies ---------------------------------------------------------------------------------

class Totals(Record):
    impressions: int
    clicks: int
    engagements: int
    conversions: int
    spend: float
    engagement_rate: float | None
    click_through_rate: float | None
    conversion_rate: float | None
    cost_per_conversion: float | None


class TotalsRow(Totals):
    key: Annotated[str, Meta(description="the day YYYY-MM-DD, the week YYYY-Www, the channel, or the campaign's "
                                         "or content item's id (\"none\": content without a campaign)")]
    label: str
    first_day: date | None  # the day, or the week's Monday
    id: int | None  # the campaign's or content item's


class TotalsReport(Record):
    by: Grouping
    start: date
    end: date
    rows: list[TotalsRow]  # days and weeks in order; channels by name; campaigns and content by id
    overall: Totals


class TopContentRow(Totals):
    rank: int
    content_id: int
    title: str
    channel: str
    campaign_id: int | None


class TopContent(Record):
    measure: Measure
    min_impressions: int
    start: date
    end: date
    items: list[TopContentRow]


class HeatmapCell(Totals):
    weekday: int  # 0 = Monday … 6 = Sunday, in the requested time zone
    hour: int  # 0-23, in the requested time zone
    posts: int  # content items posted in this hour of the week with metrics in the range


class Heatmap(Record):
    """Each content item's metrics in the range, placed at the hour of the week it was published
    (or, if not published, scheduled); items with neither are left out. Only cells with posts."""

    time_zone: str
    start: date
    end: date
    cells: list[HeatmapCell]


__all__ = ["AnalyticsQuery", "Grouping", "Heatmap", "HeatmapCell", "HeatmapQuery", "MAX_RANGE_DAYS", "Measure",
           "TopContent", "TopContentQuery", "TopContentRow", "Totals", "TotalsQuery", "TotalsReport", "TotalsRow",
           "known_time_zone"]
