"""The shape shared by the Brands and Campaigns pages: a searchable list on the left, the selected
record's form on the right, Save / New / Delete, errors at the field the API names.

Subclasses say which fields the form has (`build_form`), how a record fills it (`fill`) and
what the form sends (`collect`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QListView, QMessageBox, QProgressBar, QPushButton,
                               QScrollArea,
                               QSplitter, QVBoxLayout, QWidget)

from umt.desktop.controllers.problem import Problem
from umt.desktop.controllers.records import RecordsController
from umt.desktop.models.records import RecordListModel
from umt.desktop.widgets.form import Form

SEARCH_PAUSE_MS = 250


class RecordPage(QWidget):
    singular = "record"
    empty_text = ""

    def __init__(self, controller: RecordsController, parent: QWidget | None = None, *, sample_data=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.sample_data = sample_data   # a SampleDataController: the empty workspace offers sample data
        self.current_id: int | None = None
        self.model = RecordListModel(self.describe, lambda record: record.id, self)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(f"Search {self.controller.resource}")
        self.search.setAccessibleName(f"Search {self.controller.resource}")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_PAUSE_MS)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _: self._search_timer.start())

        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setAccessibleName(f"{self.controller.resource.capitalize()} list")
        self.list.selectionModel().currentChanged.connect(self._on_list_current_changed)
        self.list_note = QLabel(self.empty_text, self)
        self.list_note.setProperty("role", "muted")
        self.list_note.setWordWrap(True)

        self.sample_button = QPushButton("Try with sample data", self)
        self.sample_button.setToolTip("Fill the empty workspace with a small bakery's brand, campaigns, "
                                      "posts and metrics; delete them whenever you like.")
        self.sample_button.clicked.connect(self._on_sample_button_clicked)
        self.sample_progress = QProgressBar(self)
        self.sample_progress.setRange(0, 100)
        self.sample_progress.setAccessibleName("Sample data progress")
        self.sample_step = QLabel(self)
        self.sample_step.setProperty("role", "muted")
        self.sample_step.setWordWrap(True)
        for widget in (self.sample_button, self.sample_progress, self.sample_step):
            widget.hide()

        self.new_button = QPushButton(f"New {self.singular}", self)
        self.new_button.clicked.connect(self.new_record)
        left = QWidget(self)
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        for widget in self._filter_widgets():
            left_column.addWidget(widget)
        left_column.addWidget(self.search)
        left_column.addWidget(self.list, 1)
        left_column.addWidget(self.list_note)
        left_column.addWidget(self.sample_button)
        left_column.addWidget(self.sample_progress)
        left_column.addWidget(self.sample_step)
        left_column.addWidget(self.new_button)

        self.heading = QLabel(f"New {self.singular}", self)
        self.heading.setProperty("role", "title")
        self.form = Form(self)
        self.build_form(self.form)
        self.save_button = QPushButton("Save", self)
        self.save_button.setProperty("role", "primary")
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.status = QLabel(self)
        self.status.setProperty("role", "muted")
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.status, 1)
        right = QWidget(self)
        right_column = QVBoxLayout(right)
        right_column.addWidget(self.heading)
        right_column.addWidget(self.form)
        self.add_below_form(right_column)
        right_column.addLayout(buttons)
        right_column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(right)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 640])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_record)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)

        controller.sig_records_loaded.connect(self._on_controller_records_loaded)
        controller.sig_record_saved.connect(self._on_controller_record_saved)
        controller.sig_save_failed.connect(self._on_controller_save_failed)
        controller.sig_record_deleted.connect(self._on_controller_record_deleted)
        controller.sig_load_failed.connect(self._on_controller_load_failed)
        if sample_data is not None:
            sample_data.sig_workspace_checked.connect(self._on_sample_data_workspace_checked)
            sample_data.sig_progressed.connect(self._on_sample_data_progressed)
            sample_data.sig_filled.connect(self._on_sample_data_filled)
            sample_data.sig_fill_failed.connect(self._on_sample_data_fill_failed)
        self.new_record()

    # --- what a page defines --------------------------------------------------------------------
    def describe(self, record: Any) -> str:
        return record.name

    def build_form(self, form: Form) -> None:
        raise NotImplementedError

    def add_below_form(self, column: QVBoxLayout) -> None:
        """Room for a page's extras under the form (a campaign's content)."""

    def fill(self, record: Any | None) -> None:
        raise NotImplementedError

    def collect(self) -> dict[str, Any]:
        raise NotImplementedError

    def filters(self) -> dict[str, Any]:
        return {"q": self.search.text().strip()}

    def keep(self, record: Any) -> bool:
        """A filter the gateway does not have, applied to the loaded list."""
        return True

    def _filter_widgets(self) -> list[QWidget]:
        return []

    def filtering(self) -> bool:
        """Whether a page filter beyond the search is set (for the empty list's words)."""
        return False

    # --- actions --------------------------------------------------------------------------------
    def reload(self) -> None:
        self.controller.load(**self.filters())

    def new_record(self) -> None:
        self.current_id = None
        self.list.selectionModel().clearSelection()
        self.heading.setText(f"New {self.singular}")
        self.delete_button.setEnabled(False)
        self.form.clear_errors()
        self.status.clear()
        self.fill(None)

    def show_record(self, record: Any) -> None:
        self.current_id = record.id
        self.heading.setText(self.describe(record))
        self.delete_button.setEnabled(True)
        self.form.clear_errors()
        self.status.clear()
        self.fill(record)

    def save(self) -> None:
        self.form.clear_errors()
        self.status.setText("Saving…")
        self.save_button.setEnabled(False)
        self.controller.save(self.current_id, self.collect())

    def _on_delete_clicked(self) -> None:
        if self.current_id is None:
            return
        answer = QMessageBox.question(self, f"Delete {self.singular}",
                                      f"Delete “{self.heading.text()}”? This cannot be undone.")
        if answer == QMessageBox.StandardButton.Yes:
            self.controller.delete(self.current_id)

    # --- results --------------------------------------------------------------------------------
    def _on_controller_records_loaded(self, records: list) -> None:
        records = [record for record in records if self.keep(record)]
        self.model.set_rows(records)
        searching = bool(self.search.text().strip()) or self.filtering()
        self.list_note.setText("Nothing matches." if searching and not records else
                               self.empty_text if not records else "")
        self.list_note.setVisible(not records)
        if records or searching:
            self.sample_button.hide()
        elif self.sample_data is not None and not self.sample_data.filling:
            self.sample_data.check()   # offered only when the whole workspace is empty
        self._select(self.current_id)

    def _on_controller_record_saved(self, record: Any) -> None:
        self.save_button.setEnabled(True)
        self.show_record(record)
        self.status.setText("Saved.")

    def _on_controller_save_failed(self, error: Problem) -> None:
        self.save_button.setEnabled(True)
        self.status.clear()
        self.form.show_error(error.message, error.field)

    def _on_controller_record_deleted(self, record_id: int) -> None:
        if record_id == self.current_id:
            self.new_record()
        self.status.setText("Deleted.")

    def _on_controller_load_failed(self, message: str) -> None:
        self.list_note.setText(message)
        self.list_note.show()

    def _on_sample_button_clicked(self) -> None:
        self.sample_button.setEnabled(False)
        self.sample_data.fill()

    def _on_sample_data_workspace_checked(self, empty: bool) -> None:
        self.sample_button.setVisible(empty and self.model.rowCount() == 0 and not self.sample_data.filling)
        self.sample_button.setEnabled(True)

    def _on_sample_data_progressed(self, fraction: float, step: str) -> None:
        self.sample_button.hide()
        self.sample_progress.show()
        self.sample_progress.setValue(round(100 * fraction))
        self.sample_step.setText(step)
        self.sample_step.show()

    def _on_sample_data_filled(self, _summary) -> None:
        self.sample_progress.hide()
        self.sample_step.hide()
        self.sample_button.hide()
        self.reload()

    def _on_sample_data_fill_failed(self, problem: Problem) -> None:
        self.sample_progress.hide()
        self.sample_step.setText(problem.message)
        self.sample_step.show()
        self.sample_button.setEnabled(True)
        self.reload()

    def _on_list_current_changed(self, current, _previous) -> None:
        if current.isValid():
            record = self.model.record(current.row())
            if record.id != self.current_id:
                self.show_record(record)

    def _select(self, record_id: int | None) -> None:
        row = self.model.row_of(record_id) if record_id is not None else -1
        if row >= 0:
            self.list.selectionModel().setCurrentIndex(self.model.index(row),
                                                       QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.reload()
