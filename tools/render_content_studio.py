#!/usr/bin/env python3
"""Renders the Content studio with realistic data, in the light and the dark theme, to PNGs.

    python tools/render_content_studio.py OUTPUT_FOLDER

Starts a native stack in a fresh data folder on free loopback ports, signs up an owner, fills the
sample workspace (umt.demo, as "Try with sample data" does) through the API, then grabs: the empty
studio before that; the studio
with a post being edited whose live score names a banned word and an untagged link; the studio
after an offline template draft; and a post in a window of its own showing what changed since an
older version. Offscreen without a display.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/desktop/content/sessions.py: a SessionController signed in through the client


def _fill(owner) -> tuple[int, int, int]:
    """The sample workspace (umt.demo) plus one edit, so a post has a history; returns the ids of
    (the post to show, the post to draft, the post with history)."""
    from umt.demo import fill_sample_data

    fill_sample_data(owner)

    def find(title: str) -> int:
        return owner.content.list(q=title, limit=1).items[0].id

    shown, drafted, history = find("Spelt and butter"), find("Stollen season"), find("Why we went back to spelt")
    owner.content.update(history, body=owner.content.get(history).body.replace(
        "Here is what changed", "Here is what changed in the dough, in the oven,"))
    return shown, drafted, history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    from workspace_app import isolate   # tools/, next to this script

    isolate(Path(tempfile.mkdtemp(prefix="umt-render-content-")))

    from PySide6.QtWidgets import QApplication

    from tests.desktop.content.sessions import session_with_token
    from umt import launch
    from umt.client import GatewayClient
    from umt.desktop.controllers.content import ContentController
    from umt.desktop.tasks import TaskManager
    from umt.desktop.theme import ThemeManager
    from umt.desktop.views.content_studio import ContentStudio

    supervisor, _ = launch.open_stack("native")
    supervisor.up(timeout_s=120)
    try:
        owner = GatewayClient(supervisor.gateway_url)
        owner.setup_owner(email="owner@beanthere.example", name="Olive Owner", password="correct horse battery")
        app = QApplication.instance() or QApplication(sys.argv[:1])
        app.setStyle("Fusion")
        themes = ThemeManager(app, "light")
        themes.apply()
        def wait(condition, timeout=30.0) -> None:
            deadline = time.monotonic() + timeout
            while not condition():
                app.processEvents()
                time.sleep(0.01)
                if time.monotonic() > deadline:
                    raise SystemExit(f"render: the studio did not get there in time ({condition.__code__.co_firstlineno})")

        session = session_with_token(TaskManager(), owner.base_url, owner.token, wait)
        controller = ContentController(session)
        studio = ContentStudio(controller)
        studio.resize(1560, 960)
        studio.show()

        def grab(widget, name: str) -> None:
            for theme in ("light", "dark"):
                studio.set_theme(themes.apply(theme))
                for _ in range(5):
                    app.processEvents()
                path = args.folder / f"{name}-{theme}.png"
                if not widget.grab().save(str(path)):
                    raise SystemExit(f"render: could not write {path}")
                print(f"wrote {path}")
            themes.apply("light")

        args.folder.mkdir(parents=True, exist_ok=True)
        model = controller.list_model
        wait(lambda: model.total == 0)  # 0. The first visit: an empty workspace says what to do
        grab(studio, "content-studio-empty")
        shown, drafted, history = _fill(owner)
        controller.load_options()
        controller.reload()
        wait(lambda: model.total is not None and model.rowCount() == model.total and studio.editor.brand.count() > 1)
        editor = studio.editor

        def select(item_id: int) -> None:
            studio.table.selectRow(model.row_of(item_id))
            wait(lambda: editor.item is not None and editor.item.id == item_id)

        # 1. Editing: the owner added a line with a banned word and an untagged link.
        select(shown)
        editor.body.moveCursor(editor.body.textCursor().MoveOperation.End)
        editor.body.insertPlainText(" Cheap? Never. Recipe: https://crumbandco.example/lunch")
        editor.keyphrase.setText("spelt")
        editor.draft_panel.brief.setPlainText("Lunch idea with the spelt loaf, for office workers nearby")
        editor.score_now()
        wait(lambda: editor.score_panel.result is not None and "cheap" in editor.score_panel.message_for("Banned words"))
        grab(studio, "content-studio-editing")
        editor.body.setPlainText(editor.item.body)  # back to the saved text: nothing to ask about

        # 2. An offline template draft became the post's newest version.
        select(drafted)
        editor.draft_panel.brief.setPlainText("Stollen pre-orders open Monday; it rests three weeks before pick-up")
        editor.draft_panel.offline.setChecked(True)
        editor.draft_panel.draft_button.click()
        wait(lambda: editor.draft_panel.result_label.isVisible() and editor.versions.model.rowCount() == 2)
        editor.score_now()
        wait(lambda: editor.score_panel.result is not None)
        grab(studio, "content-studio-draft")

        # 3. A post in its own window, with what changed since version 1.
        window = studio.open_window(history)
        window.resize(1280, 900)
        wait(lambda: window.editor.item is not None and window.editor.versions.model.rowCount() == 2)
        window.editor.tabs.setCurrentWidget(window.editor.versions)
        window.editor.versions.list.setCurrentIndex(window.editor.versions.model.index(1, 0))
        window.editor.score_now()
        wait(lambda: window.editor.score_panel.result is not None)
        grab(window, "content-editor-window")
        session.tasks.wait_for_done(10000)
        session.set_gateway_url(None)
    finally:
        supervisor.stop_watching()
        supervisor.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
