"""A chart of one measure over days, one line per series, in the theme's colours; with no figures
it says so in words instead of drawing an empty frame."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from umt.desktop.theme import Theme
from umt.desktop.widgets.charts import paint_chart

NO_DATA = "No data yet"
# Line colours after the accent: distinct in light and dark, named in the palette where possible.
_EXTRA_COLORS = ("#8e5cd9", "#1aa3a3", "#c2571a", "#b8369b", "#6b8e23", "#7a7f87")


class _ChartView(QChartView):
    sig_painted = Signal()
    """The chart was painted with figures on it (for the first-chart benchmark)."""

    def __init__(self, chart: QChart, parent=None) -> None:
        super().__init__(chart, parent)
        self.has_figures = False

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.has_figures:
            self.sig_painted.emit()


class MetricsChart(QWidget):
    sig_chart_painted = Signal()
    """The chart was painted showing figures."""

    def __init__(self, theme: Theme, parent=None) -> None:
        super().__init__(parent)
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.setMargins(QMargins(6, 6, 6, 6))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.view = _ChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(240)
        self.view.sig_painted.connect(self.sig_chart_painted)
        self.empty = QLabel(NO_DATA)
        self.empty.setObjectName("analytics-no-data")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setProperty("role", "muted")
        self.empty.setMinimumHeight(240)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.axis_x = QDateTimeAxis()
        self.axis_x.setFormat("d MMM")
        self.axis_y = QValueAxis()
        self.axis_y.setMin(0)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        for axis in (self.axis_x, self.axis_y):
            axis.setLabelsFont(small)
        self.chart.addAxis(self.axis_x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.axis_y, Qt.AlignmentFlag.AlignLeft)
        self.lines: list[QLineSeries] = []
        self.shown: dict[str, list[tuple[date, float]]] = {}
        self.theme = theme
        self.set_theme(theme)

    def is_empty(self) -> bool:
        return self.stack.currentWidget() is self.empty

    def set_series(self, title: str, series: dict[str, list[tuple[date, float]]], *, rate: bool = False,
                   span: tuple[date, date] | None = None, empty_text: str = NO_DATA) -> None:
        """Shows each named line of (day, value) points over the days `span` (else the points');
        no points at all shows `empty_text`."""
        for line in self.lines:
            self.chart.removeSeries(line)
            line.deleteLater()
        self.lines = []
        self.shown = {name: list(points) for name, points in series.items() if points}
        self.chart.setTitle(title)
        if not self.shown:
            self.empty.setText(empty_text)
            self.view.has_figures = False
            self.stack.setCurrentWidget(self.empty)
            return
        days = [day for points in self.shown.values() for day, _ in points]
        peak = max(value for points in self.shown.values() for _, value in points)
        for name, points in self.shown.items():
            line = QLineSeries()
            line.setName(name)
            line.replace([QPointF(_msecs(day), value * (100 if rate else 1)) for day, value in points])
            self.chart.addSeries(line)
            line.attachAxis(self.axis_x)
            line.attachAxis(self.axis_y)
            self.lines.append(line)
        first, last = span if span else (min(days), max(days))
        if last == first:  # one day: a day either side, so the point is not on the frame
            first, last = first - timedelta(days=1), last + timedelta(days=1)
        self.axis_x.setRange(_datetime(first), _datetime(last))
        self.axis_x.setTickCount(min(8, max(2, (last - first).days + 1)))
        top = peak * (100 if rate else 1)
        self.axis_y.setRange(0, top * 1.05 if top > 0 else 1)
        self.axis_y.applyNiceNumbers()
        self.axis_y.setLabelFormat("%.1f %%" if rate else "%d")
        self.chart.legend().setVisible(len(self.lines) > 1)
        self._paint_lines()
        self.view.has_figures = True
        self.stack.setCurrentWidget(self.view)
        self.view.viewport().update()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        paint_chart(self.chart, (self.axis_x, self.axis_y), theme)
        self.view.setBackgroundBrush(theme.color("background"))
        self._paint_lines()

    def _paint_lines(self) -> None:
        colors = [self.theme.color("accent"), self.theme.color("ok"), self.theme.color("warning"),
                  self.theme.color("danger")] + [QColor(c) for c in _EXTRA_COLORS]
        for n, line in enumerate(self.lines):
            line.setPen(QPen(colors[n % len(colors)], 2))


def _datetime(day: date) -> datetime:
    return datetime.combine(day, time(12))


def _msecs(day: date) -> float:
    return _datetime(day).timestamp() * 1000
