"""The content editor: title, channel with a live character count, brand, campaign, schedule,
keyphrase and text; the live score beside it; Draft with AI, the UTM builder and the versions
below; workflow buttons that offer only the legal moves. It shows what its EditorController
publishes and forwards what the owner asks for. The same widget sits in the studio's pane and in
a window of its own (ContentEditorWindow)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QDateTime, Qt, QTimer, QTimeZone, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMainWindow, QPlainTextEdit, QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from umt.desktop.models.publishing import summary
from umt.desktop.models.content_records import MOVE_LABELS, STATUS_LABELS, ContentItem, Option
from umt.desktop.widgets.channel_picker import ChannelPicker, CharacterCount
from umt.desktop.widgets.draft_panel import DraftPanel
from umt.desktop.widgets.field_errors import ErrorLabel, FieldErrors
from umt.desktop.widgets.score_panel import ScorePanel
from umt.desktop.widgets.utm_builder import UtmBuilder
from umt.desktop.widgets.versions_view import VersionsView
from umt.desktop.views.deliveries import DeliveriesView

SCORE_PAUSE_MS = 300  # the owner paused typing: score now


def _with_error(widget: QWidget, error: ErrorLabel) -> QVBoxLayout:
    column = QVBoxLayout()
    column.setSpacing(2)
    column.addWidget(widget)
    column.addWidget(error)
    return column


class ContentEditor(QWidget):
    sig_detach_requested = Signal(int)
    """The owner wants this post (its id) in a window of its own."""

    def __init__(self, controller, parent=None, detachable: bool = True):
        super().__init__(parent)
        self.controller = controller
        self.item: ContentItem | None = None
        self._filling = False

        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("A title only you see, e.g. \u201cAutumn blend launch\u201d")
        self.channel = ChannelPicker()
        self.count = CharacterCount()
        self.brand = QComboBox()
        self.brand.setAccessibleName("Brand")
        self.campaign = QComboBox()
        self.campaign.setAccessibleName("Campaign")
        self.keyphrase = QLineEdit()
        self.keyphrase.setAccessibleName("Keyphrase")
        self.keyphrase.setPlaceholderText("optional, e.g. \u201cautumn blend\u201d")
        self.keyphrase.setToolTip("Used for scoring and drafting; it is not saved with the post.")
        self.schedule_on = QCheckBox("Publish at (UTC)")
        self.schedule = QDateTimeEdit(QDateTime.currentDateTimeUtc().addDays(1))
        self.schedule.setTimeZone(QTimeZone.utc())
        self.schedule.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.schedule.setCalendarPopup(True)
        self.schedule.setAccessibleName("Publish at")
        self.schedule.setEnabled(False)
        self.schedule_on.toggled.connect(self.schedule.setEnabled)
        self.body = QPlainTextEdit()
        self.body.setAccessibleName("Text")
        self.body.setPlaceholderText("Write the post here, or draft it with AI below.")
        self.body.setTabChangesFocus(True)

        names = ("title", "channel", "brand_id", "campaign_id", "scheduled_at", "body")
        self.errors = FieldErrors(ErrorLabel(), {name: ErrorLabel() for name in names})
        self.status_label = QLabel()
        self.status_label.setProperty("role", "section")
        self.moves = QHBoxLayout()
        self.move_buttons: dict[str, QPushButton] = {}
        self.save_button = QPushButton("Save")
        self.save_button.setProperty("role", "primary")
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.detach_button = QPushButton("Open in own window")
        self.detach_button.setVisible(detachable)
        self.detach_button.clicked.connect(lambda: self.item and self.sig_detach_requested.emit(self.item.id))
        QShortcut(QKeySequence.StandardKey.Save, self, self.save, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.score_panel = ScorePanel()
        self.draft_panel = DraftPanel()
        self.utm = UtmBuilder()
        self.versions = VersionsView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.draft_panel, "Draft with AI")
        self.tabs.addTab(self.utm, "UTM link")
        self.tabs.addTab(self.versions, "Versions")
        self.deliveries = DeliveriesView(controller.deliveries)
        self.tabs.addTab(self.deliveries, "Deliveries")
        controller.deliveries.sig_deliveries_changed.connect(self._on_deliveries_deliveries_changed)
        self._layout(names)

        self._score_timer = QTimer(self)
        self._score_timer.setSingleShot(True)
        self._score_timer.setInterval(SCORE_PAUSE_MS)
        self._score_timer.timeout.connect(self.score_now)
        self.body.textChanged.connect(self._on_text_edited)
        self.keyphrase.textEdited.connect(lambda _text: self._score_timer.start())
        self.channel.sig_channel_changed.connect(self._on_channel_sig_channel_changed)
        self.brand.currentIndexChanged.connect(lambda _index: self._filling or self._score_timer.start())
        self.campaign.currentIndexChanged.connect(
            lambda _index: self._filling or self.utm.suggest(self.channel.channel(), self._campaign_name()))
        self._connect_controller()
        self.set_options([], [])
        self.show_item(None)

    def _layout(self, names) -> None:
        errors = self.errors.fields
        top = QHBoxLayout()
        top.addLayout(_with_error(self.title, errors["title"]), 1)
        top.addWidget(self.detach_button, 0, Qt.AlignmentFlag.AlignTop)
        form = QFormLayout()
        channel_row = QHBoxLayout()
        channel_row.addWidget(self.channel, 1)
        channel_row.addWidget(self.count)
        form.addRow("Channel", _with_error(_boxed(channel_row), errors["channel"]))
        form.addRow("Brand", _with_error(self.brand, errors["brand_id"]))
        form.addRow("Campaign", _with_error(self.campaign, errors["campaign_id"]))
        schedule_row = QHBoxLayout()
        schedule_row.addWidget(self.schedule_on)
        schedule_row.addWidget(self.schedule, 1)
        form.addRow("Schedule", _with_error(_boxed(schedule_row), errors["scheduled_at"]))
        form.addRow("Keyphrase", self.keyphrase)
        actions = QHBoxLayout()
        actions.addWidget(self.status_label)
        actions.addLayout(self.moves)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addLayout(form)
        column.addLayout(_with_error(self.body, errors["body"]), 3)
        column.addWidget(self.errors.general)
        column.addLayout(actions)
        column.addWidget(self.tabs, 2)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.score_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([700, 330])
        self.score_panel.setMinimumWidth(280)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _connect_controller(self) -> None:
        c = self.controller
        c.sig_item_loaded.connect(self.show_item)
        c.sig_item_saved.connect(self._on_controller_item_saved)
        c.sig_save_failed.connect(self._on_controller_save_failed)
        c.sig_move_refused.connect(self._on_controller_save_failed)
        c.sig_versions_loaded.connect(self.versions.set_versions)
        c.sig_score_updated.connect(self.score_panel.show_score)
        c.sig_score_failed.connect(self.score_panel.show_failure)
        c.sig_draft_progressed.connect(self.draft_panel.show_progress)
        c.sig_draft_finished.connect(self.draft_panel.show_outcome)
        c.sig_draft_failed.connect(self._on_controller_draft_failed)
        c.sig_draft_cancelled.connect(self.draft_panel.show_cancelled)
        c.sig_utm_built.connect(self.utm.show_link)
        c.sig_utm_failed.connect(self.utm.show_error)
        self.draft_panel.sig_draft_requested.connect(self._on_draft_panel_draft_requested)
        self.draft_panel.sig_cancel_requested.connect(c.cancel_draft)
        self.utm.sig_build_requested.connect(lambda fields: c.build_utm(**fields))
        self.utm.sig_insert_requested.connect(self.body.insertPlainText)
        self.versions.sig_restore_requested.connect(c.restore)

    # --- showing --------------------------------------------------------------------------------
    def set_options(self, brands: list[Option], campaigns: list[Option]) -> None:
        self._filling = True
        for combo, options, none in ((self.brand, brands, "No brand"), (self.campaign, campaigns, "No campaign")):
            keep = combo.currentData()
            combo.clear()
            combo.addItem(none, None)
            for option in options:
                combo.addItem(option.name, option.id)
            combo.setCurrentIndex(max(0, combo.findData(keep)))
        self._filling = False
        if self.item is not None and not self.dirty():
            self._select(self.brand, self.item.brand_id)
            self._select(self.campaign, self.item.campaign_id)

    def show_item(self, item: ContentItem | None) -> None:
        """Shows the item; while the owner has unsaved edits to the same item, only its status moves."""
        same = item is not None and self.item is not None and item.id == self.item.id
        keep_edits = same and self.dirty()
        self.item = item
        if not keep_edits:
            self._fill(item)
            if not same:
                self.keyphrase.clear()  # not stored with the post: it belongs to the post being edited
                self.score_panel.clear()
                self.utm.reset(self.channel.channel(), self._campaign_name())
        self.status_label.setText(STATUS_LABELS.get(item.status, item.status) if item else "New post")
        self.detach_button.setEnabled(item is not None)
        self._show_moves(item)
        self.deliveries.show_post(item.id if item else None, item.title if item else "", item.scheduled_at if item else None)
        if item is not None and not same:
            self.errors.clear()

    def _fill(self, item: ContentItem | None) -> None:
        self._filling = True
        self.title.setText(item.title if item else "")
        self.channel.set_channel(item.channel if item else "linkedin")
        self._select(self.brand, item.brand_id if item else None)
        self._select(self.campaign, item.campaign_id if item else None)
        self.schedule_on.setChecked(bool(item and item.scheduled_at))
        if item and item.scheduled_at:
            self.schedule.setDateTime(QDateTime.fromString(item.scheduled_at.replace("Z", "+00:00"), Qt.DateFormat.ISODate))
        self.body.setPlainText(item.body if item else "")
        self._filling = False
        self._on_text_edited()

    @staticmethod
    def _select(combo: QComboBox, value) -> None:
        combo.setCurrentIndex(max(0, combo.findData(value)))

    def _show_moves(self, item: ContentItem | None) -> None:
        if tuple(self.move_buttons) == (item.next_statuses if item else ()):
            return
        for button in self.move_buttons.values():
            self.moves.removeWidget(button)
            button.deleteLater()
        self.move_buttons = {}
        for status in item.next_statuses if item else ():
            button = QPushButton(MOVE_LABELS[status])
            button.setObjectName(f"move-{status}")
            button.setToolTip(f"Move this post to \u201c{STATUS_LABELS[status]}\u201d")
            button.clicked.connect(lambda _checked=False, s=status: self.move(s))
            self.moves.addWidget(button)
            self.move_buttons[status] = button

    # --- editing --------------------------------------------------------------------------------
    def fields(self) -> dict:
        scheduled = None
        if self.schedule_on.isChecked():
            scheduled = self.schedule.dateTime().toUTC().toString("yyyy-MM-ddTHH:mm:ssZ")
        return {"title": self.title.text().strip(), "body": self.body.toPlainText(), "channel": self.channel.channel(),
                "brand_id": self.brand.currentData(), "campaign_id": self.campaign.currentData(),
                "scheduled_at": scheduled}

    def dirty(self) -> bool:
        """Whether the editor holds edits the gateway does not have."""
        if self.item is None:
            return bool(self.title.text().strip() or self.body.toPlainText())
        return bool(self._changes())

    def _changes(self) -> dict:
        fields = self.fields()
        return {k: v for k, v in fields.items()
                if (_minute(v) != _minute(self.item.scheduled_at) if k == "scheduled_at" else getattr(self.item, k) != v)}

    def _set_saving(self, saving: bool) -> None:
        """A busy state at once: the owner sees the click was taken while the gateway answers."""
        self.save_button.setEnabled(not saving)
        self.save_button.setText("Saving\u2026" if saving else "Save")
        for button in self.move_buttons.values():
            button.setEnabled(not saving)

    def save(self) -> None:
        self.errors.clear()
        self._set_saving(True)
        self.controller.save(self.fields() if self.item is None else self._changes())

    def move(self, status: str) -> None:
        self.errors.clear()
        self._set_saving(True)
        scheduled = self.fields()["scheduled_at"] if status == "scheduled" else None
        self.controller.move(status, scheduled)

    def score_now(self) -> None:
        self._score_timer.stop()
        text = self.body.toPlainText()
        if not text.strip():
            return
        self.score_panel.set_busy(True)
        self.controller.score(text, self.channel.channel(), self.keyphrase.text(), self.brand.currentData())

    def _on_text_edited(self) -> None:
        self.count.update_count(self.body.toPlainText(), self.channel.channel())
        self.versions.set_current(self.title.text(), self.body.toPlainText())
        self._score_timer.start()

    def _on_channel_sig_channel_changed(self, channel: str) -> None:
        self.count.update_count(self.body.toPlainText(), channel)
        self.utm.suggest(channel, self._campaign_name())
        if not self._filling:
            self._score_timer.start()

    def _campaign_name(self) -> str:
        return self.campaign.currentText() if self.campaign.currentData() else ""

    def _on_controller_item_saved(self, _item, _created: bool) -> None:
        self._set_saving(False)
        self.errors.clear()

    def _on_controller_save_failed(self, field: str, message: str) -> None:
        self._set_saving(False)
        label = self.errors.show(field, message)
        if label is not self.errors.general:
            {"title": self.title, "body": self.body, "channel": self.channel, "brand_id": self.brand,
             "campaign_id": self.campaign, "scheduled_at": self.schedule}[field.split(".")[0]].setFocus()

    def _on_deliveries_deliveries_changed(self, lines: list) -> None:
        """The tab says how the post's deliveries stand ("Deliveries · 1 failed, 2 sent")."""
        words = summary(lines)
        self.tabs.setTabText(self.tabs.indexOf(self.deliveries), f"Deliveries · {words}" if words else "Deliveries")

    def _on_controller_draft_failed(self, field: str, message: str) -> None:
        if field in self.errors.fields:
            self.errors.show(field, message)
        self.draft_panel.show_error(message)

    def _on_draft_panel_draft_requested(self, brief: str, offline: bool) -> None:
        fields = self.fields()
        self.draft_panel.set_running(True)
        self.controller.draft(brief, fields["channel"], fields["brand_id"], fields["campaign_id"],
                              self.keyphrase.text(), offline=offline)


