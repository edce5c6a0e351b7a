"""An email newsletter's recipients: the list (who unsubscribed, and when), a box to paste
addresses into, and Remove."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from umt.desktop.models.channels import ROLE_ID, RecipientsModel
from umt.desktop.models.publishing import parse_addresses
from umt.desktop.widgets.field_errors import ErrorLabel


class RecipientsPanel(QWidget):
    sig_add_requested = Signal(list)
    """Add these people: [(address, name)], the addresses already checked to look like addresses."""

    sig_remove_requested = Signal(list)
    """Remove these recipients (their ids)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RecipientsModel(self)
        self._adding = False
        self.heading = QLabel("Recipients")
        self.heading.setProperty("role", "section")
        self.count = QLabel()
        self.count.setProperty("role", "muted")
        self.table = QTableView()
        self.table.setAccessibleName("Recipients")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(RecipientsModel.COL_EMAIL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(RecipientsModel.COL_STATUS, QHeaderView.ResizeMode.ResizeToContents)
        self.paste = QPlainTextEdit()
        self.paste.setAccessibleName("Addresses to add")
        self.paste.setPlaceholderText("Paste addresses here: one a line, or separated by commas")
        self.paste.setTabChangesFocus(True)
        self.paste.setFixedHeight(70)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.error = ErrorLabel()
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows())))
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addWidget(self.count, 1)
        top.addWidget(self.remove_button)
        adding = QHBoxLayout()
        adding.addWidget(self.paste, 1)
        adding.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(adding)
        layout.addWidget(self.error)
        self.set_recipients([])

    def set_recipients(self, recipients: list) -> None:
        if self._adding:
            self._adding = False
            self.paste.clear()
        self.model.set_rows(recipients)
        total, subscribed = self.model.rowCount(), self.model.subscribed_count()
        self.count.setText("No one yet: paste the addresses of the people who asked for your newsletter."
                           if not total else f"{subscribed} of {total} subscribed")
        self.add_button.setEnabled(True)
        self.add_button.setText("Add")
        self.remove_button.setEnabled(False)

    def show_error(self, message: str) -> None:
        self._adding = False
        self.add_button.setEnabled(True)
        self.add_button.setText("Add")
        self.error.show_error(message)

    def _on_add_button_clicked(self) -> None:
        people, bad = parse_addresses(self.paste.toPlainText())
        if bad:
            shown = ", ".join(bad[:3]) + (" \u2026" if len(bad) > 3 else "")
            self.error.show_error(f"These are not addresses: {shown}. Correct them and press Add again.")
            return
        if not people:
            self.error.show_error("Paste at least one address.")
            return
        self.error.show_error("")
        self.add_button.setEnabled(False)
        self.add_button.setText("Adding\u2026")
        self._adding = True     # the box empties once they are on the list; a refusal leaves them there
        self.sig_add_requested.emit(people)

    def _on_remove_button_clicked(self) -> None:
        ids = [index.data(ROLE_ID) for index in self.table.selectionModel().selectedRows()]
        if ids:
            self.remove_button.setEnabled(False)
            self.sig_remove_requested.emit(ids)
