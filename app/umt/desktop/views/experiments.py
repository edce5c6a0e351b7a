"""The Experiments section: experiments on the left; on the right a new experiment's form, or an
experiment's counts (typed or imported from CSV), the agent's results as a chart and in words,
the sample-size planner, and declaring a winner (which moves the posts through the workflow)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout, QHeaderView,
                               QLabel, QListView, QPushButton, QScrollArea, QSpinBox, QSplitter, QStackedWidget,
                               QTableView, QVBoxLayout, QWidget)

from umt.desktop.controllers.experiments import ExperimentsController, WinnerMoves, rows_of, verdict_text
from umt.desktop.models.experiments import VariantsModel, parse_counts_csv
from umt.desktop.models.records import RecordListModel
from umt.desktop.theme import Theme
from umt.desktop.views.experiment_form import ExperimentForm
from umt.desktop.views.sample_size_dialog import SampleSizeDialog
from umt.desktop.widgets.interval_chart import IntervalChart, IntervalRow


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label


class ExperimentsPage(QWidget):
    def __init__(self, controller: ExperimentsController, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.experiment: Any = None      # the one shown, as the gateway stores it
        self.result: Any = None          # the agent's ExperimentStatsResult for it
        self.list_model = RecordListModel(lambda e: e.name, lambda e: e.id, self)
        self.list = QListView()
        self.list.setModel(self.list_model)
        self.list.setAccessibleName("Experiments list")
        self.list.selectionModel().currentChanged.connect(self._on_list_current_changed)
        self.list_note = _muted("An experiment shows two or more versions of a post to see which converts "
                                "better. Start with “New experiment”.")
        self.new_button = QPushButton("New experiment")
        self.new_button.clicked.connect(self.new_experiment)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(self.list, 1)
        left_column.addWidget(self.list_note)
        left_column.addWidget(self.new_button)

        self.form = ExperimentForm()
        self.form.sig_create_requested.connect(self._on_form_create_requested)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.form)
        self.stack.addWidget(self._build_detail(theme))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.stack)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 720])
        QVBoxLayout(self).addWidget(splitter)

        controller.sig_experiments_loaded.connect(self._on_controller_experiments_loaded)
        controller.sig_content_loaded.connect(self.form.set_content)
        controller.sig_experiment_saved.connect(self._on_controller_experiment_saved)
        controller.sig_results_ready.connect(self._on_controller_results_ready)
        controller.sig_winner_declared.connect(self._on_controller_winner_declared)
        controller.sig_failed.connect(self._on_controller_failed)
        self._loaded = False

    def _build_detail(self, theme: Theme) -> QWidget:
        self.heading = QLabel()
        self.heading.setProperty("role", "title")
        self.hypothesis = _muted()
        self.variants = VariantsModel(self)
        self.variants.dataChanged.connect(lambda *_: self.save_button.setEnabled(True))
        self.variants.sig_edit_refused.connect(lambda reason: self.status.setText(f"Not changed: {reason}"))
        self.table = QTableView()
        self.table.setModel(self.variants)
        self.table.setAccessibleName("Variants: exposures and conversions")
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.variants.modelReset.connect(self._fit_table)
        self.save_button = QPushButton("Save counts")
        self.save_button.setProperty("role", "primary")
        self.save_button.clicked.connect(self.save_counts)
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("A file of variant,exposures,conversions lines")
        self.import_button.clicked.connect(self._on_import_clicked)
        self.min_samples = QSpinBox()
        self.min_samples.setRange(1, 10**9)
        self.min_samples.setValue(100)
        self.min_samples.setAccessibleName("Minimum exposures per variant")
        self.min_samples.setMaximumWidth(120)
        self.min_samples.setToolTip("The agent gives no verdict before every variant has this many exposures.")
        self.alpha = QDoubleSpinBox()
        self.alpha.setRange(0.1, 49.9)
        self.alpha.setDecimals(1)
        self.alpha.setValue(5.0)
        self.alpha.setSuffix(" %")
        self.alpha.setAccessibleName("Significance (alpha)")
        self.compute_button = QPushButton("Compute results")
        self.compute_button.clicked.connect(self.compute)
        self.plan_button = QPushButton("Plan sample size…")
        self.plan_button.clicked.connect(self.open_planner)
        counts_row = QHBoxLayout()
        for widget in (self.save_button, self.import_button):
            counts_row.addWidget(widget)
        counts_row.addStretch(1)
        counts_row.addWidget(self.plan_button)
        results_row = QHBoxLayout()
        for widget in (QLabel("Minimum per variant"), self.min_samples, QLabel("Significance"), self.alpha):
            results_row.addWidget(widget)
        results_row.addStretch(1)
        results_row.addWidget(self.compute_button)
        self.status = _muted()

        self.chart = IntervalChart(theme)
        self.verdict = QLabel("No results yet.")
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet("font-weight: 600;")
        self.figures = _muted()
        self.figures.setTextFormat(Qt.TextFormat.RichText)

        self.winner_choice = QComboBox()
        self.winner_choice.setAccessibleName("Winning variant")
        self.winner_choice.currentIndexChanged.connect(self._describe_winner)
        self.declare_button = QPushButton("Declare winner")
        self.declare_button.clicked.connect(self.declare_winner)
        self.winner_effect = _muted()
        winner_row = QHBoxLayout()
        winner_row.addWidget(QLabel("Winner"))
        winner_row.addWidget(self.winner_choice, 1)
        winner_row.addWidget(self.declare_button)
        self.winner_status = QLabel()
        self.winner_status.setWordWrap(True)

        detail = QWidget()
        column = QVBoxLayout(detail)
        for widget in (self.heading, self.hypothesis, self.table):
            column.addWidget(widget)
        column.addLayout(counts_row)
        column.addLayout(results_row)
        for widget in (self.status, self.chart, self.verdict, self.figures):
            column.addWidget(widget)
        column.addLayout(winner_row)
        column.addWidget(self.winner_effect)
        column.addWidget(self.winner_status)
        column.addStretch(1)
        return detail

    # --- actions -----------------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self.chart.set_theme(theme)

    def reload(self) -> None:
        self.controller.load()

    def new_experiment(self) -> None:
        self._select_row(-1)
        self.experiment = None
        self.form.reset()
        self.stack.setCurrentWidget(self.form)
        self.form.name.setFocus()

    def show_experiment(self, experiment: Any, *, compute: bool = True, keep_edits: bool = False) -> None:
        """Shows an experiment as stored; with keep_edits (a reload), counts typed and not yet
        saved, or being typed, stay in the table."""
        changed = self.experiment is None or self.experiment.id != experiment.id
        self.experiment = experiment
        self.heading.setText(experiment.name)
        self.hypothesis.setText(experiment.hypothesis or "No hypothesis written down.")
        editing = self.save_button.isEnabled() or self.table.state() == QAbstractItemView.State.EditingState
        if changed or not (keep_edits and editing):
            titles = {item_id: item.title for item_id, item in self.controller.content.items()}
            self.variants.set_rows(rows_of(experiment), titles)
            self.save_button.setEnabled(False)
        self.stack.setCurrentIndex(1)
        names = [v.name for v in experiment.variants]
        if changed or [self.winner_choice.itemText(i) for i in range(self.winner_choice.count())] != names:
            self.winner_choice.blockSignals(True)
            self.winner_choice.clear()
            self.winner_choice.addItems(names)
            self.winner_choice.blockSignals(False)
        if changed:
            self._show_result(None)
            self.winner_status.clear()
        self._describe_winner()
        if compute and any(v.exposures for v in experiment.variants):
            self.compute()

    def save_counts(self) -> None:
        if self.experiment is not None:
            self._show_result(None)     # results of the old counts would mislead
            self.status.setText("Saving…")
            self.controller.save_counts(self.experiment.id, self.variants.rows())

    def import_counts(self, path: Path) -> bool:
        """Reads a CSV of variant,exposures,conversions into the table (saved with Save counts)."""
        try:
            counts = parse_counts_csv(path.read_text(encoding="utf-8"))
            self.variants.apply_counts(counts)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            self.status.setText(f"Nothing imported from {path.name}: {exc}.")
            return False
        self.save_button.setEnabled(True)
        self.status.setText(f"Imported {len(counts)} variants from {path.name}. Press Save counts to keep them.")
        return True

    def compute(self) -> None:
        if self.experiment is None:
            return
        if self.save_button.isEnabled():
            self.status.setText("Save the counts first: the results are computed on the saved counts.")
            return
        self.status.setText("The agent is computing the results…")
        self.controller.analyse(self.experiment.id, alpha=self.alpha.value() / 100,
                                min_samples=self.min_samples.value())

    def open_planner(self) -> SampleSizeDialog:
        rows = self.variants.rows()
        control = rows[0] if rows else None
        baseline = control.rate if control is not None and control.rate else 0.05
        dialog = SampleSizeDialog(self.controller, baseline_rate=min(max(baseline, 0.0001), 0.9999),
                                  daily_visitors=self._daily_visitors(), variants=max(len(rows), 2), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _daily_visitors(self) -> int:
        """The experiment's exposures so far per day since it was created: today's traffic."""
        if self.experiment is None:
            return 0
        total = sum(row.exposures for row in self.variants.rows())
        created = self.experiment.created_at
        created = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
        days = max((datetime.now(timezone.utc) - created).total_seconds() / 86400, 1.0)
        return round(total / days)

    def winner_moves(self) -> WinnerMoves:
        return self.controller.winner_moves(self.variants.rows(), self.winner_choice.currentText())

    def declare_winner(self) -> None:
        if self.experiment is None or not self.winner_choice.currentText():
            return
        self.declare_button.setEnabled(False)
        self.winner_status.setText("Moving the posts…")
        self.controller.declare_winner(self.winner_moves())

    def _describe_winner(self) -> None:
        if not self.winner_choice.currentText():
            self.winner_effect.clear()
            return
        moves = self.winner_moves()
        self.winner_effect.setText(
            f"Declaring {moves.winner} the winner approves its post and archives the other variants' posts: "
            f"{moves.describe()}" if moves.moves else moves.describe())
        self.declare_button.setEnabled(bool(moves.moves))

    def _show_result(self, result: Any) -> None:
        self.result = result
        if result is None:
            self.chart.set_rows([])
            self.verdict.setText("No results yet.")
            self.figures.clear()
            return
        leader = result.bayesian.leader
        self.chart.set_rows([IntervalRow(v.name, v.rate, v.interval.low, v.interval.high, v.name == leader)
                             for v in result.variants], result.variants[0].interval.level)
        self.verdict.setText(verdict_text(result))
        lines = [f"<b>{v.name}</b>: P(best) {100 * (v.prob_best or 0):.1f} %, expected loss "
                 f"{100 * (v.expected_loss or 0):.3f} percentage points" for v in result.variants]
        lines += [f"{c.variant} vs {c.control}: p = {c.p_value:.4g} (Holm-corrected {c.p_value_holm:.4g})"
                  for c in result.comparisons if c.p_value is not None]
        self.figures.setText("<br>".join(lines) + f"<br><small>{result.method.test}; {result.method.correction}; "
                             f"{result.bayesian.prior}, {result.bayesian.draws:,} draws.</small>")
        if result.verdict.winner:
            self.winner_choice.setCurrentText(result.verdict.winner)

    # --- slots ---------------------------------------------------------------------------------------
    def _on_list_current_changed(self, current, _previous) -> None:
        if current.isValid():
            self.show_experiment(self.list_model.record(current.row()))

    def _on_form_create_requested(self, name: str, hypothesis: str, rows: list) -> None:
        self.controller.create(name, hypothesis, rows)

    def _on_controller_experiments_loaded(self, experiments: list) -> None:
        shown = self.experiment.id if self.experiment is not None else None
        selection = self.list.selectionModel()
        selection.blockSignals(True)    # a reload is not the owner choosing another experiment
        self.list_model.set_rows(experiments)
        selection.blockSignals(False)
        self.list_note.setVisible(not experiments)
        row = self.list_model.row_of(shown) if shown is not None else -1
        self._select_row(row)
        if row >= 0:
            self.show_experiment(experiments[row], compute=False, keep_edits=True)
        elif self.experiment is None and self.stack.currentWidget() is not self.form:
            self.new_experiment()

    def _on_controller_experiment_saved(self, experiment: Any) -> None:
        created = self.stack.currentWidget() is self.form
        if created:
            self.experiment = None      # a new one: nothing of the previous experiment's results stays
        self.form.create_button.setEnabled(True)
        self.status.setText("Created." if created else "Counts saved.")
        self.show_experiment(experiment)

    def _on_controller_results_ready(self, experiment_id: int, result: Any) -> None:
        if self.experiment is not None and self.experiment.id == experiment_id:
            self.status.clear()
            self._show_result(result)

    def _on_controller_winner_declared(self, moves: WinnerMoves) -> None:
        self.winner_status.setText(f"{moves.winner} is the winner. " + moves.describe())

    def _on_controller_failed(self, action: str, problem) -> None:
        if action == "save" and self.stack.currentWidget() is self.form:
            self.form.show_error(problem.message)
        elif action == "winner":
            self.declare_button.setEnabled(True)
            self.winner_status.setText(f"Refused: {problem.message} Nothing after the refused move was changed.")
        elif action != "plan":
            self.status.setText(problem.message)

    def _fit_table(self) -> None:
        """As tall as its rows: an experiment has 2 to 20 variants, no scrolling inside the page."""
        rows = max(self.variants.rowCount(), 2)
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height()
                                  + rows * self.table.verticalHeader().defaultSectionSize() + 2 * self.table.frameWidth())

    def _select_row(self, row: int) -> None:
        selection = self.list.selectionModel()
        selection.blockSignals(True)
        self.list.setCurrentIndex(self.list_model.index(row) if row >= 0 else self.list_model.index(-1))
        if row < 0:
            selection.clearSelection()
        selection.blockSignals(False)
        self.list.viewport().update()

    def _on_import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import counts", "", "CSV files (*.csv);;All files (*)")
        if path:
            self.import_counts(Path(path))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self.reload()
