"""Form pieces for the workspace editors: fields with their own error line, and list inputs.

An API refusal names a field; `Form.show_error` puts the message under that field (or at the top
of the form when the field is unknown) and leaves what the owner typed untouched."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from umt.desktop.widgets.field_errors import ErrorLabel


class Form(QWidget):
    """A QFormLayout whose rows carry an error label each, plus one form-wide error line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.form_error = ErrorLabel()
        outer.addWidget(self.form_error)
        self._layout = QFormLayout()
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        outer.addLayout(self._layout)
        self._errors: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {}

    def add(self, field: str, label: str, widget: QWidget, hint: str = "") -> QWidget:
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        if hint:
            note = QLabel(hint, box)
            note.setProperty("role", "muted")
            note.setWordWrap(True)
            column.addWidget(note)
        error = ErrorLabel(box)
        column.addWidget(error)
        widget.setAccessibleName(label)
        self._layout.addRow(label, box)
        self._errors[field] = error
        self._inputs[field] = widget
        return widget

    def set_label_width(self, width: int) -> None:
        """Lines the labels up with another form's above or below it (one column of labels)."""
        for row in range(self._layout.rowCount()):
            item = self._layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if item is not None and item.widget() is not None:
                item.widget().setMinimumWidth(width)

    def input(self, field: str) -> QWidget:
        return self._inputs[field]

    def error_text(self, field: str | None) -> str:
        label = self._errors.get(field) if field else self.form_error
        return label.text() if label is not None and not label.isHidden() else ""

    def show_error(self, message: str, field: str | None = None) -> None:
        label = self._errors.get(field) if field else None
        if label is None:
            label = self.form_error
        label.setText(message)
        label.show()
        if field in self._inputs:
            self._inputs[field].setFocus()

    def clear_errors(self) -> None:
        for label in (self.form_error, *self._errors.values()):
            label.clear()
            label.hide()


class WordsEdit(QLineEdit):
    """A list of short items typed with commas between them (banned words, hashtags)."""

    def items(self) -> list[str]:
        seen: list[str] = []
        for part in self.text().split(","):
            item = part.strip()
            if item and item not in seen:
                seen.append(item)
        return seen

    def set_items(self, items: list[str]) -> None:
        self.setText(", ".join(items))


class ParagraphsEdit(QPlainTextEdit):
    """A list of longer items separated by a blank line (sample posts)."""

    def items(self) -> list[str]:
        blocks = self.toPlainText().replace("\r\n", "\n").split("\n\n")
        return [block.strip() for block in blocks if block.strip()]

    def set_items(self, items: list[str]) -> None:
        self.setPlainText("\n\n".join(items))
