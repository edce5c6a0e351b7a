"""Ten-minute history charts, one per service: CPU and memory as shares of the service's limits."""

from __future__ import annotations

import time

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QWidget

from umt.desktop.models.history import HISTORY_SECONDS, Point, ResourceHistory
from umt.desktop.theme import Theme


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
        self.axis_x.setRange(-HISTORY_SECONDS / 60, 0)
        self.axis_x.setTickCount(6)
        self.axis_x.setLabelFormat("%.0f min")
        self._span: tuple[float, bool] | None = None
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
        span_s = self._span[0] if self._span else 60.0
        return max(1.0, span_s / 120)

    def set_theme(self, theme: Theme) -> None:
        chart = self.chart_
        chart.setBackgroundBrush(theme.color("surface"))
        chart.setBackgroundRoundness(8)
        chart.setTitleBrush(theme.color("text"))
        chart.legend().setLabelColor(theme.color("text_muted"))
        for axis in (self.axis_x, self.axis_y):
            axis.setLabelsColor(theme.color("text_muted"))
            axis.setGridLineColor(theme.color("chart_grid"))
            axis.setLinePenColor(theme.color("border"))
        self.cpu.setPen(QPen(theme.color("accent"), 2))
        self.memory.setPen(QPen(theme.color("ok"), 2))
        self.setBackgroundBrush(theme.color("background"))

    def set_points(self, points: list[Point], now: float) -> None:
        """Shows the points; the time axis grows with the history, from one minute up to ten."""
        age = now - points[0].at if points else 0.0
        span_s = min(float(HISTORY_SECONDS), max(60.0, age))
        in_minutes = span_s > 120
        unit = 60.0 if in_minutes else 1.0
        if self._span != (span_s, in_minutes):
            self._span = (span_s, in_minutes)
            self.axis_x.setRange(-span_s / unit, 0)
            self.axis_x.setLabelFormat("%.0f min" if in_minutes else "%d s")
        cpu = [QPointF((p.at - now) / unit, p.cpu_percent_of_limit) for p in points if p.cpu_percent_of_limit is not None]
        memory = [QPointF((p.at - now) / unit, p.memory_percent_of_limit) for p in points if p.memory_percent_of_limit is not None]
        self.cpu.replace(cpu)
        self.memory.replace(memory)
        peak = max([100.0] + [point.y() for point in cpu + memory])
        self.axis_y.setRange(0, 100 if peak <= 100 else peak * 1.1)
        self.drawn_at = now


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
