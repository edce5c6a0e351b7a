"""Live resources: each service's CPU and memory against its own limits, and the host's figures."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QSizePolicy, QTableView, QVBoxLayout, QWidget

from umt import formatting
from umt.desktop.models.stack import ResourcesTableModel
from umt.desktop.theme import Theme
from umt.desktop.widgets.bars import UsageBarDelegate
from umt.desktop.widgets.services_view import fit_height_to_rows


class ResourcesView(QWidget):
    def __init__(self, model: ResourcesTableModel, theme: Theme, parent=None):
        super().__init__(parent)
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(44)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ResourcesTableModel.COL_SERVICE, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(ResourcesTableModel.COL_SERVICE, 110)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        model.modelReset.connect(lambda: fit_height_to_rows(self.table))
        fit_height_to_rows(self.table)
        self.bar_delegate = UsageBarDelegate(theme, self)
        for column in (ResourcesTableModel.COL_CPU, ResourcesTableModel.COL_MEMORY):
            self.table.setItemDelegateForColumn(column, self.bar_delegate)
        self.host = QLabel("This computer: —")
        self.host.setProperty("role", "muted")
        # Its text changes every second; a size that ignores the text keeps that from re-running
        # the window's layout.
        self.host.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.host)

    def set_theme(self, theme: Theme) -> None:
        self.bar_delegate.set_theme(theme)
        self.table.viewport().update()

    def show_host(self, cpu_percent: float, memory_used: int, memory_total: int) -> None:
        gib = 1024**3
        self.host.setText(
            f"This computer: CPU {cpu_percent:.0f} % · memory {memory_used / gib:.1f} of {memory_total / gib:.1f} GiB "
            f"({formatting.percent(memory_used / memory_total if memory_total else None)})"
        )
