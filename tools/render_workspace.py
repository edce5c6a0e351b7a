#!/usr/bin/env python3
"""Renders the whole workspace as a new owner meets it, light and dark, to PNGs, so anyone can look.

    python tools/render_workspace.py bench/out/workspace

Starts the real native stack in a temporary folder (its own data, ports and keyring file), sets up
the owner through the setup wizard (2FA codes from pyotp), signs out and in again through the
session, fills the workspace with "Try with sample data", then renders every section registered in
views/sections.py, plus the wizard's three steps, the sign-in page and the sample-data offer and
progress. The stack is stopped at the end. Renders offscreen when there is no display."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workspace_app import WorkspaceApp, isolate, settle, wait_until  # noqa: E402

THEMES = ("light", "dark")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where to write the pictures")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    isolate(Path(tempfile.mkdtemp(prefix="umt-render-workspace-")))

    workspace = WorkspaceApp()
    app, window = workspace.app, workspace.app.window
    written: list[Path] = []

    def grab(name: str) -> None:
        """The window as it is now, in each theme (the theme is put back afterwards)."""
        for theme in THEMES:
            app.themes.apply(theme)
            settle(0.15)
            path = folder / f"{name}-{theme}.png"
            window.grab().save(str(path))
            written.append(path)
        app.themes.apply(THEMES[0])

    try:
        workspace.start()
        workspace.set_up_owner(on_step=grab)
        workspace.sign_out()
        workspace.sign_in(on_step=grab)
        window.show_section("brands")
        wait_until(lambda: window.page("brands").page.sample_button.isVisible(), 20, "the offer of sample data")
        grab("brands-empty-offers-sample-data")
        shown: list[bool] = []

        def on_progress(fraction: float, _step: str) -> None:
            if fraction >= 0.4 and not shown:
                shown.append(True)
                window.grab().save(str(folder / "brands-sample-data-progress-light.png"))
                written.append(folder / "brands-sample-data-progress-light.png")

        workspace.fill_sample_data(on_progress)

        from umt.desktop.views.sections import SECTIONS

        for position, section in enumerate(SECTIONS, start=1):
            window.show_section(section.key)
            settle(1.5)   # its lists and charts load from the gateway
            page = getattr(window.page(section.key), "page", None)
            if page is not None and hasattr(page, "model") and hasattr(page, "list") and page.model.rowCount():
                page.list.setCurrentIndex(page.model.index(0))   # a record's form, filled
                settle(0.5)
            grab(f"section-{position:02d}-{section.key}")
    finally:
        workspace.quit()
    print("\n".join(str(path) for path in written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
