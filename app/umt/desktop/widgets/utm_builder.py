"""The UTM link builder: a link and its campaign tags in, a tagged link out, ready to insert."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from umt.desktop.widgets.field_errors import ErrorLabel, FieldErrors

FIELDS = (("url", "Link", "https://example.com/offer"), ("source", "Source", "linkedin"),
          ("medium", "Medium", "social"), ("campaign", "Campaign", "autumn-blend"),
          ("term", "Term (optional)", ""), ("content", "Content (optional)", ""))


class UtmBuilder(QWidget):
    sig_build_requested = Signal(dict)
    """The owner asked to tag a link: {url, source, medium, campaign, term, content}."""

    sig_insert_requested = Signal(str)
    """The owner wants the tagged link in the post."""

    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout()
        self.inputs: dict[str, QLineEdit] = {}
        labels: dict[str, ErrorLabel] = {}
        for name, title, example in FIELDS:
            edit = QLineEdit()
            edit.setAccessibleName(title)
            edit.setPlaceholderText(example)
            edit.returnPressed.connect(self._on_build_clicked)
            labels[name] = ErrorLabel()
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(edit)
            column.addWidget(labels[name])
            form.addRow(title, column)
            self.inputs[name] = edit
        self.errors = FieldErrors(ErrorLabel(), labels)
        self.warnings = QLabel()
        self.warnings.setProperty("role", "muted")
        self.warnings.setWordWrap(True)
        self.result = QLineEdit()
        self.result.setReadOnly(True)
        self.result.setAccessibleName("Tagged link")
        self.result.setPlaceholderText("The tagged link appears here")
        self.build_button = QPushButton("Tag link")
        self.build_button.clicked.connect(self._on_build_clicked)
        self.insert_button = QPushButton("Insert into post")
        self.insert_button.setEnabled(False)
        self.insert_button.clicked.connect(lambda: self.sig_insert_requested.emit(self.result.text()))
        row = QHBoxLayout()
        row.addWidget(self.result, 1)
        row.addWidget(self.build_button)
        row.addWidget(self.insert_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.warnings)
        layout.addWidget(self.errors.general)
        layout.addStretch(1)

    def reset(self, source: str, campaign: str) -> None:
        """Another post: its own link and tags."""
        for edit in (*self.inputs.values(), self.result):
            edit.clear()
        self.warnings.clear()
        self.errors.clear()
        self.insert_button.setEnabled(False)
        self.suggest(source, campaign)

    def suggest(self, source: str, campaign: str) -> None:
        """Fills source and campaign from the post when the owner has not typed them (lower case with
        dashes: analytics tools count "Spring Launch" and "spring-launch" apart)."""
        campaign = "-".join(campaign.lower().split())
        for name, value in (("source", source), ("campaign", campaign)):
            if not self.inputs[name].text() and value:
                self.inputs[name].setText(value)
        if not self.inputs["medium"].text():
            self.inputs["medium"].setText("email" if source.startswith("email") else "social")

    def _on_build_clicked(self) -> None:
        self.errors.clear()
        self.warnings.clear()
        self.build_button.setEnabled(False)
        self.sig_build_requested.emit({name: edit.text() for name, edit in self.inputs.items()})

    def show_link(self, url: str, warnings: list[str]) -> None:
        self.build_button.setEnabled(True)
        self.result.setText(url)
        self.insert_button.setEnabled(bool(url))
        self.warnings.setText("\n".join(warnings))

    def show_error(self, field: str, message: str) -> None:
        self.build_button.setEnabled(True)
        self.errors.show(field, message)
