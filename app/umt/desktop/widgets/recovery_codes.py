"""The ten recovery codes, shown once: in two columns, with Copy and Save."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


def codes_text(codes: list[str]) -> str:
    return ("Ultimate Marketing Team recovery codes. Each works once, in place of a code from the "
            "authenticator app.\n\n" + "\n".join(codes) + "\n")


class RecoveryCodesView(QWidget):
    sig_save_requested = Signal(str, str)
    """The owner chose a file to save the codes in: (path, text)."""

    sig_copied = Signal()
    """The codes went to the clipboard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.codes: list[str] = []
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(32)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setAccessibleName("Copy the recovery codes")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.save_button = QPushButton("&Save…")
        self.save_button.setAccessibleName("Save the recovery codes to a file")
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.feedback = QLabel()
        self.feedback.setProperty("role", "muted")
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.feedback, 1)
        framed = QWidget()
        framed.setProperty("role", "codes")
        framed.setLayout(self.grid)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(framed)
        layout.addLayout(buttons)
        self.save_dialog = self._ask_path      # tests answer for the file dialog

    def set_codes(self, codes: list[str]) -> None:
        self.codes = list(codes)
        while self.grid.count():
            self.grid.takeAt(0).widget().deleteLater()
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        half = (len(codes) + 1) // 2
        for index, code in enumerate(codes):
            label = QLabel(code)
            label.setFont(font)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAccessibleName(f"Recovery code {index + 1}: {code}")
            self.grid.addWidget(label, index % half, index // half)
        self.feedback.clear()

    def text(self) -> str:
        return codes_text(self.codes)

    def show_saved(self, path: str) -> None:
        self.feedback.setText(f"Saved to {path}.")

    def show_problem(self, message: str) -> None:
        self.feedback.setText(message)

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.feedback.setText("Copied. Paste them into your password manager.")
        self.sig_copied.emit()

    def _on_save_button_clicked(self) -> None:
        path = self.save_dialog()
        if path:
            self.sig_save_requested.emit(path, self.text())

    def _ask_path(self) -> str:
        path, _ = QFileDialog.getSaveFileName(self, "Save the recovery codes", "umt-recovery-codes.txt",
                                              "Text files (*.txt)")
        return path
