#!/usr/bin/env python3
"""Renders the Content studio with realistic data, in the light and the dark theme, to PNGs.

    python tools/render_content_studio.py OUTPUT_FOLDER

Starts a native stack in a fresh data folder on free loopback ports, signs up an owner, fills a
coffee roaster's brand, campaigns and posts through the API, then grabs: the studio with a post
whose score names a banned word and an untagged link (after an offline template draft), and the
post in a window of its own showing what changed since an older version. Offscreen without a display.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the session stand-in in tests/desktop/content until controllers/session.py lands

POSTS = [
    ("linkedin", "Autumn blend is back", "Our maple pecan autumn blend is back, roasted in small batches every Tuesday. "
     "Cheap it is not: we pay our farmers 40% above fair-trade minimums.\n\nOrder by Friday for free delivery: "
     "https://beanthere.example/autumn\n\n#coffee #specialtycoffee", "draft"),
    ("x", "Tuesday roast day", "Roast day! The Ethiopia Guji is cooling now. First bags ship tomorrow. #coffee", "in_review"),
    ("instagram", "Latte art Friday", "Show us your latte art! Tag @beanthere and #beantherelatte for a chance to be "
     "featured. #coffee #latteart #baristalife", "approved"),
    ("email_subject", "Autumn newsletter subject", "Maple pecan is back (and it brought friends)", "scheduled"),
    ("email_body", "Autumn newsletter", "Hello friend,\n\nThe leaves are turning and so is our roaster. This month: "
     "maple pecan returns, a new Guji single origin, and a brewing guide for cold mornings.", "published"),
    ("facebook", "Holiday gift boxes", "Three bags, one wooden box, zero stress. Holiday gift boxes are ready to "
     "pre-order.", "draft"),
    ("linkedin", "Meet our head roaster", "Meet Ana, our head roaster. Twelve years, four countries, one rule: "
     "taste every batch.", "in_review"),
    ("threads", "Decaf done right", "Swiss water decaf that tastes like coffee. Yes, really.", "draft"),
    ("meta_description", "Shop page meta", "Small-batch specialty coffee roasted every Tuesday in Leeds. Free UK delivery "
     "on orders over £25.", "approved"),
    ("x", "Cold brew season is over", "Cold brew season is over. Long live the pour-over. #coffee", "archived"),
    ("pinterest", "Pour-over guide pin", "A five-step pour-over guide for brighter, sweeter coffee at home.", "draft"),
    ("google_business", "Saturday cupping", "Free public cupping this Saturday at 10am in the roastery. Book a seat online.",
     "scheduled"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fill(owner) -> tuple[dict, int, int]:
    """The coffee roaster's workspace; returns (brand, the post to show, the post with history)."""
    brand = owner.brands.create(name="Bean There Coffee", voice="warm, direct, a little nerdy about coffee",
                                audience="home brewers and remote workers", banned_words=["cheap", "guarantee"],
                                hashtags=["#coffee", "#specialtycoffee"])
    owner.brands.create(name="Lantern Yoga", voice="calm and encouraging", banned_words=["perfect body"])
    autumn = owner.campaigns.create(name="Autumn blend launch", brand_id=brand["id"], goal="subscriptions",
                                    channels=["linkedin", "instagram", "x"], start="2026-09-01", end="2026-10-15")
    holiday = owner.campaigns.create(name="Holiday gift boxes", brand_id=brand["id"], goal="gift sales",
                                     channels=["facebook", "email_body"], start="2026-11-15", end="2026-12-20")
    path = {"in_review": ["in_review"], "approved": ["in_review", "approved"],
            "scheduled": ["in_review", "approved", "scheduled"],
            "published": ["in_review", "approved", "scheduled", "published"], "archived": ["archived"], "draft": []}
    ids = []
    for number, (channel, title, body, status) in enumerate(POSTS):
        campaign = holiday if "oliday" in title else autumn
        item = owner.content.create(channel=channel, title=title, body=body, brand_id=brand["id"],
                                    campaign_id=campaign["id"], scheduled_at=f"2026-12-{number + 1:02d}T09:30:00Z")
        for step in path[status]:
            owner.content.transition(item["id"], step)
        ids.append(item["id"])
    history = ids[6]
    owner.content.update(history, body="Meet Ana, our head roaster. Twelve years, four countries and one rule: taste "
                                       "every single batch before it ships.\n\nAsk her anything on Friday at 4pm.")
    return brand, ids[0], history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    data = Path(tempfile.mkdtemp(prefix="umt-render-content-"))
    (data / "home").mkdir()
    os.environ.update({"UMT_DATA_DIR": str(data / "data"), "HOME": str(data / "home"),
                       "UMT_STACK_NAME": f"umtrender-{data.name[-8:]}", "UMT_GATEWAY_PORT": str(_free_port()),
                       "UMT_AGENT_PORT": str(_free_port())})
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")

    from PySide6.QtWidgets import QApplication

    from tests.desktop.content.session_standin import StandInSession
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
        brand, shown, history = _fill(owner)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        app.setStyle("Fusion")
        themes = ThemeManager(app, "light")
        themes.apply()
        session = StandInSession(TaskManager(), GatewayClient(owner.base_url, owner.token))
        controller = ContentController(session)
        studio = ContentStudio(controller)
        studio.resize(1560, 960)
        studio.show()

        def wait(condition, timeout=30.0) -> None:
            deadline = time.monotonic() + timeout
            while not condition():
                app.processEvents()
                time.sleep(0.01)
                if time.monotonic() > deadline:
                    raise SystemExit("render: the studio did not get there in time")

        controller.load_options()
        controller.reload()
        wait(lambda: controller.list_model.rowCount() == len(POSTS) and studio.editor.brand.count() > 1)
        studio.table.selectRow(controller.list_model.row_of(shown))
        editor = studio.editor
        wait(lambda: editor.item is not None and editor.item.id == shown)
        editor.keyphrase.setText("autumn blend")
        editor.draft_panel.brief.setPlainText("Announce the autumn blend: maple pecan, back for six weeks")
        editor.score_now()
        wait(lambda: editor.score_panel.result is not None)
        args.folder.mkdir(parents=True, exist_ok=True)

        window = studio.open_window(history)
        window.resize(1280, 900)
        wait(lambda: window.editor.item is not None and window.editor.versions.model.rowCount() == 2)
        window.editor.tabs.setCurrentWidget(window.editor.versions)
        window.editor.versions.list.setCurrentIndex(window.editor.versions.model.index(1, 0))
        window.editor.score_now()
        wait(lambda: window.editor.score_panel.result is not None)
        for theme in ("light", "dark"):
            colors = themes.apply(theme).colors
            window.editor.versions.set_colors(colors["ok"], colors["danger"], colors["text_muted"])
            for _ in range(5):
                app.processEvents()
            for name, widget in (("content-studio", studio), ("content-editor-window", window)):
                path = args.folder / f"{name}-{theme}.png"
                if not widget.grab().save(str(path)):
                    raise SystemExit(f"render: could not write {path}")
                print(f"wrote {path}")
        session.tasks.wait_for_done(10000)
    finally:
        supervisor.stop_watching()
        supervisor.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
