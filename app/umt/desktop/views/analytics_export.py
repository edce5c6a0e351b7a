"""Export of the figures the Analytics section shows, as CSV or JSON: the chart's lines, the top
content table and the weekday × hour grid, with the range and filters they were computed for."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class ShownFigures:
    start: date
    end: date
    filters: dict[str, Any]
    measure: str                                           # the chart's
    chart: dict[str, list[tuple[date, float]]]             # line name → (day, value)
    top_content: list[dict[str, Any]] = field(default_factory=list)
    top_measure: str = "engagements"
    top_heading: str = "Engagements"                        # the top-content column of that measure
    heatmap: list[dict[str, Any]] = field(default_factory=list)
    time_zone: str = "UTC"


def as_json(figures: ShownFigures) -> str:
    return json.dumps({
        "start": figures.start.isoformat(), "end": figures.end.isoformat(), "filters": figures.filters,
        "chart": {"measure": figures.measure, "lines": {name: [{"day": day.isoformat(), figures.measure: value}
                                                               for day, value in points]
                                                        for name, points in figures.chart.items()}},
        "top_content": {"measure": figures.top_measure, "rows": figures.top_content},
        "heatmap": {"time_zone": figures.time_zone, "cells": figures.heatmap},
    }, indent=2, default=str)


CSV_COLUMNS = ("table", "line", "day", "rank", "title", "weekday", "hour", "posts", "measure", "value")


def as_csv(figures: ShownFigures) -> str:
    """One figure per row; the `table` column says which part of the section it comes from."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for name, points in figures.chart.items():
        for day, value in points:
            writer.writerow({"table": "chart", "line": name, "day": day.isoformat(), "measure": figures.measure,
                             "value": value})
    for row in figures.top_content:
        writer.writerow({"table": "top_content", "rank": row.get("Rank"), "title": row.get("Title"),
                         "measure": figures.top_measure, "value": row.get(figures.top_heading)})
    for cell in figures.heatmap:
        measure = next(k for k in cell if k not in ("weekday", "hour", "posts"))
        writer.writerow({"table": "heatmap", "weekday": cell["weekday"], "hour": cell["hour"], "posts": cell["posts"],
                         "measure": measure, "value": cell[measure]})
    return out.getvalue()
