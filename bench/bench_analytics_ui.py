#!/usr/bin/env python3
"""Analytics section benchmark, printed as JSON: time from opening the section to its first chart
painted with figures, over 100,000 metric rows.

    .venv/bin/python bench/bench_analytics_ui.py [--opens 20]

A real `python -m umt.gateway` process on SQLite is seeded through its own API by
bench_analytics.py's seeding (1,000 content items over 2025, 100,000 daily metric rows). Then the
real SessionController signs in with that session, and the section's page is built as its entry
in views/sections.py builds it (AnalyticsPage on an AnalyticsController over the session; here with
"today" set to the seeded year's last day), shown offscreen, and timed until the chart's first paint with figures (the default view: the last 90 days, engagements, all posts,
together with the top content and the weekday × hour grid loading alongside). The first open
includes importing the section's modules; the others are fresh pages in the warm process.

Target (issue 10, section 6): the first chart <= 300 ms after opening."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import date

from bench_analytics import seed, start_gateway  # the same seeding as the aggregate benchmark

TARGET_MS = 300.0
TODAY = date(2025, 12, 31)  # the seeded year's last day: "the last 90 days" hold figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opens", type=int, default=20, help="times the section is opened")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())  # no session is remembered on this machine's keyring

    process, http = start_gateway("")
    try:
        seeded = seed(http, random.Random(20261130))
        token = http.headers["Authorization"].removeprefix("Bearer ")
        print(json.dumps(measure(f"http://127.0.0.1:{http.connection.port}", token, seeded, args.opens), indent=2))
    finally:
        process.terminate()
        process.wait(timeout=20)


def measure(url: str, token: str, seeded: dict, opens: int) -> dict:
    from PySide6.QtWidgets import QApplication

    from umt.client import GatewayClient
    from umt.desktop.controllers.session import SessionController
    from umt.desktop.tasks import TaskManager
    from umt.desktop.theme import ThemeManager

    app = QApplication.instance() or QApplication([])
    theme = ThemeManager(app, "light").apply()
    tasks = TaskManager()
    session = SessionController(tasks)
    session.set_gateway_url(url)
    wait(app, lambda: session.state.setup_required is False)
    with GatewayClient(url, token) as client:
        user = client.me()
    session.adopt_session(token, "", user, remember=False)

    timings, counts = [], []
    for _ in range(opens):
        started = time.perf_counter()
        painted: list[float] = []
        from umt.desktop.controllers.analytics import AnalyticsController  # the first open imports them
        from umt.desktop.views.analytics import AnalyticsPage

        page = AnalyticsPage(AnalyticsController(session), theme, today=TODAY)
        page.chart.sig_chart_painted.connect(lambda: painted or painted.append(time.perf_counter()))
        page.resize(1280, 820)
        page.show()
        wait(app, lambda: bool(painted))
        timings.append((painted[0] - started) * 1000)
        counts.append(sum(len(points) for points in page.chart.shown.values()))
        page.close()
        page.deleteLater()
        app.processEvents()
    tasks.wait_for_done(10000)
    warm = timings[1:] or timings
    return {"target": f"first chart painted <= {TARGET_MS:.0f} ms after opening the section",
            "seeded": seeded, "opens": opens, "range": "last 90 days of the seeded year",
            "points_on_chart": counts[0],
            "first_open_ms": round(timings[0], 1),
            "warm_open_p50_ms": round(statistics.median(warm), 1),
            "warm_open_max_ms": round(max(warm), 1),
            "met": timings[0] <= TARGET_MS and statistics.median(warm) <= TARGET_MS,
            "cpus": os.cpu_count(), "load_average_after": os.getloadavg()}


def wait(app, condition, timeout_s: float = 30.0) -> None:
    from PySide6.QtCore import QEventLoop

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting")
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 10)


if __name__ == "__main__":
    main()
