"""The Campaigns section: goal, channels, dates and budget, and the campaign's content."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QSize, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit,
                               QListView, QListWidget, QListWidgetItem, QPlainTextEdit, QVBoxLayout, QWidget)

from umt.contract.channels import CAMPAIGN_CHANNELS
from umt.desktop.models.records import RecordListModel
from umt.desktop.views.record_page import RecordPage
from umt.desktop.widgets.form import Form

CHANNEL_CELL_WIDTH = 170   # room for "youtube_description" and its check box
STATUS_CHOICES = (("All statuses", ""), ("Planned", "planned"), ("Running", "running"), ("Ended", "ended"),
                  ("No dates", "undated"))


def campaign_status(record: Any, today: date | None = None) -> str:
    """planned, running, ended or undated, from the campaign's dates."""
    today = today or date.today()
    start, end = _day(record.start), _day(record.end)
    if start is None and end is None:
        return "undated"
    if start is not None and today < start:
        return "planned"
    if end is not None and today > end:
        return "ended"
    return "running"


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class OptionalDate(QWidget):
    """A date that may be left out: a checkbox turns the picker on."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox(self)
        self.enabled.setAccessibleName(label)
        self.enabled.setToolTip(label)
        self.picker = QDateEdit(self)
        self.picker.setCalendarPopup(True)
        self.picker.setDisplayFormat("yyyy-MM-dd")
        self.picker.setDate(QDate.currentDate())
        self.picker.setEnabled(False)
        self.enabled.toggled.connect(self.picker.setEnabled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.enabled)
        row.addWidget(self.picker, 1)

    def value(self) -> str | None:
        return self.picker.date().toString("yyyy-MM-dd") if self.enabled.isChecked() else None

    def set_value(self, value: Any) -> None:
        day = _day(value)
        self.enabled.setChecked(day is not None)
        self.picker.setDate(QDate(day.year, day.month, day.day) if day else QDate.currentDate())


class CampaignsPage(RecordPage):
    singular = "campaign"
    empty_text = "A campaign groups posts toward one goal, over dates and channels. Start with “New campaign”."

    def __init__(self, controller, brands_controller, parent: QWidget | None = None, *, sample_data=None) -> None:
        self._brands: list[Any] = []
        self.brand_filter = QComboBox()
        self.brand_filter.setAccessibleName("Filter by brand")
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Filter by status")
        for text, key in STATUS_CHOICES:
            self.status_filter.addItem(text, key)
        super().__init__(controller, parent, sample_data=sample_data)
        self.brand_filter.currentIndexChanged.connect(lambda _: self.reload())
        self.status_filter.currentIndexChanged.connect(lambda _: self.reload())
        self._brands_controller = brands_controller
        brands_controller.sig_records_loaded.connect(self._on_brands_records_loaded)

    def _filter_widgets(self) -> list[QWidget]:
        return [self.brand_filter, self.status_filter]

    def filters(self) -> dict[str, Any]:
        return {**super().filters(), "brand_id": self.brand_filter.currentData()}

    def filtering(self) -> bool:
        return bool(self.brand_filter.currentData() or self.status_filter.currentData())

    def keep(self, record: Any) -> bool:
        wanted = self.status_filter.currentData()
        return not wanted or campaign_status(record) == wanted

    def describe(self, record: Any) -> str:
        return f"{record.name} · {campaign_status(record)}"

    def build_form(self, form: Form) -> None:
        self.name = form.add("name", "Name", QLineEdit())
        self.brand = form.add("brand_id", "Brand", QComboBox())
        self.goal = form.add("goal", "Goal", QPlainTextEdit())
        self.goal.setPlaceholderText("What should this campaign achieve? e.g. 200 pre-orders by Easter")
        self.goal.setTabChangesFocus(True)
        self.goal.setFixedHeight(60)
        self.channels = form.add("channels", "Channels", QListWidget())
        # Every channel in view at once, in columns: a scrolled list hid the last ones.
        self.channels.setFlow(QListView.Flow.LeftToRight)
        self.channels.setWrapping(True)
        self.channels.setResizeMode(QListView.ResizeMode.Adjust)
        cell = QSize(CHANNEL_CELL_WIDTH, self.channels.fontMetrics().height() + 10)
        self.channels.setGridSize(cell)
        self.channels.setFixedHeight(3 * cell.height() + 8)
        self.channels.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for key in CAMPAIGN_CHANNELS:
            item = QListWidgetItem(key, self.channels)
            item.setSizeHint(cell - QSize(4, 0))   # the whole cell: the themed check box is wider than Qt reckons
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.start = form.add("start", "Start", OptionalDate("Has a start date"))
        self.end = form.add("end", "End", OptionalDate("Has an end date"))
        self.budget = form.add("budget", "Budget", QDoubleSpinBox())
        self.budget.setRange(0, 10**9)
        self.budget.setDecimals(2)
        self.budget.setSpecialValueText("none")
        self._fill_brand_choices()

    def add_below_form(self, column: QVBoxLayout) -> None:
        title = QLabel("Content in this campaign", self)
        title.setProperty("role", "section")
        self.content_model = RecordListModel(
            lambda item: f"{item.title} — {item.channel}, {item.status.replace('_', ' ')}",
            lambda item: item.id, self)
        self.content_list = QListView(self)
        self.content_list.setModel(self.content_model)
        self.content_list.setAccessibleName("Content in this campaign")
        self.content_list.setFixedHeight(140)
        self.content_note = QLabel("Save the campaign, then add posts to it in the Content section.", self)
        self.content_note.setProperty("role", "muted")
        column.addWidget(title)
        column.addWidget(self.content_list)
        column.addWidget(self.content_note)

    def fill(self, record: Any | None) -> None:
        self.name.setText(record.name if record is not None else "")
        self._select_brand(record.brand_id if record is not None else None)
        self.goal.setPlainText(record.goal if record is not None else "")
        chosen = set(record.channels if record is not None else ())
        for row in range(self.channels.count()):
            item = self.channels.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.text() in chosen else Qt.CheckState.Unchecked)
        self.start.set_value(record.start if record is not None else None)
        self.end.set_value(record.end if record is not None else None)
        budget = record.budget if record is not None else None
        self.budget.setValue(float(budget) if budget is not None else 0.0)
        self.content_model.set_rows([])
        campaign_id = record.id if record is not None else None
        self.content_note.setText("Save the campaign, then add posts to it in the Content section."
                                  if campaign_id is None else "Loading the campaign's posts…")
        if campaign_id is not None:
            self.controller.fetch(
                lambda client: list(client.content.list(limit=200, campaign_id=campaign_id).items),
                self._on_campaign_content_loaded, key="campaigns:content")

    def collect(self) -> dict[str, Any]:
        channels = [self.channels.item(r).text() for r in range(self.channels.count())
                    if self.channels.item(r).checkState() == Qt.CheckState.Checked]
        return {
            "name": self.name.text().strip(),
            "brand_id": self.brand.currentData(),
            "goal": self.goal.toPlainText().strip(),
            "channels": channels,
            "start": self.start.value(),
            "end": self.end.value(),
            "budget": self.budget.value() or None,
        }

    def reload(self) -> None:
        super().reload()
        self._brands_controller.load()

    def _on_campaign_content_loaded(self, items: list) -> None:
        self.content_model.set_rows(items)
        self.content_note.setText("No posts in this campaign yet; add them in the Content section."
                                  if not items else f"{len(items)} post(s).")

    def _on_brands_records_loaded(self, brands: list) -> None:
        self._brands = brands
        self._fill_brand_choices()

    def _fill_brand_choices(self) -> None:
        selected, filtered = self.brand.currentData(), self.brand_filter.currentData()
        # Refilling must not look like the owner changing the filter (that would reload, forever).
        for combo, none_text, keep in ((self.brand, "No brand", selected), (self.brand_filter, "All brands", filtered)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(none_text, None)
            for brand in self._brands:
                combo.addItem(brand.name, brand.id)
            combo.setCurrentIndex(max(combo.findData(keep), 0))
            combo.blockSignals(False)

    def _select_brand(self, brand_id: int | None) -> None:
        index = self.brand.findData(brand_id)
        self.brand.setCurrentIndex(max(index, 0))
