"""The Analytics section: how the posts did. A chart of impressions, engagements or engagement rate
over the chosen days (in total, or one line per channel or campaign), the top content, and the
weekday × hour grid in the owner's time zone; export of what is shown; the metrics import wizard.
Every figure comes from the gateway's aggregates, through the AnalyticsController."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimeZone, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QHeaderView,
                               QLabel, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from umt.contract.analytics import known_time_zone
from umt.desktop.controllers.analytics import AnalyticsController, AnalyticsFilters
from umt.desktop.models.analytics import FiguresModel, HeatmapModel
from umt.desktop.theme import Theme
from umt.desktop.views.analytics_export import ShownFigures, as_csv, as_json
from umt.desktop.widgets.analytics_chart import MetricsChart

RANGES = (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("Last 365 days", 365), ("Custom", 0))
MEASURES = (("Impressions", "impressions"), ("Engagements", "engagements"), ("Engagement rate", "engagement_rate"))
SPLITS = (("All posts", "total"), ("By channel", "channel"), ("By campaign", "campaign"))
TOP_HEADINGS = ["Rank", "Title", "Channel", "Impressions", "Engagements", "Engagement rate", "Clicks", "Conversions"]
TOP_MEASURE_HEADING = {"impressions": "Impressions", "engagements": "Engagements",
                       "engagement_rate": "Engagement rate"}
TITLE_WIDTH = 240  # px at most for a post's title in the top table (the rest elided; the tooltip is the table's)
RANGE_SETTLE_MS = 150  # typing a date: load once the owner pauses, not at every keystroke


def owner_time_zone() -> str:
    """This computer's IANA time zone (the owner's), or UTC if it has none the gateway knows."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode() or "UTC"
    return name if known_time_zone(name) else "UTC"


