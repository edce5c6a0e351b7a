"""Routes for the analytics aggregates (computed by the database; see analytics.py)."""

from __future__ import annotations

from umt.contract import analytics as a
from umt.gateway import analytics
from umt.gateway.http import Call, Operation


async def analytics_totals(call: Call):
    return await call.run(analytics.totals, call.services.engine, call.query)


async def analytics_top_content(call: Call):
    return await call.run(analytics.top_content, call.services.engine, call.query)


async def analytics_heatmap(call: Call):
    return await call.run(analytics.heatmap, call.services.engine, call.query)


def operations() -> list[Operation]:
    return [
        Operation("GET", "/api/v1/analytics/totals", analytics_totals,
                  "metric totals and rates over a range of days, by day, ISO week, channel, campaign or content item",
                  "analytics", query=a.TotalsQuery, reply=a.TotalsReport),
        Operation("GET", "/api/v1/analytics/top-content", analytics_top_content,
                  "the content items ranked by a measure over a range of days", "analytics",
                  query=a.TopContentQuery, reply=a.TopContent),
        Operation("GET", "/api/v1/analytics/heatmap", analytics_heatmap,
                  "metric totals by weekday and hour of posting, in a time zone", "analytics",
                  query=a.HeatmapQuery, reply=a.Heatmap),
    ]
