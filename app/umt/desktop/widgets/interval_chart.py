"""Each variant's conversion rate as a dot on its Wilson interval, one row per variant, painted
with the theme's colours; says "No data yet" instead of drawing an empty frame."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from umt.desktop.theme import Theme

ROW_HEIGHT = 34
LABEL_WIDTH = 150
RIGHT_TEXT_WIDTH = 170


@dataclass(frozen=True)
class IntervalRow:
    name: str
    rate: float | None
    low: float
    high: float
    leader: bool = False     # drawn in the accent colour


def nice_top(value: float) -> float:
    """The axis end above `value`: 1, 2 or 5 times a power of ten (in rate units)."""
    if value <= 0:
        return 0.01
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


class IntervalChart(QWidget):
    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._rows: list[IntervalRow] = []
        self._level = 0.95
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Conversion rate of each variant with its confidence interval")

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    def set_rows(self, rows: list[IntervalRow], level: float = 0.95) -> None:
        self._rows, self._level = list(rows), level
        self.setMinimumHeight(max(120, 56 + ROW_HEIGHT * len(rows)))
        self.updateGeometry()
        self.update()

    @property
    def has_data(self) -> bool:
        return any(row.rate is not None for row in self._rows)

    def paintEvent(self, _event) -> None:
        theme = self._theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(theme.color("border"), 1))
        painter.setBrush(theme.color("surface"))
        painter.drawRoundedRect(frame, 8, 8)
        if not self.has_data:
            painter.setPen(theme.color("text_muted"))
            painter.drawText(frame, Qt.AlignmentFlag.AlignCenter,
                             "No data yet: enter exposures and conversions, then compute the results.")
            return
        top = nice_top(max(row.high for row in self._rows))
        plot = QRectF(frame.left() + LABEL_WIDTH, frame.top() + 14, frame.width() - LABEL_WIDTH - RIGHT_TEXT_WIDTH,
                      ROW_HEIGHT * len(self._rows))

        def x_of(rate: float) -> float:
            return plot.left() + plot.width() * min(max(rate / top, 0.0), 1.0)

        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        painter.setFont(small)
        for tick in range(5):     # grid and axis labels in percent
            rate = top * tick / 4
            x = x_of(rate)
            painter.setPen(QPen(theme.color("chart_grid"), 1))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            painter.setPen(theme.color("text_muted"))
            painter.drawText(QRectF(x - 40, plot.bottom() + 4, 80, 16), Qt.AlignmentFlag.AlignHCenter,
                             f"{100 * rate:.3g} %")
        painter.drawText(QRectF(plot.left(), plot.bottom() + 20, plot.width(), 16), Qt.AlignmentFlag.AlignHCenter,
                         f"conversion rate, with its {100 * self._level:.0f} % Wilson interval")
        painter.setFont(self.font())
        for index, row in enumerate(self._rows):
            middle = plot.top() + ROW_HEIGHT * (index + 0.5)
            colour = theme.color("accent") if row.leader else theme.color("text_muted")
            painter.setPen(theme.color("text"))
            painter.drawText(QRectF(frame.left() + 10, middle - 10, LABEL_WIDTH - 16, 20),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             painter.fontMetrics().elidedText(row.name, Qt.TextElideMode.ElideRight, LABEL_WIDTH - 16))
            if row.rate is None:
                painter.setPen(theme.color("text_muted"))
                painter.drawText(QRectF(plot.left() + 6, middle - 10, plot.width(), 20),
                                 Qt.AlignmentFlag.AlignVCenter, "no exposures yet")
                continue
            painter.setPen(QPen(colour, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLine(QPointF(x_of(row.low), middle), QPointF(x_of(row.high), middle))
            painter.setPen(QPen(theme.color("surface"), 2))
            painter.setBrush(colour)
            painter.drawEllipse(QPointF(x_of(row.rate), middle), 6, 6)
            painter.setPen(theme.color("text"))
            painter.drawText(QRectF(plot.right() + 12, middle - 10, RIGHT_TEXT_WIDTH - 16, 20),
                             Qt.AlignmentFlag.AlignVCenter,
                             f"{100 * row.rate:.2f} %  ({100 * row.low:.2f}–{100 * row.high:.2f})")