def _minute(timestamp: str | None) -> str:
    """A UTC time to the minute, whatever the format's tail ("Z", "+00:00", seconds)."""
    return (timestamp or "")[:16]


def _boxed(layout) -> QWidget:
    box = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    box.setLayout(layout)
    return box


class ContentEditorWindow(QMainWindow):
    """A post in a window of its own, with its own EditorController. Closing it with unsaved edits
    asks first (`ask_unsaved(title)` -> "save", "discard" or "cancel", as the studio asks)."""

    def __init__(self, controller, parent=None, ask_unsaved: Callable[[str], str] | None = None):
        super().__init__(parent)
        self.controller = controller
        self.ask_unsaved = ask_unsaved
        self.editor = ContentEditor(controller, detachable=False)
        self.editor.layout().setContentsMargins(12, 12, 12, 12)
        self.setCentralWidget(self.editor)
        self.setWindowTitle("Post \u2014 Ultimate Marketing Team")
        self.resize(1100, 820)
        self._close_when_saved = False
        controller.sig_item_loaded.connect(self._on_controller_item_loaded)
        controller.sig_item_saved.connect(self._on_controller_item_saved)
        controller.sig_save_failed.connect(self._on_controller_save_failed)

    def _on_controller_item_loaded(self, item) -> None:
        if item is not None:
            self.setWindowTitle(f"{item.title} \u2014 Ultimate Marketing Team")

    def _campaign_name(self) -> str:
        return self.campaign.currentText() if self.campaign.currentData() else ""

    def _on_controller_item_saved(self, _item, _created: bool) -> None:
        if self._close_when_saved:
            self.close()

    def _on_controller_save_failed(self, _field: str, _message: str) -> None:
        self._close_when_saved = False  # the window stays, with the error at its field

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.ask_unsaved is not None and not self._close_when_saved and self.editor.dirty():
            answer = self.ask_unsaved(self.editor.title.text().strip() or "this post")
            if answer != "discard":
                event.ignore()
                if answer == "save":
                    self._close_when_saved = True
                    self.editor.save()
                return
        self.controller.close()
        super().closeEvent(event)
