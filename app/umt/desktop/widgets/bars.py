"""A table delegate drawing a usage bar against a limit: accent, then amber, then red near it."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from umt import formatting
from umt.desktop.models.stack import FractionRole, LevelRole
from umt.desktop.theme import Theme


def level_color(theme: Theme, level: str) -> QColor:
    return theme.color({formatting.LEVEL_WARNING: "warning", formatting.LEVEL_DANGER: "danger"}.get(level, "accent"))


class UsageBarDelegate(QStyledItemDelegate):
    BAR_HEIGHT = 6

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        fraction = index.data(FractionRole)
        level = index.data(LevelRole) or formatting.LEVEL_NORMAL
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, self.theme.color("selection"))
        area = option.rect.adjusted(8, 4, -8, -4)
        text_rect = QRect(area.left(), area.top(), area.width(), area.height() - self.BAR_HEIGHT - 3)
        painter.setPen(self.theme.color("text") if level == formatting.LEVEL_NORMAL else level_color(self.theme, level))
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        track = QRect(area.left(), area.bottom() - self.BAR_HEIGHT, area.width(), self.BAR_HEIGHT)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.theme.color("surface_alt"))
        painter.drawRoundedRect(track, 3, 3)
        if fraction is not None:
            filled = QRect(track)
            filled.setWidth(max(2, int(track.width() * min(1.0, max(0.0, fraction)))))
            painter.setBrush(level_color(self.theme, level))
            painter.drawRoundedRect(filled, 3, 3)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index):
        hint = super().sizeHint(option, index)
        hint.setHeight(max(hint.height(), option.fontMetrics.height() + self.BAR_HEIGHT + 14))
        hint.setWidth(max(hint.width(), 260))
        return hint
