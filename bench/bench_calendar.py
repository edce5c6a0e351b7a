#!/usr/bin/env python3
"""Calendar benchmark, printed as JSON: the month view's paint with 500 posts, and the
drag-to-reschedule round trip through a real gateway.

    python bench/bench_calendar.py [--posts 500] [--rounds 50]

A real `python -m umt.gateway` process on a fresh SQLite file gets an owner and `--posts` posts
in one month, through the API. The real Calendar page (views/calendar.py) on the real
SessionController and CalendarController shows that month at 1280×820, offscreen when there is no
display. Timed:
- month_paint_ms: the posts handed to the grid (conflicts flagged, chips laid out) and the grid
  painted (QWidget.repaint, synchronous) — what happens each time the month's posts change;
- month_repaint_ms: a repaint of the month as it is (an expose, a hover);
- load_to_paint_ms: from asking for the month to its paint (the gateway lists the 500 posts);
- reschedule_round_trip_ms: from the mouse release of a drag (QTest press, moves, release on the
  grid) to the grid repainted with the post in its new day — the gateway's PATCH included.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone

TARGETS = {"month_paint_ms": 100.0, "reschedule_round_trip_ms": 100.0}
STATUS_PATH = ("in_review", "approved", "scheduled")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gateway() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "UMT_DATA_DIR": tempfile.mkdtemp(prefix="umt-bench-calendar-"), "UMT_PORT": str(port),
           "UMT_SIGNING_KEY": secrets.token_urlsafe(32),
           "UMT_CHANNEL_KEY": secrets.token_urlsafe(32), "UMT_AGENT_URL": f"http://127.0.0.1:{free_port()}",
           "UMT_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "umt.gateway"], env=env)
    url = f"http://127.0.0.1:{port}"
    from umt.client import GatewayClient, GatewayUnreachable

    deadline = time.monotonic() + 60
    with GatewayClient(url) as probe:
        while True:
            try:
                probe.health()
                return process, url
            except GatewayUnreachable:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the gateway did not start") from None
                time.sleep(0.05)


def seed(client, month: date, posts: int, rng: random.Random) -> None:
    """`posts` posts at random days and daytime hours of the month, most scheduled, some drafts."""
    channels = ["instagram", "linkedin", "facebook", "x", "email_body"]
    days = ((month.replace(day=28) + timedelta(days=4)).replace(day=1) - month).days
    for index in range(posts):
        at = datetime.combine(month + timedelta(days=rng.randrange(days)), datetime.min.time(), timezone.utc) \
            + timedelta(hours=rng.randrange(7, 21), minutes=rng.choice((0, 15, 30, 45)))
        item = client.content.create(channel=rng.choice(channels), title=f"Post {index}: fresh bread today",
                                     body="Bread.", scheduled_at=at.isoformat())
        if index % 4:
            for step in STATUS_PATH:
                client.content.transition(item.id, step)


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"median": round(statistics.median(ordered), 2), "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
            "max": round(ordered[-1], 2), "n": len(ordered)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

    from zoneinfo import ZoneInfo

    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from umt.client import GatewayClient
    from umt.desktop.controllers.calendar import CalendarController
    from umt.desktop.controllers.session import SessionController
    from umt.desktop.models.calendar import flag_conflicts
    from umt.desktop.tasks import TaskManager
    from umt.desktop.theme import ThemeManager
    from umt.desktop.views.calendar import CalendarPage

    process, url = start_gateway()
    try:
        client = GatewayClient(url)
        session_record = client.setup_owner("bench@example.com", "Bench", "a long password for the bench")
        month = (date.today().replace(day=28) + timedelta(days=4)).replace(day=1)   # next month: all ahead
        started = time.perf_counter()
        seed(client, month, args.posts, random.Random(11))
        seed_s = time.perf_counter() - started

        qapp = QApplication.instance() or QApplication([])
        theme = ThemeManager(qapp, "light").apply("light")
        tasks = TaskManager()
        session = SessionController(tasks)
        session.set_gateway_url(url)
        deadline = time.perf_counter() + 30
        while session.state.setup_required is not False:     # the session's first look at the gateway
            if time.perf_counter() > deadline:
                raise SystemExit("the session did not reach the gateway")
            qapp.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        session.adopt_session(session_record.token, session_record.expires_at, client.me(), False)
        controller = CalendarController(session, ZoneInfo("UTC"))
        controller.sig_problem_raised.connect(lambda message: print("problem:", message, file=sys.stderr))

        changes, waiting = [0], []

        def on_posts_changed(_posts) -> None:   # after the page's own slot: the grid has the posts
            changes[0] += 1
            if waiting:
                waiting[-1].quit()

        def wait_for_posts(action, timeout_s: float = 30.0) -> None:
            expected, loop = changes[0] + 1, QEventLoop()
            waiting.append(loop)
            action()
            deadline = time.perf_counter() + timeout_s
            while changes[0] < expected:
                if time.perf_counter() > deadline:
                    raise SystemExit(f"the calendar did not change within {timeout_s} s")
                QTimer.singleShot(int(timeout_s * 1000), loop.quit)
                loop.exec()
            waiting.pop()

        page = CalendarPage(controller, theme)
        page.resize(1280, 820)
        page.show()
        qapp.processEvents()
        grid = page.grid
        controller.sig_posts_changed.connect(on_posts_changed)

        load = []
        for _ in range(max(5, args.rounds // 5)):
            clock = time.perf_counter()
            wait_for_posts(lambda: page.show_date(month, "month"))
            grid.repaint()
            load.append((time.perf_counter() - clock) * 1000)
        posts = controller.posts()
        shown = len(grid.shown_posts())

        paint, repaint = [], []
        for _ in range(args.rounds):
            clock = time.perf_counter()
            grid.set_posts(flag_conflicts(posts))
            grid.repaint()
            paint.append((time.perf_counter() - clock) * 1000)
            clock = time.perf_counter()
            grid.repaint()
            repaint.append((time.perf_counter() - clock) * 1000)

        # Reschedule: drag one scheduled post back and forth between two days.
        # The earliest post of the month by time of day: first in any day, so its chip is always shown.
        post = min((p for p in posts if p.status == "scheduled"), key=lambda p: (p.at.time(), p.id))
        days = [post.day, post.day + timedelta(days=1 if post.day.day < 20 else -1)]
        trips = []
        for round_number in range(args.rounds):
            current = controller.posts()
            moving = next(p for p in current if p.id == post.id)
            target = days[(round_number + 1) % 2]
            start, end = grid.post_rect(post.id).center(), grid.cell_rect(target).center()
            QTest.mousePress(grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
            QTest.mouseMove(grid, (start + end) / 2)
            QTest.mouseMove(grid, end)
            clock = time.perf_counter()

            def release() -> None:
                QTest.mouseRelease(grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)

            wait_for_posts(release)
            grid.repaint()
            trips.append((time.perf_counter() - clock) * 1000)
            assert grid.post_rect(post.id).intersects(grid.cell_rect(target)), "the post did not move"
            assert moving.day != target
        stored = client.content.get(post.id).scheduled_at.astimezone(timezone.utc).date()
        assert stored == days[args.rounds % 2], (stored, days)

        result = {
            "posts_in_month": len(posts), "chips_painted": shown, "seed_s": round(seed_s, 1),
            "month_paint_ms": summary(paint), "month_repaint_ms": summary(repaint),
            "load_to_paint_ms": summary(load), "reschedule_round_trip_ms": summary(trips),
            "targets_ms": TARGETS,
            "meets_targets": {name: summary(values)["p95"] <= TARGETS[name]
                              for name, values in (("month_paint_ms", paint), ("reschedule_round_trip_ms", trips))},
            "window": "1280x820", "platform": os.environ.get("QT_QPA_PLATFORM", "native"),
        }
        print(json.dumps(result, indent=2))
        page.close()
        tasks.wait_for_done(5000)
        client.close()
        return 0
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    sys.exit(main())
