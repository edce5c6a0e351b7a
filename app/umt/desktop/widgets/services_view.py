"""The per-service table: state, health, uptime, restarts, backend, and a Restart button per row."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QPushButton, QStyledItemDelegate, QTableView

from umt import formatting
from umt.desktop.models.stack import LevelRole, ServicesTableModel
from umt.desktop.theme import Theme


def fit_height_to_rows(table: QTableView) -> None:
    """A fixed height that shows every row, set when the rows change. Not 'adjust to contents':
    that policy asks for the size again on every cell update, and cells update every second."""
    rows = table.model().rowCount() if table.model() else 0
    header = table.horizontalHeader().sizeHint().height()
    table.setFixedHeight(header + rows * table.verticalHeader().defaultSectionSize() + 2 * table.frameWidth())


class _LevelTextDelegate(QStyledItemDelegate):
    """Colours state and health words amber or red when they are bad news."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        level = index.data(LevelRole)
        if level == formatting.LEVEL_DANGER:
            option.palette.setColor(option.palette.ColorRole.Text, QColor(self.theme.colors["danger"]))
        elif level == formatting.LEVEL_WARNING:
            option.palette.setColor(option.palette.ColorRole.Text, QColor(self.theme.colors["warning"]))


class ServicesView(QTableView):
    sig_restart_requested = Signal(str)
    """The owner asked to restart one service (its name)."""

    sig_logs_requested = Signal(str)
    """The owner double-clicked a service to see its logs (its name)."""

    def __init__(self, model: ServicesTableModel, theme: Theme, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self._model = model
        self._restart_enabled = False
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(34)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ServicesTableModel.COL_ACTION, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(ServicesTableModel.COL_ACTION, 96)
        self._level_delegate = _LevelTextDelegate(theme, self)
        for column in (ServicesTableModel.COL_STATE, ServicesTableModel.COL_HEALTH):
            self.setItemDelegateForColumn(column, self._level_delegate)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        model.modelReset.connect(self._on_model_reset)
        model.dataChanged.connect(self._on_model_data_changed)
        fit_height_to_rows(self)
        self.doubleClicked.connect(lambda index: self.sig_logs_requested.emit(model.row(index.row()).name))

    def set_theme(self, theme: Theme) -> None:
        self._level_delegate.theme = theme
        self.viewport().update()

    def set_restart_enabled(self, enabled: bool) -> None:
        self._restart_enabled = enabled
        self._show_buttons()

    def _show_buttons(self) -> None:
        """A restarting service's button is busy: it says so and cannot be pressed again."""
        for row, (name, button) in enumerate(self.restart_buttons().items()):
            restarting = self._model.restarting(row)
            button.setText("Restarting…" if restarting else "Restart")
            button.setEnabled(self._restart_enabled and not restarting)

    def restart_buttons(self) -> dict[str, QPushButton]:
        buttons = {}
        for row, name in enumerate(self._model.names()):
            widget = self.indexWidget(self._model.index(row, ServicesTableModel.COL_ACTION))
            if isinstance(widget, QPushButton):
                buttons[name] = widget
        return buttons

    def _on_model_reset(self) -> None:
        fit_height_to_rows(self)
        for row, name in enumerate(self._model.names()):
            button = QPushButton("Restart")
            button.setToolTip(f"Restart the {name}")
            button.clicked.connect(lambda _=False, name=name: self.sig_restart_requested.emit(name))
            self.setIndexWidget(self._model.index(row, ServicesTableModel.COL_ACTION), button)
        self._show_buttons()

    def _on_model_data_changed(self, top_left, _bottom_right, _roles=()) -> None:
        if top_left.column() != ServicesTableModel.COL_UPTIME:   # not just the clock ticking
            self._show_buttons()
