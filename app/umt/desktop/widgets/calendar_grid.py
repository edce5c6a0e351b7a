"""The calendar's month and week grids, painted with QPainter (500 posts paint in milliseconds).

Posts are chips coloured by status, with their time and channel; today is marked; a post too close
to another on its channel carries a red mark. A post is dragged to another day (month) or day and
hour (week): the grid emits sig_post_dropped and waits for the gateway's answer before it moves
(the controller sends the new posts). The week can carry the best-time overlay."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QApplication, QSizePolicy, QToolTip, QWidget

from umt.desktop.models.calendar import (STATUS_COLOURS, STATUS_WORDS, BestTimes, CalendarPost, month_grid_start,
                                         week_start)
from umt.desktop.theme import Theme

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_HEADER, WEEK_HEADER, GUTTER = 24, 40, 48
CHIP_HEIGHT, DAY_LABEL = 18, 22


class CalendarGrid(QWidget):
    sig_post_dropped = Signal(int, object)
    """A post was dragged to another slot: its id and the new time (aware, in the owner's zone)."""

    sig_post_clicked = Signal(int)
    """A post was clicked (pressed and released without dragging): its id."""

    sig_day_opened = Signal(object)
    """A day of the month was double-clicked (a date): the view shows its week."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarGrid")
        self.setAccessibleName("Posts on the calendar")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._theme = theme
        self._mode = "month"
        self._anchor = self._today = date.today()
        self._zone = ZoneInfo("UTC")
        self._by_day: dict[date, list[CalendarPost]] = {}
        self._posts: dict[int, CalendarPost] = {}
        self._best: BestTimes | None = None
        self._chips: list[tuple[QRect, CalendarPost]] = []     # where each shown post is painted
        self._more: list[tuple[QRect, int]] = []               # "+3 more" labels in the month
        self._dirty = True
        self._pressed: tuple[int, QPoint] | None = None
        self._drop_target: tuple[date, int | None] | None = None
        self._dragging = False

    # --- what is shown ---------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    def set_view(self, mode: str, anchor: date, today: date, zone: ZoneInfo) -> None:
        self._mode, self._anchor, self._today, self._zone = mode, anchor, today, zone
        self._dirty = True
        self.update()

    def set_posts(self, posts: list[CalendarPost]) -> None:
        self._posts = {p.id: p for p in posts}
        self._by_day = {}
        for post in sorted(posts, key=lambda p: (p.at, p.id)):
            self._by_day.setdefault(post.day, []).append(post)
        self._dirty = True
        self.update()

    def set_best_times(self, best: BestTimes | None) -> None:
        self._best = best
        self.update()

    @property
    def mode(self) -> str:
        return self._mode

    def days(self) -> list[date]:
        first = month_grid_start(self._anchor) if self._mode == "month" else week_start(self._anchor)
        return [first + timedelta(days=i) for i in range(42 if self._mode == "month" else 7)]

    def shown_posts(self) -> list[CalendarPost]:
        """The posts painted as chips (the month shows "+N more" for the rest of a full day)."""
        self._ensure_layout()
        return [post for _, post in self._chips]

    def post_rect(self, post_id: int) -> QRect | None:
        self._ensure_layout()
        return next((QRect(rect) for rect, post in self._chips if post.id == post_id), None)

    def cell_rect(self, day: date, hour: int | None = None) -> QRect:
        """The rectangle of a day (month) or of a day's hour (week)."""
        index = (day - self.days()[0]).days
        if self._mode == "month":
            width, height = self.width() / 7, (self.height() - MONTH_HEADER) / 6
            return QRect(round(index % 7 * width), round(MONTH_HEADER + index // 7 * height),
                         round(width), round(height))
        width, height = (self.width() - GUTTER) / 7, (self.height() - WEEK_HEADER) / 24
        return QRect(round(GUTTER + index * width), round(WEEK_HEADER + (hour or 0) * height),
                     round(width), round(height))

    def sizeHint(self) -> QSize:
        return QSize(900, 640)

    def minimumSizeHint(self) -> QSize:
        return QSize(490, 24 * 16 + WEEK_HEADER)

    # --- layout: chips are placed once per change, not per paint ---------------------------------------
    def resizeEvent(self, event) -> None:
        self._dirty = True
        super().resizeEvent(event)

    def _ensure_layout(self) -> None:
        if not self._dirty:
            return
        self._chips, self._more = [], []
        days = self.days()
        if self._mode == "month":
            for day in days:
                posts = self._by_day.get(day, [])
                if not posts:
                    continue
                cell = self.cell_rect(day)
                room = max(0, (cell.height() - DAY_LABEL - 2) // (CHIP_HEIGHT + 1))
                shown = posts if len(posts) <= room else posts[:max(0, room - 1)]
                for row, post in enumerate(shown):
                    self._chips.append((QRect(cell.left() + 3, cell.top() + DAY_LABEL + row * (CHIP_HEIGHT + 1),
                                              cell.width() - 6, CHIP_HEIGHT), post))
                if len(shown) < len(posts):
                    top = cell.top() + DAY_LABEL + len(shown) * (CHIP_HEIGHT + 1)
                    self._more.append((QRect(cell.left() + 3, top, cell.width() - 6, CHIP_HEIGHT),
                                       len(posts) - len(shown)))
        else:
            for day in days:
                by_hour: dict[int, list[CalendarPost]] = {}
                for post in self._by_day.get(day, []):
                    by_hour.setdefault(post.at.hour, []).append(post)
                for hour, posts in by_hour.items():
                    cell = self.cell_rect(day, hour).adjusted(2, 1, -2, -1)
                    width = cell.width() / len(posts)
                    for i, post in enumerate(posts):
                        self._chips.append((QRect(round(cell.left() + i * width), cell.top(),
                                                  max(4, round(width) - 1), cell.height()), post))
        self._dirty = False

    # --- painting ------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        self._ensure_layout()
        painter = QPainter(self)
        colour = self._theme.color
        painter.fillRect(self.rect(), colour("surface"))
        if self._mode == "month":
            self._paint_month(painter)
        else:
            self._paint_week(painter)
        self._paint_chips(painter)
        painter.end()

    def _paint_month(self, painter: QPainter) -> None:
        colour = self._theme.color
        metrics = QFontMetrics(self.font())
        width = self.width() / 7
        painter.setPen(colour("text_muted"))
        for column, name in enumerate(WEEKDAYS):
            painter.drawText(QRectF(column * width, 0, width, MONTH_HEADER), Qt.AlignmentFlag.AlignCenter, name)
        month = self._anchor.month
        grid = QPen(colour("border"))
        bold = QFont(self.font())
        bold.setBold(True)
        for day in self.days():
            cell = self.cell_rect(day)
            if day.month != month:
                painter.fillRect(cell, colour("background"))
            if self._drop_target is not None and self._drop_target[0] == day:
                painter.fillRect(cell, colour("selection"))
            painter.setPen(grid)
            painter.drawRect(cell.adjusted(0, 0, -1, -1))
            label = QRect(cell.left() + 4, cell.top() + 2, metrics.horizontalAdvance("00") + 10, DAY_LABEL - 4)
            if day == self._today:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour("accent"))
                painter.drawRoundedRect(label, label.height() / 2, label.height() / 2)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.setPen(colour("accent_text"))
                painter.setFont(bold)
            else:
                painter.setPen(colour("text") if day.month == month else colour("text_muted"))
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, str(day.day))
            painter.setFont(self.font())
        painter.setPen(colour("text_muted"))
        for rect, count in self._more:
            painter.drawText(rect.adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, f"+{count} more")

    def _paint_week(self, painter: QPainter) -> None:
        colour = self._theme.color
        days = self.days()
        height = (self.height() - WEEK_HEADER) / 24
        painter.setPen(colour("text_muted"))
        for hour in range(24):
            painter.drawText(QRectF(0, WEEK_HEADER + hour * height, GUTTER - 6, height),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, f"{hour:02d}:00")
        best = self._best if self._best is not None and self._best.enough_data else None
        accent = colour("accent")
        for day in days:
            head = self.cell_rect(day, 0)
            header = QRect(head.left(), 0, head.width(), WEEK_HEADER)
            if day == self._today:
                painter.fillRect(header.adjusted(1, 2, -1, -2), accent)
                painter.setPen(colour("accent_text"))
            else:
                painter.setPen(colour("text"))
            painter.drawText(header, Qt.AlignmentFlag.AlignCenter, f"{WEEKDAYS[day.weekday()]}\n{day.day} {day:%b}")
            for hour in range(24):
                cell = self.cell_rect(day, hour)
                if best is not None:
                    score = best.scores.get((day.weekday(), hour))
                    if score is not None:
                        shade = QColor(accent)
                        shade.setAlpha(round(18 + 120 * score))
                        painter.fillRect(cell, shade)
                if self._drop_target == (day, hour):
                    painter.fillRect(cell, colour("selection"))
                painter.setPen(QPen(colour("chart_grid")))
                painter.drawRect(cell.adjusted(0, 0, -1, -1))
                if best is not None and (day.weekday(), hour) in best.best:
                    painter.setPen(QPen(colour("ok"), 2))
                    painter.drawRect(cell.adjusted(1, 1, -2, -2))
                    painter.drawText(cell.adjusted(0, 0, -4, 0), Qt.AlignmentFlag.AlignRight
                                     | Qt.AlignmentFlag.AlignVCenter, "★")
        now = datetime.now(self._zone)
        if now.date() == self._today and self._today in days:
            cell = self.cell_rect(self._today, now.hour)
            y = round(cell.top() + cell.height() * now.minute / 60)
            painter.setPen(QPen(colour("danger"), 2))
            painter.drawLine(cell.left(), y, cell.right(), y)

    def _paint_chips(self, painter: QPainter) -> None:
        colour = self._theme.color
        metrics = QFontMetrics(self.font())
        dragged = self._pressed[0] if self._dragging and self._pressed else None
        for rect, post in self._chips:
            fill = QColor(STATUS_COLOURS.get(post.status, "#888888"))
            if post.id == dragged:
                fill.setAlpha(90)
            painter.fillRect(rect, fill)
            if post.conflict_with:
                painter.setPen(QPen(colour("danger"), 2))
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
            painter.setPen(QColor("#ffffff"))
            head = (f"{'✗ ' if post.delivery_failed else ''}{'⚠ ' if post.conflict_with else ''}"
                    f"{post.at:%H:%M} {post.channel}")
            room = rect.width() - 6
            if rect.height() >= 2 * metrics.height() + 4:   # a tall week cell: time and title on two lines
                lines = (metrics.elidedText(head, Qt.TextElideMode.ElideRight, room) + "\n"
                         + metrics.elidedText(post.title, Qt.TextElideMode.ElideRight, room))
                painter.drawText(rect.adjusted(4, 2, -2, -2), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                                 lines)
            else:
                painter.drawText(rect.adjusted(4, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter,
                                 metrics.elidedText(f"{head} · {post.title}", Qt.TextElideMode.ElideRight, room))

    # --- finding things under the mouse ---------------------------------------------------------------
    def post_at(self, point: QPoint) -> CalendarPost | None:
        self._ensure_layout()
        return next((post for rect, post in reversed(self._chips) if rect.contains(point)), None)

    def slot_at(self, point: QPoint) -> tuple[date, int | None] | None:
        """The day (month) or day and hour (week) under a point, None outside the grid."""
        x, y = point.x(), point.y()
        if self._mode == "month":
            if y < MONTH_HEADER or not 0 <= x < self.width() or y >= self.height():
                return None
            column = min(6, int(x / (self.width() / 7)))
            row = min(5, int((y - MONTH_HEADER) / ((self.height() - MONTH_HEADER) / 6)))
            return self.days()[row * 7 + column], None
        if y < WEEK_HEADER or x < GUTTER or x >= self.width() or y >= self.height():
            return None
        column = min(6, int((x - GUTTER) / ((self.width() - GUTTER) / 7)))
        hour = min(23, int((y - WEEK_HEADER) / ((self.height() - WEEK_HEADER) / 24)))
        return self.days()[column], hour

    def _moved_time(self, post: CalendarPost, slot: tuple[date, int | None]) -> datetime:
        day, hour = slot
        wall = post.at.time() if hour is None else time(hour, post.at.minute)
        return datetime.combine(day, wall, tzinfo=self._zone)

    # --- dragging --------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        post = self.post_at(point)
        if event.button() == Qt.MouseButton.LeftButton and post is not None:
            self._pressed, self._dragging = (post.id, point), False
        elif event.button() == Qt.MouseButton.LeftButton and any(rect.contains(point) for rect, _ in self._more):
            self.sig_day_opened.emit(self.slot_at(point)[0])     # "+3 more": the day's week shows them all
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pressed is not None:
            point = event.position().toPoint()
            if not self._dragging and (point - self._pressed[1]).manhattanLength() >= QApplication.startDragDistance():
                self._dragging = True
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
            if self._dragging:
                target = self.slot_at(point)
                if target != self._drop_target:
                    self._drop_target = target
                    self.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pressed, dragging, target = self._pressed, self._dragging, self.slot_at(event.position().toPoint())
        self._pressed, self._dragging, self._drop_target = None, False, None
        self.unsetCursor()
        self.update()
        if pressed is not None and pressed[0] in self._posts:
            post = self._posts[pressed[0]]
            if not dragging:
                self.sig_post_clicked.emit(post.id)
            elif target is not None:
                moved = self._moved_time(post, target)
                if moved != post.at:
                    self.sig_post_dropped.emit(post.id, moved)
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        slot = self.slot_at(event.position().toPoint())
        if self._mode == "month" and slot is not None and self.post_at(event.position().toPoint()) is None:
            self.sig_day_opened.emit(slot[0])
        super().mouseDoubleClickEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            post = self.post_at(event.pos())
            if post is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), describe(post), self)
            return True
        return super().event(event)


def describe(post: CalendarPost) -> str:
    """A post in one or two lines, for the tooltip and the status line."""
    text = f"{post.title}\n{STATUS_WORDS.get(post.status, post.status)} · {post.channel} · {post.at:%a %d %b %Y, %H:%M}"
    if post.conflict_with:
        text += f"\nLess than 4 hours from another {post.channel} post"
    if post.deliveries:
        counts = {status: post.deliveries.count(status) for status in dict.fromkeys(post.deliveries)}
        text += "\nDeliveries: " + ", ".join(f"{n} {status}" for status, n in counts.items())
    return text
