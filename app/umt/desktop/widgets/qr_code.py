"""A QR code drawn with segno, module by module: crisp at any scale, dark on white in both themes
(scanners need the contrast)."""

from __future__ import annotations

import segno
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QWidget

QUIET_ZONE = 4      # modules of white around the code, as the standard asks


def qr_image(text: str, module_px: int = 5) -> QImage:
    code = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in code.matrix]
    size = (len(matrix) + 2 * QUIET_ZONE) * module_px
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect(QRect((x + QUIET_ZONE) * module_px, (y + QUIET_ZONE) * module_px, module_px, module_px))
    painter.end()
    return image


class QrCodeLabel(QLabel):
    """Shows `text` as a QR code; the accessible description says what to do with it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAccessibleName("QR code for the authenticator app")
        self.text_encoded = ""

    def set_text(self, text: str, module_px: int = 5) -> None:
        self.text_encoded = text
        if not text:
            self.clear()
            return
        self.setPixmap(QPixmap.fromImage(qr_image(text, module_px)))
        self.setAccessibleDescription("Scan it with an authenticator app, or type the key shown beside it.")
