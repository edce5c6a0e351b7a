"""The history chart's time axis: distinct labels at every span, whole ticks counted from now."""

from __future__ import annotations

import time

import pytest

from umt.desktop.models.history import Point
from umt.desktop.theme import Theme, palettes
from umt.desktop.widgets.charts import HistoryChart, time_axis


@pytest.mark.parametrize("span_s", [30, 60, 61, 90, 120, 121, 150, 180, 200, 299, 300, 301, 450, 599, 600])
def test_time_axis_labels_never_repeat_and_never_read_minus_zero(span_s):
    axis = time_axis(span_s)
    labels = axis.labels()
    assert len(labels) == len(set(labels)), labels
    assert not any(label.startswith("-0") for label in labels), labels
    assert labels[-1].startswith("0 ") and 3 <= len(labels) <= 8, labels
    assert -axis.minimum * axis.unit_s >= span_s  # the whole history fits


def test_the_chart_after_three_minutes_ticks_each_minute(qtbot):
    chart = HistoryChart("gateway", Theme("light", palettes()["light"]))
    qtbot.addWidget(chart)
    now = time.time()
    points = [Point(at=now - 180 + i, cpu_percent_of_limit=10.0 + i % 7, memory_percent_of_limit=40.0, memory_bytes=50 << 20) for i in range(181)]
    chart.set_points(points, now)
    assert chart.time_axis.labels() == ["-3 min", "-2 min", "-1 min", "0 min"]
    assert (chart.axis_x.min(), chart.axis_x.max()) == (-3.0, 0.0)
    assert chart.axis_x.tickInterval() == 1.0 and chart.axis_x.tickAnchor() == 0.0
    assert chart.axis_x.tickType() == chart.axis_x.TickType.TicksDynamic
    import os

    if os.environ.get("RENDER_DIR"):
        chart.resize(520, 240)
        chart.grab().save(os.path.join(os.environ["RENDER_DIR"], "chart-3min.png"))
