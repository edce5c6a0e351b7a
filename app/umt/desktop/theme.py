"""Light and dark themes: numbered .qss files filled with a palette's variables (napari's way).

The palette follows the system's colour scheme unless the user picked one in the settings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from umt.paths import package_folder

THEME_CHOICES = ("system", "light", "dark")
_VARIABLE_RE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def themes_folder() -> Path:
    return package_folder("resources") / "themes"


@lru_cache(maxsize=1)
def palettes() -> dict[str, dict[str, str]]:
    return json.loads((themes_folder() / "palettes.json").read_text(encoding="utf-8"))


def render_stylesheet(palette: dict[str, str]) -> str:
    """Joins the numbered .qss files in order and fills in the palette; an unknown variable is a bug."""

    # Built in: the icons folder, for images a stylesheet draws (the check mark).
    palette = {"icons": (package_folder("resources") / "icons").as_posix(), **palette}

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in palette:
            raise KeyError(f"theme variable '{name}' is not in the palette")
        return palette[name]

    parts = [path.read_text(encoding="utf-8") for path in sorted(themes_folder().glob("[0-9]*.qss"))]
    return _VARIABLE_RE.sub(fill, "\n".join(parts))


def system_prefers_dark() -> bool:
    scheme = QGuiApplication.styleHints().colorScheme()
    return scheme == Qt.ColorScheme.Dark


def resolve(choice: str, system_dark: bool | None = None) -> str:
    """'system' becomes 'light' or 'dark' from the desktop's scheme."""
    if choice == "system":
        dark = system_prefers_dark() if system_dark is None else system_dark
        return "dark" if dark else "light"
    if choice not in ("light", "dark"):
        raise ValueError(f"unknown theme '{choice}'")
    return choice


@dataclass(frozen=True)
class Theme:
    name: str
    colors: dict[str, str]

    def color(self, name: str) -> QColor:
        return QColor(self.colors[name])


class ThemeManager(QObject):
    """Applies the chosen theme to the application and re-applies it when the system scheme flips."""

    sig_theme_changed = Signal(object)
    """The theme now in use changed (a Theme), for widgets that paint with its colours."""

    def __init__(self, app: QApplication, choice: str = "system", parent: QObject | None = None):
        super().__init__(parent or app)
        self._app = app
        self._choice = choice
        self.theme = Theme("light", palettes()["light"])
        self._system_dark = system_prefers_dark()
        app.styleHints().colorSchemeChanged.connect(self._on_style_hints_color_scheme_changed)

    def apply(self, choice: str | None = None) -> Theme:
        if choice is not None:
            self._choice = choice
        name = resolve(self._choice, self._system_dark)
        colors = palettes()[name]
        self.theme = Theme(name, colors)
        self._app.setPalette(_qpalette(colors))
        self._app.setStyleSheet(render_stylesheet(colors))
        self.sig_theme_changed.emit(self.theme)
        return self.theme

    def _on_style_hints_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        self._system_dark = scheme == Qt.ColorScheme.Dark
        if self._choice == "system":
            self.apply()


def _qpalette(colors: dict[str, str]) -> QPalette:
    """The widget palette, so that what the stylesheet does not cover matches the theme."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "background",
        QPalette.ColorRole.WindowText: "text",
        QPalette.ColorRole.Base: "surface",
        QPalette.ColorRole.AlternateBase: "surface_alt",
        QPalette.ColorRole.Text: "text",
        QPalette.ColorRole.Button: "surface_alt",
        QPalette.ColorRole.ButtonText: "text",
        QPalette.ColorRole.Highlight: "selection",
        QPalette.ColorRole.HighlightedText: "text",
        QPalette.ColorRole.ToolTipBase: "surface",
        QPalette.ColorRole.ToolTipText: "text",
        QPalette.ColorRole.PlaceholderText: "text_muted",
        QPalette.ColorRole.Link: "accent",
        QPalette.ColorRole.LinkVisited: "accent",
    }
    for role, name in roles.items():
        palette.setColor(role, QColor(colors[name]))
    return palette
