"""Helpers of the publishing tests through the windows (test_channels_end_to_end.py and the
recipients' test): a client on a session's own sign-in, an approved post, a picture of a widget."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication

from umt.client import GatewayClient
from umt.desktop.theme import Theme, ThemeManager, palettes

RENDERS = Path(os.environ.get("UMT_RENDERS", "/tmp/umt-renders"))
LIGHT = Theme("light", palettes()["light"])
WAIT = 45000        # the outbox sends within seconds; a slow machine gets room


def client_of(session) -> GatewayClient:
    """A client of its own on the session's sign-in, to arrange things and look at the gateway
    independently of the windows."""
    return GatewayClient(session.state.gateway_url, session.client.token)


def approved_post(client, title: str, body: str = "", **fields):
    item = client.content.create(title=title, body=body or f"{title}: fresh from the oven this morning.",
                                 channel="linkedin", **fields)
    client.content.transition(item.id, "in_review")
    return client.content.transition(item.id, "approved")


def save_picture(widget, name: str) -> None:
    """The widget as a PNG in $UMT_RENDERS (default /tmp/umt-renders), to look at."""
    app = QApplication.instance()
    if not app.styleSheet():     # the app's look, when no DesktopApp has applied it in this process yet
        ThemeManager(app, "light").apply()
    QApplication.processEvents()    # the layouts settle first (as they do before a window paints)
    RENDERS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(RENDERS / f"{name}.png"))