class AnalyticsPage(QWidget):
    def __init__(self, controller: AnalyticsController, theme: Theme, *, today: date | None = None,
                 time_zone: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.today = today or date.today()
        self.time_zone = time_zone or owner_time_zone()
        self.theme = theme

        self.range = _combo(RANGES, 2)
        self.start = QDateEdit(calendarPopup=True)
        self.end = QDateEdit(calendarPopup=True)
        for edit in (self.start, self.end):
            edit.setDisplayFormat("d MMM yyyy")
        self.campaign = QComboBox()
        self.campaign.addItem("All campaigns", None)
        self.channel = QComboBox()
        self.channel.addItem("All channels", None)
        self.split = _combo(SPLITS, 0)
        self.measure = _combo(MEASURES, 1)
        self.import_button = QPushButton("Import metrics…")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the figures shown here as CSV or JSON")
        bar = QHBoxLayout()
        for label, widget in (("Days", self.range), ("", self.start), ("to", self.end), ("Campaign", self.campaign),
                              ("Channel", self.channel), ("Lines", self.split), ("Measure", self.measure)):
            if label:
                bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)

        self.message = QLabel()
        self.message.setProperty("role", "muted")
        self.message.setWordWrap(True)
        self.message.hide()
        self.chart = MetricsChart(theme)

        self.top_model = FiguresModel(TOP_HEADINGS, rate_columns=(5,), parent=self)
        self.top_table = _table(self.top_model)
        self.top_table.setWordWrap(False)
        self.top_title = QLabel("Top content")
        self.top_title.setProperty("role", "section-title")
        self.top_empty = QLabel("No data yet: no post has figures in these days.")
        self.top_empty.setProperty("role", "muted")
        self.heatmap_model = HeatmapModel(self)
        self.heatmap = _table(self.heatmap_model)
        self.heatmap.horizontalHeader().setMinimumSectionSize(12)
        self.heatmap.horizontalHeader().setStyleSheet("QHeaderView::section { padding: 0px; }")  # 24 narrow hours
        self.heatmap.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.heatmap.verticalHeader().setVisible(True)
        self.heatmap.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.heatmap_title = QLabel()
        self.heatmap_title.setProperty("role", "section-title")
        self.heatmap_empty = QLabel("No data yet: no published post has figures in these days.")
        self.heatmap_empty.setProperty("role", "muted")

        self.top_table.hide()
        self.heatmap.hide()
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(_column(self.top_title, self.top_empty, self.top_table))
        lower.addWidget(_column(self.heatmap_title, self.heatmap_empty, self.heatmap))
        lower.setChildrenCollapsible(False)
        lower.setSizes([520, 680])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.chart, 3)
        layout.addWidget(lower, 2)

        self._settle = QTimer(self, singleShot=True, interval=RANGE_SETTLE_MS)
        self._settle.timeout.connect(self.load)
        self._series: list = []
        self._heatmap_cells: list = []
        self._set_range_days(RANGES[2][1])
        self.range.currentIndexChanged.connect(self._on_range_current_index_changed)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self._on_date_changed)
        for combo in (self.campaign, self.channel, self.split):
            combo.currentIndexChanged.connect(self.load)
        self.measure.currentIndexChanged.connect(self._on_measure_current_index_changed)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        controller.sig_series_loaded.connect(self._on_controller_series_loaded)
        controller.sig_top_content_loaded.connect(self._on_controller_top_content_loaded)
        controller.sig_heatmap_loaded.connect(self._on_controller_heatmap_loaded)
        controller.sig_choices_loaded.connect(self._on_controller_choices_loaded)
        controller.sig_load_failed.connect(self._on_controller_load_failed)
        self.set_theme(theme)
        self._show_series()  # "no data yet" until the first figures arrive, never an empty frame
        self._settle.stop()
        self.load()
        self._choices_wanted = True  # read after the first chart: opening the section shows figures first

    # --- reading ---------------------------------------------------------------------------------
    def filters(self) -> AnalyticsFilters:
        start, end = self.start.date().toPython(), self.end.date().toPython()
        return AnalyticsFilters(start, max(start, end), self.campaign.currentData(), self.channel.currentData(),
                                self.split.currentData(), self.time_zone)

    def load(self) -> None:
        self.message.hide()
        self.controller.load(self.filters(), self.measure.currentData())

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.chart.set_theme(theme)
        self.heatmap_model.set_colors(theme.color("surface_alt"), theme.color("accent"), theme.color("text"))
        self.top_model.bad_color = theme.color("danger")

    # --- export ----------------------------------------------------------------------------------
    def shown_figures(self) -> ShownFigures:
        filters = self.filters()
        measure = self.measure.currentData()
        return ShownFigures(filters.start, filters.end,
                            {"campaign": self.campaign.currentText(), "channel": self.channel.currentText(),
                             "lines": self.split.currentText()},
                            measure, self.chart.shown, self.top_model.records(), measure,
                            TOP_MEASURE_HEADING[measure], self.heatmap_model.records(), self.time_zone)

    def export_to(self, path: str) -> None:
        figures = self.shown_figures()
        text = as_json(figures) if path.lower().endswith(".json") else as_csv(figures)
        Path(path).write_text(text, encoding="utf-8")
        self._say(f"Saved the figures shown to {path}.")

    def _on_export_button_clicked(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(self, "Export the figures shown", "analytics.csv",
                                                   "CSV (*.csv);;JSON (*.json)")
        if path:
            if not Path(path).suffix:
                path += ".json" if "json" in chosen.lower() else ".csv"
            try:
                self.export_to(path)
            except OSError as exc:
                self._say(f"Could not save: {exc.strerror or exc}.")

    def _on_import_button_clicked(self) -> None:
        from umt.desktop.views.metrics_import import MetricsImportWizard

        wizard = MetricsImportWizard(self.controller, self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.open()

    # --- answers ---------------------------------------------------------------------------------
    def _on_controller_series_loaded(self, series: list) -> None:
        self._series = series
        self._show_series()
        if self._choices_wanted:
            self._choices_wanted = False
            self.controller.load_choices(self.today)

    def _show_series(self) -> None:
        measure = self.measure.currentData()
        title = f"{self.measure.currentText()}, {self.start.date().toString('d MMM')} – {self.end.date().toString('d MMM yyyy')}"
        lines = {s.name: [(row.first_day, getattr(row, measure)) for row in s.rows
                          if row.first_day is not None and getattr(row, measure) is not None] for s in self._series}
        span = (self.start.date().toPython(), self.end.date().toPython())
        self.chart.set_series(title, lines, rate=measure == "engagement_rate", span=span,
                              empty_text="No data yet: no post has figures in these days. "
                                         "Import metrics to see how your posts did.")

    def _on_controller_top_content_loaded(self, top) -> None:
        self.top_title.setText(f"Top content by {self.measure.currentText().lower()}")
        self.top_model.set_rows([[r.rank, r.title, r.channel, r.impressions, r.engagements, r.engagement_rate,
                                  r.clicks, r.conversions] for r in top.items])
        self.top_table.resizeColumnsToContents()
        self.top_table.setColumnWidth(1, min(TITLE_WIDTH, self.top_table.columnWidth(1)))
        self.top_empty.setVisible(not top.items)
        self.top_table.setVisible(bool(top.items))

    def _on_controller_heatmap_loaded(self, heatmap) -> None:
        self._heatmap_cells = list(heatmap.cells)
        self.heatmap_model.set_cells(self._heatmap_cells, self.measure.currentData())
        self.heatmap_title.setText(f"{self.measure.currentText()} by the hour posted ({heatmap.time_zone})")
        self.heatmap_empty.setVisible(self.heatmap_model.is_empty())
        self.heatmap.setVisible(not self.heatmap_model.is_empty())

    def _on_controller_choices_loaded(self, campaigns: list, channels: list) -> None:
        _refill(self.campaign, "All campaigns", campaigns)
        _refill(self.channel, "All channels", [(name, name) for name in channels])

    def _on_controller_load_failed(self, message: str) -> None:
        self._say(message)
        if self._choices_wanted:
            self._choices_wanted = False
            self.controller.load_choices(self.today)

    # --- the filters -----------------------------------------------------------------------------
    def _on_range_current_index_changed(self, index: int) -> None:
        days = RANGES[index][1]
        if days:
            self._set_range_days(days)

    def _set_range_days(self, days: int) -> None:
        for edit in (self.start, self.end):
            edit.blockSignals(True)
        self.start.setDate(QDate(self.today - timedelta(days=days - 1)))
        self.end.setDate(QDate(self.today))
        for edit in (self.start, self.end):
            edit.blockSignals(False)
        self._settle.start()

    def _on_date_changed(self, _date: QDate) -> None:
        self.range.blockSignals(True)
        self.range.setCurrentIndex(len(RANGES) - 1)
        self.range.blockSignals(False)
        self._settle.start()

    def _on_measure_current_index_changed(self, _index: int) -> None:
        self._show_series()
        self.heatmap_model.set_cells(self._heatmap_cells, self.measure.currentData())
        self.controller.load_top_content(self.measure.currentData())

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()


def _combo(choices, current: int) -> QComboBox:
    combo = QComboBox()
    for text, data in choices:
        combo.addItem(text, data)
    combo.setCurrentIndex(current)
    return combo


def _refill(combo: QComboBox, everything: str, choices: list) -> None:
    chosen = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(everything, None)
    for value, text in choices:
        combo.addItem(str(text), value)
    combo.setCurrentIndex(max(0, combo.findData(chosen)))
    combo.blockSignals(False)


def _table(model) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(False)
    return table


def _column(*widgets: QWidget) -> QWidget:
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return column
