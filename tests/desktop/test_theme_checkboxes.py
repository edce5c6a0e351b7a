"""Check boxes stand out in both themes: the indicator's edge differs clearly from the window
behind it, and a checked box shows its mark (seen on screen: nearly invisible in the dark theme)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox

from umt.desktop.theme import ThemeManager, palettes, render_stylesheet


def _luminance(color: QColor) -> float:
    return 0.2126 * color.red() + 0.7152 * color.green() + 0.0722 * color.blue()


def _indicator_contrast(qtbot, checked: bool) -> float:
    box = QCheckBox()
    box.setChecked(checked)
    qtbot.addWidget(box)
    box.resize(200, 30)
    box.show()
    image = box.grab().toImage()
    background = _luminance(box.palette().window().color())
    # The box has no text: every pixel that differs from the window is the indicator's. Its
    # outline (the 20 most different pixels) must be clearly visible, not one stray dot.
    pixels = [_luminance(image.pixelColor(x, y)) for x in range(image.width()) for y in range(image.height())]
    differences = sorted((abs(p - background) for p in pixels), reverse=True)
    return sum(differences[:20]) / 20


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("checked", [False, True])
def test_check_boxes_stand_out_from_the_window(qtbot, qapp, theme, checked):
    ThemeManager(qapp, theme).apply()
    try:
        assert _indicator_contrast(qtbot, checked) >= 60
    finally:
        qapp.setStyleSheet("")


def test_the_check_mark_image_exists_for_each_theme():
    for name, palette in palettes().items():
        sheet = render_stylesheet(palette)
        assert f"/{palette['check_mark']})" in sheet, name
        path = sheet.split("image: url(")[1].split(")")[0]
        assert open(path, encoding="utf-8").read().startswith("<svg"), path
