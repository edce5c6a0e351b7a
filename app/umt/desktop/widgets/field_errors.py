"""Errors shown where they belong: under the field the API named, or in one line for the form."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


class ErrorLabel(QLabel):
    """A red line under a field; hidden while there is nothing to say."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setProperty("role", "error")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, message: str) -> None:
        """Shows the message (read out by screen readers too); "" hides the line."""
        self.setText(message)
        self.setAccessibleName(message)
        self.setVisible(bool(message))


class FieldErrors:
    """Maps the API's field names to the labels under the fields; an unknown field goes to `general`."""

    def __init__(self, general: ErrorLabel, fields: dict[str, ErrorLabel]):
        self.general = general
        self.fields = fields

    def show(self, field: str, message: str) -> ErrorLabel:
        """Shows the message at its field (or the general line) and returns the label it went to."""
        self.clear()
        label = self.fields.get(field.split("[")[0].split(".")[0], self.general) if field else self.general
        label.show_error(message)
        return label

    def clear(self) -> None:
        for label in (self.general, *self.fields.values()):
            label.show_error("")
