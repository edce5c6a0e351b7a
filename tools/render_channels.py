#!/usr/bin/env python3
"""Renders the publishing windows from records, light and dark, to PNGs, so anyone can look:

    python tools/render_channels.py OUTPUT_FOLDER

The Channels section (an account that needs reconnecting, a newsletter with its recipients), the
connect dialog with the gateway's refusal under its field, the empty Channels section, and a
post's deliveries (sent with a link, failed with Retry, unknown, queued) with "Publish to…"
refused for one channel. No stack is needed: the controllers' signals carry contract records (the
same views against the real gateway are rendered by tests/desktop/test_channels_end_to_end.py)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)

    from PySide6.QtWidgets import QApplication

    from tests.desktop.test_publishing_views import KINDS, account, delivery, recipient
    from umt.desktop.controllers.channels import ChannelsController
    from umt.desktop.controllers.deliveries import DeliveriesController
    from umt.desktop.controllers.session import SessionController
    from umt.desktop.models.publishing import delivery_line
    from umt.desktop.tasks import TaskManager
    from umt.desktop.theme import ThemeManager
    from umt.desktop.views.channels import ChannelsPage
    from umt.desktop.views.deliveries import DeliveriesView

    app = QApplication.instance() or QApplication([])
    themes = ThemeManager(app, "light")
    session = SessionController(TaskManager())
    written: list[Path] = []
    now = datetime.now(timezone.utc)

    def settle(seconds: float = 0.0) -> None:
        """Runs the event loop a while (the offline session's calls fail meanwhile: cleared after)."""
        end = time.monotonic() + seconds
        while True:
            app.processEvents()
            if time.monotonic() >= end:
                break
            time.sleep(0.02)

    def grab(widget, name: str) -> None:
        for theme in ("light", "dark"):
            applied = themes.apply(theme)
            if hasattr(widget, "set_theme"):
                widget.set_theme(applied)
            settle()
            path = folder / f"{name}-{theme}.png"
            widget.grab().save(str(path))
            written.append(path)
        themes.apply("light")

    channels = ChannelsController(session)
    empty = ChannelsPage(channels, themes.theme)
    empty.resize(1100, 640)
    empty.show()
    channels.sig_kinds_loaded.emit(KINDS)
    channels.sig_accounts_loaded.emit([])
    grab(empty, "channels-empty")
    empty.close()

    channels = ChannelsController(session)
    page = ChannelsPage(channels, themes.theme, confirm=lambda *_: False)
    page.resize(1100, 640)
    page.show()
    channels.sig_kinds_loaded.emit(KINDS)
    channels.sig_accounts_loaded.emit([
        account(1, "Shop webhook (Zapier)"),
        account(2, "Shop on Bluesky", "bluesky", "needs_reconnect",
                "the sign-in was refused: Token has expired (ExpiredToken)", {"handle": "crumb.test"}),
        account(3, "Crumb & Co newsletter", "email", settings={"host": "smtp.example.com", "port": 587}),
    ])
    page.select(2)
    grab(page, "channels-needs-reconnect")
    page.select(3)
    settle(0.5)
    channels.sig_recipients_loaded.emit(3, [recipient(1, "ada@example.com"), recipient(2, "bob@example.org", True),
                                            recipient(3, "carol@example.net")])
    page.test_result.setText("The connection works: the SMTP server accepted the sign-in.")
    page.test_result.setProperty("tone", "pass")
    page.test_result.show()
    page.recipients.error.show_error("")   # no stack here: the list above came as records
    grab(page, "channels-newsletter-recipients")

    dialog = page.open_connect_dialog()
    dialog.name.setText("Orders to Zapier")
    form = dialog.current_form
    form.input("credentials.url").setText("https://hooks.example.com/catch/123")
    form.input("credentials.signing_secret").setText("s3cret")
    channels.sig_connect_failed.emit("credentials", "The sign-in was refused: HTTP 401 from the webhook.")
    settle()
    grab(dialog, "channels-connect-refused")
    dialog.close()
    page.close()

    deliveries = DeliveriesController(session)
    view = DeliveriesView(deliveries)
    view.resize(560, 420)
    view.show()
    names = {1: "Shop webhook (Zapier)", 2: "Shop on Bluesky", 3: "Crumb & Co newsletter", 4: "Shop on Mastodon"}
    deliveries.content_id = 7
    deliveries.sig_deliveries_changed.emit([delivery_line(d, names, now) for d in (
        delivery(1, "sent", 1, sent_at=now - timedelta(minutes=3), link="https://hooks.example.com/posts/77"),
        delivery(2, "failed", 2, attempts=1, last_error="HTTP 400: grapheme too big (the post has 312; Bluesky "
                                                         "takes 300)"),
        delivery(3, "unknown", 3, attempts=1, last_error="the server did not answer after DATA"),
        delivery(4, "queued", 4, due_at=now + timedelta(hours=3)),
    )])
    grab(view, "deliveries-panel")
    dialog = view.open_publish_dialog()
    deliveries.sig_accounts_loaded.emit([account(i, n, "bluesky" if i == 2 else "webhook") for i, n in names.items()]
                                        + [account(5, "Shop on WordPress", "wordpress")])
    dialog.boxes[5].setChecked(True)
    deliveries.sig_publish_refused.emit("The post cannot go to 1 of the channels.",
                                        {5: ["WordPress takes at most 1 image; this post has 3"]})
    settle()
    grab(dialog, "publish-to-refused")
    print("\n".join(str(path) for path in written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
