"""The Content studio section: the list of posts with filters and search as you type, and the
editor pane beside it (which can also open a post in a window of its own)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from umt.contract.channels import CHANNELS
from umt.desktop.models.content import ContentListModel
from umt.desktop.models.content_records import STATUS_LABELS, Option
from umt.desktop.views.content_editor import ContentEditor, ContentEditorWindow

SAMPLE_TIP = "Adds a small bakery's brand, campaigns and posts, to see how everything works"
SEARCH_PAUSE_MS = 150  # a short pause between keystrokes; older searches are superseded anyway


UnsavedQuestion = Callable[[str], str]
"""Asked before the editor moves away from unsaved edits: the post's title -> "save", "discard" or "cancel"."""


def ask_about_unsaved_edits(parent: QWidget, title: str) -> str:
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(parent, "Unsaved changes", f"Save your changes to \u201c{title}\u201d first?",
                                  buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
    return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")


class ContentStudio(QWidget):
    def __init__(self, controller, parent=None, ask_unsaved: UnsavedQuestion | None = None, *, sample_data=None):
        super().__init__(parent)
        self.sample_data = sample_data   # a SampleDataController: the empty workspace offers sample data
        self.ask_unsaved = ask_unsaved or (lambda title: ask_about_unsaved_edits(self, title))
        self._after_save: Callable[[], None] | None = None
        self.setAccessibleName("Content studio")
        self.controller = controller
        self.windows: list[ContentEditorWindow] = []
        self._theme = None
        self._loaded = False
        model = controller.list_model

        self.brand_filter = self._combo("Filter by brand", "All brands")
        self.campaign_filter = self._combo("Filter by campaign", "All campaigns")
        self.channel_filter = self._combo("Filter by channel", "All channels")
        for channel in CHANNELS.values():
            self.channel_filter.addItem(channel.label[:1].upper() + channel.label[1:], channel.key)
        self.status_filter = self._combo("Filter by status", "Any status")
        for status, label in STATUS_LABELS.items():
            self.status_filter.addItem(label, status)
        self.search = QLineEdit()
        self.search.setAccessibleName("Search posts")
        self.search.setPlaceholderText("Search titles (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.new_button = QPushButton("New post")
        self.new_button.setProperty("role", "primary")
        self.new_button.setToolTip("New post (Ctrl+N)")
        self.count_label = QLabel()
        self.count_label.setProperty("role", "muted")
        self.notice = QLabel()
        self.notice.setProperty("role", "muted")
        self.notice.setWordWrap(True)
        self.sample_button = QPushButton("Try with sample data")
        self.sample_button.setToolTip(SAMPLE_TIP)
        self.sample_button.clicked.connect(self._on_sample_button_clicked)
        self.notice_bar = QWidget()
        notice_row = QHBoxLayout(self.notice_bar)
        notice_row.setContentsMargins(0, 0, 0, 0)
        notice_row.addWidget(self.notice, 1)
        notice_row.addWidget(self.sample_button)
        self.notice_bar.hide()
        self.sample_button.hide()

        self.table = QTableView()
        self.table.setAccessibleName("Posts")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed row heights and column widths: no measuring of 10,000 rows while scrolling.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(ContentListModel.COL_TITLE, QHeaderView.ResizeMode.Stretch)
        for column, width in ((ContentListModel.COL_CHANNEL, 116), (ContentListModel.COL_STATUS, 80),
                              (ContentListModel.COL_BRAND, 96), (ContentListModel.COL_UPDATED, 92)):
            self.table.setColumnWidth(column, width)

        self.editor_controller = controller.new_editor(self)
        self.editor = ContentEditor(self.editor_controller)
        self.editor_controller.sig_item_saved.connect(self._on_editor_controller_item_saved)
        self.editor_controller.sig_save_failed.connect(self._on_editor_controller_save_failed)

        filters = QHBoxLayout()
        for widget in (self.brand_filter, self.campaign_filter, self.channel_filter, self.status_filter):
            filters.addWidget(widget)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.new_button)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table, 1)
        column.addWidget(self.count_label)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.editor)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([640, 920])
        left.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(filters)
        layout.addWidget(self.notice_bar)
        layout.addWidget(splitter, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_PAUSE_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textEdited.connect(lambda _text: self._search_timer.start())
        for combo in (self.brand_filter, self.campaign_filter, self.channel_filter, self.status_filter):
            combo.activated.connect(lambda _index: self.apply_filters())
        self.new_button.clicked.connect(self.new_post)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.editor.sig_detach_requested.connect(self.open_window)
        model.sig_total_changed.connect(self._on_model_total_changed)
        model.sig_loading_changed.connect(self._on_model_loading_changed)
        controller.sig_options_loaded.connect(self._on_controller_options_loaded)
        controller.sig_list_failed.connect(self._show_notice)
        controller.sig_notice_changed.connect(self._show_notice)
        if sample_data is not None:
            sample_data.sig_workspace_checked.connect(self._on_sample_data_workspace_checked)
            sample_data.sig_progressed.connect(self._on_sample_data_progressed)
            sample_data.sig_filled.connect(self._on_sample_data_filled)
            sample_data.sig_fill_failed.connect(self._on_sample_data_fill_failed)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_post, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def set_theme(self, theme) -> None:
        """Colours what the stylesheet cannot reach (the versions' diff), here and in open windows."""
        self._theme = theme
        for editor in [self.editor] + [window.editor for window in self.windows]:
            editor.versions.set_colors(theme.colors["ok"], theme.colors["danger"], theme.colors["text_muted"])

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """The page appears (built when the owner first opens it, signed in): load what it shows."""
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self.controller.load_options()
            self.apply_filters()

    @staticmethod
    def _combo(name: str, everything: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.addItem(everything, None)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return combo

    def apply_filters(self) -> None:
        """Sends the filters and the search text; the newest request supersedes any older one."""
        self._search_timer.stop()
        self.controller.set_filters(brand_id=self.brand_filter.currentData(), campaign_id=self.campaign_filter.currentData(),
                                    channel=self.channel_filter.currentData(), status=self.status_filter.currentData(),
                                    q=self.search.text().strip()[:100])

    def new_post(self) -> None:
        def start() -> None:
            self._select_row_of(None)
            self.editor_controller.start_new()
            self.editor.title.setFocus()

        self._leave_current(start)

    def open_window(self, item_id: int) -> ContentEditorWindow:
        """Opens the post in a window of its own, with its own controller."""
        window = ContentEditorWindow(self.controller.new_editor(), ask_unsaved=self.ask_unsaved)
        window.editor.set_options(list(self.controller.brands.values()), list(self.controller.campaigns.values()))
        if self._theme is not None:
            colors = self._theme.colors
            window.editor.versions.set_colors(colors["ok"], colors["danger"], colors["text_muted"])
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(lambda _obj=None, w=window: self.windows.remove(w) if w in self.windows else None)
        self.windows.append(window)
        window.controller.open(item_id)
        window.show()
        return window

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        item_id = rows[0].data(ContentListModel.ROLE_ITEM_ID)
        shown = self.editor.item
        if shown is not None and shown.id == item_id:
            return
        if not self._leave_current(lambda: self.editor_controller.open(item_id)):
            self._select_row_of(shown.id if shown else None)

    def _leave_current(self, then: Callable[[], None]) -> bool:
        """Runs `then` now, or once the owner's unsaved edits are saved or discarded (asked);
        False when the owner chose to stay."""
        if not self.editor.dirty():
            then()
            return True
        answer = self.ask_unsaved(self.editor.title.text().strip() or "this post")
        if answer == "cancel":
            return False
        if answer == "save":
            self._after_save = then
            self.editor.save()
        else:
            then()
        return True

    def _on_editor_controller_item_saved(self, _item, _created: bool) -> None:
        then, self._after_save = self._after_save, None
        if then is not None:
            then()

    def _on_editor_controller_save_failed(self, _field: str, _message: str) -> None:
        if self._after_save is not None:  # the edits stay, with the error at its field
            self._after_save = None
            self._select_row_of(self.editor.item.id if self.editor.item else None)

    def _select_row_of(self, item_id: int | None) -> None:
        """Selects the post's row (none for None) without asking anything."""
        selection = self.table.selectionModel()
        blocked = selection.blockSignals(True)
        row = self.controller.list_model.row_of(item_id) if item_id is not None else None
        if row is None:
            self.table.clearSelection()
        else:
            self.table.selectRow(row)
        selection.blockSignals(blocked)
        self.table.viewport().update()

    def _on_controller_options_loaded(self, brands: list[Option], campaigns: list[Option]) -> None:
        for combo, options in ((self.brand_filter, brands), (self.campaign_filter, campaigns)):
            keep = combo.currentData()
            while combo.count() > 1:
                combo.removeItem(1)
            for option in options:
                combo.addItem(option.name, option.id)
            combo.setCurrentIndex(max(0, combo.findData(keep)))
        self.editor.set_options(brands, campaigns)
        for window in self.windows:
            window.editor.set_options(brands, campaigns)

    def _on_model_total_changed(self, total: int) -> None:
        self.count_label.setText(f"{total:,} post" + ("" if total == 1 else "s"))
        empty = total == 0 and not self.controller.filters
        if empty:
            self._show_notice("No posts yet. Press \u201cNew post\u201d to write the first one, or try the app "
                              "with a sample bakery's posts.")
        elif self.notice.text().startswith("No posts yet"):
            self._show_notice("")
        if not empty:
            self.sample_button.hide()
        elif self.sample_data is not None and not self.sample_data.filling:
            self.sample_data.check()   # offered only when the whole workspace is empty

    def _on_sample_button_clicked(self) -> None:
        self.sample_button.setEnabled(False)
        self.sample_button.setText("Adding sample data\u2026")
        self.sample_data.fill()

    def _on_sample_data_workspace_checked(self, empty: bool) -> None:
        self.sample_button.setVisible(empty and self.controller.list_model.total == 0 and not self.sample_data.filling)

    def _on_sample_data_progressed(self, _fraction: float, step: str) -> None:
        self.sample_button.setEnabled(False)
        self.sample_button.setText("Adding sample data\u2026")
        self.sample_button.setToolTip(step)

    def _on_sample_data_filled(self, summary) -> None:
        """Filled here or from another section's empty page: the list and the pickers show it."""
        self._reset_sample_button()
        self.sample_button.hide()
        self._show_notice(summary.sentence())
        self.controller.load_options()
        self.controller.reload()

    def _on_sample_data_fill_failed(self, problem) -> None:
        self._show_notice(problem.message)   # re-enables the button

    def _reset_sample_button(self) -> None:
        self.sample_button.setEnabled(True)
        self.sample_button.setText("Try with sample data")
        self.sample_button.setToolTip(SAMPLE_TIP)

    def _on_model_loading_changed(self, loading: bool) -> None:
        if loading and self.controller.list_model.total is None:
            self.count_label.setText("Loading\u2026")

    def _show_notice(self, message: str) -> None:
        self.notice.setText(message)
        self.notice_bar.setVisible(bool(message))
        if not self.sample_button.isEnabled():  # adding sample data failed: the notice says why
            self._reset_sample_button()
