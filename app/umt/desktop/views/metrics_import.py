"""The metrics import wizard: choose a CSV → map its columns → preview → import, all rows or none.

The gateway checks every row and refuses a file with a bad row whole, naming each row's error;
the wizard then lists those rows (numbered as in the file, the header being row 1), marks them in
the preview, and lets the owner go back and fix the mapping or choose another file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTableView, QVBoxLayout, QWizard, QWizardPage)

from umt.desktop.models.analytics import FiguresModel

COLUMNS = ("content_id", "day", "impressions", "clicks", "engagements", "conversions", "spend")
REQUIRED = ("content_id", "day")
MAX_FILE_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 500


class MetricsImportWizard(QWizard):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Import metrics")
        self.setMinimumSize(720, 480)
        self.headings: list[str] = []   # the file's
        self.rows: list[list[str]] = []  # the file's, after the header
        self.file_page = ChooseFilePage(self)
        self.map_page = MapColumnsPage(self)
        self.preview_page = PreviewPage(self)
        self.result_page = ResultPage(self)
        for page in (self.file_page, self.map_page, self.preview_page, self.result_page):
            self.addPage(page)

    def mapping(self) -> dict[str, int]:
        """Each import column → the index of the file's column it takes its cells from."""
        return self.map_page.mapping()

    def mapped_rows(self) -> list[list[str]]:
        mapping = self.mapping()
        return [[row[i] if i < len(row) else "" for i in mapping.values()] for row in self.rows]

    def mapped_csv(self) -> str:
        """The file re-written with the import's column names, one line per row of the file, so
        the gateway's row numbers are the file's."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(list(self.mapping()))
        writer.writerows(self.mapped_rows())
        return out.getvalue()


class ChooseFilePage(QWizardPage):
    def __init__(self, wizard: MetricsImportWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle("Choose a CSV file")
        self.setSubTitle("One row per post and day: the post's id, the day, and its figures for that day.")
        self.path = QLineEdit()
        self.path.setPlaceholderText("A .csv file")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.path.textChanged.connect(self._on_path_text_changed)
        self._ok = False

    def choose(self, path: str) -> None:
        self.path.setText(path)

    def isComplete(self) -> bool:
        return self._ok

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a CSV file", "", "CSV (*.csv);;All files (*)")
        if path:
            self.choose(path)

    def _on_path_text_changed(self, text: str) -> None:
        self._ok = False
        wizard = self.wizard_
        wizard.headings, wizard.rows = [], []
        problem = ""
        if text.strip():
            problem = self._read(Path(text.strip()))
        self.problem.setText(problem)
        self._ok = bool(text.strip()) and not problem
        self.completeChanged.emit()

    def _read(self, path: Path) -> str:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return "The file is larger than 20 MB; split it into smaller files."
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            return "The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."
        except OSError as exc:
            return f"Cannot read the file: {exc.strerror or exc}."
        table = list(csv.reader(io.StringIO(text)))
        if not table or not any(cell.strip() for cell in table[0]):
            return "The file is empty: it needs a header row and at least one row of figures."
        if len(table) < 2:
            return "The file has a header but no rows."
        self.wizard_.headings = [cell.strip() for cell in table[0]]
        self.wizard_.rows = table[1:]
        return ""


class MapColumnsPage(QWizardPage):
    def __init__(self, wizard: MetricsImportWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle("Match the columns")
        self.setSubTitle("Say which column of your file holds each figure. The post's id and the day are needed; "
                         "a figure left out counts as 0.")
        self.choices: dict[str, QComboBox] = {}
        form = QFormLayout(self)
        for column in COLUMNS:
            combo = QComboBox()
            combo.currentIndexChanged.connect(self._on_choice_current_index_changed)
            self.choices[column] = combo
            form.addRow(column + (" (needed)" if column in REQUIRED else ""), combo)
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        form.addRow(self.problem)

    def initializePage(self) -> None:
        headings = self.wizard_.headings
        for column, combo in self.choices.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("(not in the file)", -1)
            for index, heading in enumerate(headings):
                combo.addItem(heading, index)
            guess = next((i for i, h in enumerate(headings) if h.lower().replace(" ", "_") == column), -1)
            combo.setCurrentIndex(combo.findData(guess))
            combo.blockSignals(False)
        self._on_choice_current_index_changed()

    def _on_choice_current_index_changed(self, _index: int = 0) -> None:
        self.problem.setText(self.mapping_problem())
        self.completeChanged.emit()

    def mapping_problem(self) -> str:
        """Why the mapping cannot be imported yet, in words ("" when it can)."""
        mapping = self.mapping()
        missing = [column for column in REQUIRED if column not in mapping]
        if missing:
            return f"Choose the file's column for {' and '.join(missing)}."
        used = list(mapping.values())
        if len(used) != len(set(used)):
            return "A column of the file can fill one field only."
        return ""

    def mapping(self) -> dict[str, int]:
        return {column: combo.currentData() for column, combo in self.choices.items()
                if combo.currentData() is not None and combo.currentData() >= 0}

    def isComplete(self) -> bool:
        return not self.mapping_problem()


class PreviewPage(QWizardPage):
    def __init__(self, wizard: MetricsImportWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle("Check the rows")
        self.setButtonText(QWizard.WizardButton.NextButton, "Import")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = FiguresModel([], parent=self, first_row_number=2)  # numbered as in the file
        self.table = QTableView()
        self.table.setModel(self.model)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)

    def initializePage(self) -> None:
        wizard = self.wizard_
        self.model.set_rows(wizard.mapped_rows()[:PREVIEW_ROWS], list(wizard.mapping()))
        count = len(wizard.rows)
        shown = f" (the first {PREVIEW_ROWS} shown)" if count > PREVIEW_ROWS else ""
        self.summary.setText(f"{count:,} row(s){shown}. Import commits all of them or, if any row is wrong, none.")
        self.setSubTitle("")

    def mark(self, errors: list) -> None:
        """Marks the refused rows (file row n is preview row n - 2)."""
        self.model.set_row_problems({e.row - 2: f"{e.field or 'row'}: {e.message}" for e in errors if e.row >= 2})
        if errors:
            self.setSubTitle("The rows in red were refused (hover over one to see why); nothing was imported.")


class ResultPage(QWizardPage):
    def __init__(self, wizard: MetricsImportWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle("Import")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.errors_model = FiguresModel(["Row", "Column", "Problem"], parent=self)
        self.errors = QTableView()
        self.errors.setModel(self.errors_model)
        self.errors.horizontalHeader().setStretchLastSection(True)
        self.errors.verticalHeader().setVisible(False)
        self.errors.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.errors)
        self.state = "idle"  # importing, imported, refused
        wizard.controller.sig_import_succeeded.connect(self._on_controller_import_succeeded)
        wizard.controller.sig_import_refused.connect(self._on_controller_import_refused)

    def initializePage(self) -> None:
        self.state = "importing"
        self.status.setText(f"Importing {len(self.wizard_.rows):,} row(s)…")
        self.errors_model.set_rows([])
        self.errors.hide()
        self.completeChanged.emit()
        self.wizard_.controller.import_metrics(self.wizard_.mapped_csv())

    def isComplete(self) -> bool:
        return self.state == "imported"

    def _on_controller_import_succeeded(self, result) -> None:
        if self.state != "importing":
            return
        self.state = "imported"
        inserted, updated = getattr(result, "inserted", 0), getattr(result, "updated", 0)
        self.status.setText(f"Imported: {inserted:,} new row(s), {updated:,} updated. The charts show them now.")
        self.completeChanged.emit()

    def _on_controller_import_refused(self, message: str, errors: list) -> None:
        if self.state != "importing":
            return
        self.state = "refused"
        if errors:
            rows = ", ".join(str(e.row) for e in errors[:10]) + ("…" if len(errors) > 10 else "")
            self.status.setText(f"Nothing was imported: {len(errors)} row(s) have errors (row {rows}). "
                                "Go back to fix the columns, or correct the file and choose it again.")
        else:
            self.status.setText(f"Nothing was imported. {message}")
        self.errors_model.set_rows([[e.row, e.field or "(whole row)", e.message] for e in errors])
        self.errors.setVisible(bool(errors))
        self.wizard_.preview_page.mark(errors)
        self.completeChanged.emit()
