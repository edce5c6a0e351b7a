"""The Calendar section: the month or week of posts, rescheduling by dragging (with Undo), the
best-time overlay, "Plan my month", the iCalendar export and the subscription address."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QSplitter, QTableView,
                               QToolButton, QVBoxLayout, QWidget)

from umt.desktop.models.calendar import (STATUS_COLOURS, STATUS_WORDS, BestTimes, CalendarPost, Proposal,
                                         ProposalsModel, month_grid_start, week_start)
from umt.desktop.theme import Theme
from umt.desktop.views.deliveries import DeliveriesView
from umt.desktop.widgets.banner import Banner
from umt.desktop.widgets.calendar_grid import CalendarGrid, describe


class CalendarPage(QWidget):
    def __init__(self, controller, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarPage")
        self.controller = controller
        self._anchor = self._today()
        self._posts: list[CalendarPost] = []

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 17px; font-weight: 600;")
        self.previous_button = _tool("◀", "Previous month or week")
        self.today_button = QPushButton("Today")
        self.next_button = _tool("▶", "Next month or week")
        self.month_button = _tool("Month", "Show the whole month", checkable=True)
        self.week_button = _tool("Week", "Show one week, hour by hour", checkable=True)
        self.month_button.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.month_button)
        modes.addButton(self.week_button)
        self.best_times_box = QCheckBox("Best times")
        self.best_times_box.setToolTip("Shade the week by how well your posts did at each hour (from the agent)")
        self.brand_choice = QComboBox()
        self.brand_choice.addItem("All brands", None)
        self.channel_choice = QComboBox()
        self.channel_choice.addItem("All channels", None)
        self.plan_button = QPushButton("Plan my month…")
        self.plan_button.setToolTip("The planner proposes times for your approved posts; accept or reject each")
        self.export_button = QPushButton("Export .ics…")
        self.subscribe_button = QPushButton("Subscribe…")
        self.subscribe_button.setToolTip("An address your calendar app can subscribe to (read-only)")

        bar = QHBoxLayout()
        for widget in (self.previous_button, self.today_button, self.next_button):
            bar.addWidget(widget)
        bar.addSpacing(8)
        bar.addWidget(self.title, 1)
        for widget in (self.month_button, self.week_button):
            bar.addWidget(widget)
        bar.addSpacing(12)
        for widget in (self.best_times_box, self.brand_choice, self.channel_choice):
            bar.addWidget(widget)
        bar.addSpacing(12)
        for widget in (self.plan_button, self.export_button, self.subscribe_button):
            bar.addWidget(widget)

        self.banner = Banner()
        self.best_times_note = QLabel()
        self.best_times_note.setWordWrap(True)
        self.best_times_note.hide()
        self.feed_address = QLineEdit()
        self.feed_address.setReadOnly(True)
        self.feed_address.hide()

        self.grid = CalendarGrid(theme)
        self.proposals = ProposalsModel(self)
        self.proposals_view = QTableView()
        self.proposals_view.setModel(self.proposals)
        self.proposals_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.proposals_view.verticalHeader().hide()
        header = self.proposals_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.accept_button = QPushButton("Accept")
        self.reject_button = QPushButton("Reject")
        self.accept_all_button = QPushButton("Accept all")
        self.plan_note = QLabel()
        self.plan_note.setWordWrap(True)
        self.planner = QWidget()
        planner = QVBoxLayout(self.planner)
        planner.setContentsMargins(8, 0, 0, 0)
        heading = QLabel("Proposed times")
        heading.setStyleSheet("font-weight: 600;")
        planner.addWidget(heading)
        planner.addWidget(self.plan_note)
        planner.addWidget(self.proposals_view, 1)
        decisions = QHBoxLayout()
        for button in (self.accept_button, self.reject_button, self.accept_all_button):
            decisions.addWidget(button)
        planner.addLayout(decisions)
        self.planner.setMinimumWidth(460)
        self.planner.hide()
        self.deliveries = DeliveriesView(controller.deliveries, closable=True)    # the clicked post's, beside the grid
        self.deliveries.setMinimumWidth(360)
        self.deliveries.hide()
        splitter = QSplitter()
        splitter.addWidget(self.grid)
        splitter.addWidget(self.planner)
        splitter.addWidget(self.deliveries)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.best_times_note)
        layout.addWidget(self.feed_address)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.legend)

        self.previous_button.clicked.connect(lambda: self._on_step(-1))
        self.next_button.clicked.connect(lambda: self._on_step(1))
        self.today_button.clicked.connect(self._on_today_button_clicked)
        self.month_button.toggled.connect(self._on_mode_toggled)
        self.best_times_box.toggled.connect(self._on_best_times_changed)
        self.brand_choice.currentIndexChanged.connect(self._on_best_times_changed)
        self.channel_choice.currentIndexChanged.connect(self._on_best_times_changed)
        self.plan_button.clicked.connect(self._on_plan_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.subscribe_button.clicked.connect(controller.request_feed_address)
        self.accept_button.clicked.connect(lambda: self._decide(controller.accept))
        self.reject_button.clicked.connect(lambda: self._decide(controller.reject))
        self.accept_all_button.clicked.connect(self._on_accept_all_button_clicked)
        self.banner.sig_action_requested.connect(controller.undo)
        self.grid.sig_post_dropped.connect(controller.reschedule)
        self.grid.sig_post_clicked.connect(self._on_grid_post_clicked)
        self.grid.sig_day_opened.connect(self._on_grid_day_opened)
        controller.sig_posts_changed.connect(self._on_controller_posts_changed)
        controller.sig_problem_raised.connect(self._on_controller_problem_raised)
        controller.sig_post_moved.connect(self._on_controller_post_moved)
        controller.sig_best_times_loaded.connect(self._on_controller_best_times_loaded)
        controller.sig_plan_proposed.connect(self._on_controller_plan_proposed)
        controller.sig_proposal_decided.connect(self.proposals.changed)
        controller.sig_notice_posted.connect(self._on_controller_notice_posted)
        controller.sig_brands_loaded.connect(self._on_controller_brands_loaded)
        controller.sig_feed_address_ready.connect(self._on_controller_feed_address_ready)
        self.set_theme(theme)
        self._show()
        controller.load_brands()

    # --- what is shown ---------------------------------------------------------------------------
    def _today(self) -> date:
        return datetime.now(self.controller.zone).date()

    @property
    def mode(self) -> str:
        return "month" if self.month_button.isChecked() else "week"

    def show_date(self, day: date, mode: str | None = None) -> None:
        if mode is not None:
            (self.month_button if mode == "month" else self.week_button).setChecked(True)
        self._anchor = day
        self._show()

    def _show(self) -> None:
        mode = self.mode
        self.grid.set_view(mode, self._anchor, self._today(), self.controller.zone)
        if mode == "month":
            first = month_grid_start(self._anchor)
            self.title.setText(f"{self._anchor:%B %Y}")
            self.controller.show_days(first, first + timedelta(days=41))
        else:
            first = week_start(self._anchor)
            last = first + timedelta(days=6)
            self.title.setText(f"{first:%d %b} – {last:%d %b %Y}")
            self.controller.show_days(first, last)
        for widget in (self.best_times_box, self.brand_choice, self.channel_choice):
            widget.setVisible(mode == "week")
        self._on_best_times_changed()

    def set_theme(self, theme: Theme) -> None:
        self.grid.set_theme(theme)
        swatches = " &nbsp; ".join(f'<span style="color:{STATUS_COLOURS[s]}">■</span> {STATUS_WORDS[s]}'
                                   for s in STATUS_COLOURS)
        self.legend.setText(f'{swatches} &nbsp; <span style="color:{theme.colors["danger"]}">⚠</span> '
                            f'less than 4 h from another post on its channel &nbsp;·&nbsp; '
                            f'times in {self.controller.zone.key}')

    # --- the bar -------------------------------------------------------------------------------
    def _on_step(self, direction: int) -> None:
        if self.mode == "month":
            month = self._anchor.replace(day=15) + timedelta(days=31 * direction)
            self._anchor = month.replace(day=1)
        else:
            self._anchor += timedelta(days=7 * direction)
        self._show()

    def _on_today_button_clicked(self) -> None:
        self.show_date(self._today())

    def _on_mode_toggled(self, _checked: bool) -> None:
        self._show()

    def _on_grid_day_opened(self, day: date) -> None:
        self.show_date(day, "week")

    def _on_grid_post_clicked(self, post_id: int) -> None:
        post = next((p for p in self._posts if p.id == post_id), None)
        if post is not None:
            self.banner.show_message(post.title, describe(post).split("\n", 1)[1], severity="info")
            self.deliveries.show_post(post.id, post.title, post.at.astimezone(timezone.utc).isoformat())
            self.deliveries.panel.heading.setText(f"Deliveries of “{post.title}”")
            self.deliveries.show()

    def _on_best_times_changed(self, *_: object) -> None:
        if self.mode != "week" or not self.best_times_box.isChecked():
            self.grid.set_best_times(None)
            self.best_times_note.hide()
            return
        self.best_times_note.setText("Asking the agent for your best times…")
        self.best_times_note.show()
        self.controller.load_best_times(self.brand_choice.currentData(), self.channel_choice.currentData())

    def _on_plan_button_clicked(self) -> None:
        self.plan_note.setText(f"Planning {self._anchor:%B}: the agent is placing your approved posts…")
        self.proposals.set_proposals([])
        self.planner.show()
        self.controller.plan_month(self._anchor)

    def _on_export_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the schedule", str(Path.home() / "umt-schedule.ics"),
                                              "iCalendar (*.ics)")
        if path:
            self.controller.export_ics(Path(path))

    def _decide(self, decide) -> None:
        rows = sorted({index.row() for index in self.proposals_view.selectionModel().selectedRows()})
        for row in rows:
            decide(self.proposals.proposal(row))

    def _on_accept_all_button_clicked(self) -> None:
        for proposal in self.proposals.proposals():
            self.controller.accept(proposal)

    # --- the controller's answers ------------------------------------------------------------------
    def _on_controller_posts_changed(self, posts: list[CalendarPost]) -> None:
        self._posts = posts
        self.grid.set_posts(posts)
        channels = sorted({p.channel for p in posts if p.channel})
        known = {self.channel_choice.itemData(i) for i in range(self.channel_choice.count())}
        for channel in channels:
            if channel not in known:
                self.channel_choice.addItem(channel, channel)

    def _on_controller_problem_raised(self, message: str) -> None:
        self.banner.show_message(message, "", severity="error")

    def _on_controller_post_moved(self, message: str, can_undo: bool) -> None:
        self.banner.show_message(message, "", "Undo" if can_undo else "", severity="info")

    def _on_controller_best_times_loaded(self, best: BestTimes) -> None:
        if not self.best_times_box.isChecked():
            return
        self.grid.set_best_times(best)
        words = best.message
        if not best.enough_data and not words.lower().startswith("not enough data"):
            words = f"Not enough data yet: {words}"
        self.best_times_note.setText(words)
        self.best_times_note.show()

    def _on_controller_plan_proposed(self, proposals: list[Proposal]) -> None:
        self.proposals.set_proposals(proposals)
        self.plan_note.setText(f"{len(proposals)} proposed time{'s' if len(proposals) != 1 else ''}; "
                               "★ marks one of your best times. Accept or reject each." if proposals else "")
        self.planner.show()

    def _on_controller_notice_posted(self, message: str) -> None:
        if self.planner.isVisible() and not self.proposals.rowCount():
            self.plan_note.setText(message)
        else:
            self.banner.show_message(message, "", severity="info")

    def _on_controller_brands_loaded(self, brands: list) -> None:
        current = self.brand_choice.currentData()
        self.brand_choice.blockSignals(True)
        self.brand_choice.clear()
        self.brand_choice.addItem("All brands", None)
        for brand_id, name in brands:
            self.brand_choice.addItem(name, brand_id)
        self.brand_choice.setCurrentIndex(max(0, self.brand_choice.findData(current)))
        self.brand_choice.blockSignals(False)

    def _on_controller_feed_address_ready(self, url: str) -> None:
        self.feed_address.setText(url)
        self.feed_address.show()
        QGuiApplication.clipboard().setText(url)
        self.banner.show_message("The subscription address is copied.",
                                 "Add it in your calendar app as a calendar from the web (read-only). "
                                 "Anyone with this address can read your schedule; keep it to yourself.",
                                 severity="info")


def _tool(text: str, tip: str, *, checkable: bool = False) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setCheckable(checkable)
    return button

