"""Line icons drawn in the theme's colours: small SVG files whose stroke is a `{{ color }}`
variable, filled in and rendered at the screen's pixel ratio (the themes' variables, for icons)."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from umt.paths import package_folder


def icon_path(name: str):
    return package_folder("resources") / "icons" / "sections" / f"{name}.svg"


@lru_cache(maxsize=128)
def themed_icon(name: str, color: str, size: int = 24) -> QIcon:
    """The icon `name` (resources/icons/sections/<name>.svg) stroked in `color`."""
    source = icon_path(name).read_text(encoding="utf-8").replace("{{ color }}", color)
    renderer = QSvgRenderer(QByteArray(source.encode("utf-8")))
    if not renderer.isValid():
        raise ValueError(f"icon '{name}' is not a valid SVG")
    ratio = QGuiApplication.primaryScreen().devicePixelRatio() if QGuiApplication.primaryScreen() else 1.0
    ratio = max(ratio, 2.0)  # crisp when the window moves to a high-density screen
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter)
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return QIcon(pixmap)
