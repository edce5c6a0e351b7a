"""Ten-minute history charts, one per service: CPU and memory as shares of the service's limits."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QWidget

from umt.desktop.models.history import HISTORY_SECONDS, Point, ResourceHistory
from umt.desktop.theme import Theme


@dataclass(frozen=True)
class TimeAxis:
    """The time axis for a span of history: whole ticks counted back from now, so that no two
    labels read the same (a 150 s span in minutes with six even ticks printed -2, -2, -1, -1…)."""

    unit_s: float       # seconds per axis unit
    minimum: float      # the left end, in units (negative: the past)
    interval: float     # between ticks, in units, anchored at 0 (now)
    label_format: str

    def tick_values(self) -> list[float]:
        count = int(round(-self.minimum / self.interval))
        return [-self.interval * k for k in range(count, -1, -1)]

    def labels(self) -> list[str]:
        """What the axis prints (Qt formats each tick with the printf-style label format)."""
        return [self.label_format % value for value in self.tick_values()]


def paint_chart(chart: QChart, axes, theme: Theme) -> None:
    """The theme's colours on a chart, its legend and its axes: every chart in the app looks alike."""
    chart.setBackgroundBrush(theme.color("surface"))
    chart.setBackgroundRoundness(8)
    chart.setTitleBrush(theme.color("text"))
    chart.legend().setLabelColor(theme.color("text_muted"))
    for axis in axes:
        axis.setLabelsColor(theme.color("text_muted"))
        axis.setGridLineColor(theme.color("chart_grid"))
        axis.setLinePenColor(theme.color("border"))


def time_axis(span_s: float) -> TimeAxis:
    if span_s <= 120:
        interval = 10 if span_s <= 60 else 20
        return TimeAxis(1.0, -interval * math.ceil(span_s / interval), interval, "%d s")
    minutes = math.ceil(span_s / 60 - 1e-9)
    interval = 1 if minutes <= 5 else 2
    return TimeAxis(60.0, -interval * math.ceil(minutes / interval), interval, "%d min")


class HistoryChart(QChartView):
    def __init__(self, service: str, theme: Theme, parent=None):
        self.chart_ = QChart()
        super().__init__(self.chart_, parent)
        self.service = service
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(190)
        chart = self.chart_
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setTitle(service)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        chart.legend().setFont(small)
        self.cpu = QLineSeries()
        self.cpu.setName("CPU, % of limit")
        self.memory = QLineSeries()
        self.memory.setName("Memory, % of limit")
        self.axis_x = QValueAxis()
        self.axis_x.setTickType(QValueAxis.TickType.TicksDynamic)
        self.axis_x.setTickAnchor(0.0)
        self._axis: TimeAxis | None = None
        self._apply_time_axis(time_axis(HISTORY_SECONDS))
        self.axis_y = QValueAxis()
        self.axis_y.setRange(0, 100)
        self.axis_y.setTickCount(5)
        self.axis_y.setLabelFormat("%d %%")
        for axis in (self.axis_x, self.axis_y):
            axis.setLabelsFont(small)
        chart.addAxis(self.axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.axis_y, Qt.AlignmentFlag.AlignLeft)
        for series in (self.cpu, self.memory):
            chart.addSeries(series)
            series.attachAxis(self.axis_x)
            series.attachAxis(self.axis_y)
        self.drawn_at = 0.0
        self.set_theme(theme)

    def redraw_interval_s(self) -> float:
        """Seconds between redraws: about one per two pixels of time axis, at least once a second.
        A ten-minute axis moves so slowly that redrawing it every second only costs CPU."""
        span_s = -self._axis.minimum * self._axis.unit_s if self._axis else 60.0
        return max(1.0, span_s / 120)

    def set_theme(self, theme: Theme) -> None:
        paint_chart(self.chart_, (self.axis_x, self.axis_y), theme)
        self.cpu.setPen(QPen(theme.color("accent"), 2))
        self.memory.setPen(QPen(theme.color("ok"), 2))
        self.setBackgroundBrush(theme.color("background"))

    def set_points(self, points: list[Point], now: float) -> None:
        """Shows the points; the time axis grows with the history, from one minute up to ten."""
        age = now - points[0].at if points else 0.0
        span_s = min(float(HISTORY_SECONDS), max(60.0, age))
        axis = time_axis(span_s)
        if axis != self._axis:
            self._apply_time_axis(axis)
        unit = axis.unit_s
        cpu = [QPointF((p.at - now) / unit, p.cpu_percent_of_limit) for p in points if p.cpu_percent_of_limit is not None]
        memory = [QPointF((p.at - now) / unit, p.memory_percent_of_limit) for p in points if p.memory_percent_of_limit is not None]
        self.cpu.replace(cpu)
        self.memory.replace(memory)
        peak = max([100.0] + [point.y() for point in cpu + memory])
        self.axis_y.setRange(0, 100 if peak <= 100 else peak * 1.1)
        self.drawn_at = now


    def _apply_time_axis(self, axis: TimeAxis) -> None:
        self._axis = axis
        self.axis_x.setRange(axis.minimum, 0)
        self.axis_x.setTickInterval(axis.interval)
        self.axis_x.setLabelFormat(axis.label_format)

    @property
    def time_axis(self) -> TimeAxis | None:
        return self._axis


class HistoryCharts(QWidget):
    """One chart per service, side by side; redrawn only while visible."""

    def __init__(self, history: ResourceHistory, theme: Theme, parent=None):
        super().__init__(parent)
        self.history = history
        self.theme = theme
        self.charts: dict[str, HistoryChart] = {}
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_services(self, names: list[str]) -> None:
        if list(self.charts) == names:
            return
        for chart in self.charts.values():
            self._layout.removeWidget(chart)
            chart.deleteLater()
        self.charts = {name: HistoryChart(name, self.theme, self) for name in names}
        for chart in self.charts.values():
            self._layout.addWidget(chart, 1)

    def refresh(self, now: float | None = None, force: bool = False) -> None:
        if not self.isVisible():
            return
        now = time.time() if now is None else now
        for name, chart in self.charts.items():
            if force or now - chart.drawn_at >= chart.redraw_interval_s() - 0.05:
                chart.set_points(self.history.points(name), now)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        for chart in self.charts.values():
            chart.set_theme(theme)
        self.refresh(force=True)
