#!/usr/bin/env python3
"""Main-window benchmark: switching sections, and how long quitting holds the GUI thread. Prints JSON.

    python bench/bench_sections.py [--rounds 50]

Builds the real app (umt.desktop.main.build) in a fresh data folder, offscreen when there is no
display, with the stack stopped (every section's page is built from views/sections.py as the
owner would meet it). A switch is timed from show_section() to the end of the repaint of the
window. Quitting is timed with a task stuck in the pool (an engine call that never returns): the
longest gap between the ticks of a 5 ms GUI timer from the Quit request to the app's last signal
is the longest time the window could not react.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time

TARGETS = {"section_switch_ms": 100.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50, help="switches through every section")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["UMT_DATA_DIR"] = tempfile.mkdtemp(prefix="umt-bench-sections-")

    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    from umt.desktop.main import build

    qapp, desktop = build([])
    window = desktop.window
    window.resize(1280, 820)
    desktop.show_window()
    qapp.processEvents()
    keys = list(window.sections)

    def timed_switch(key: str) -> float:
        clock = time.perf_counter()
        window.show_section(key)
        window.repaint()
        return (time.perf_counter() - clock) * 1000

    first_show = {key: round(timed_switch(key), 2) for key in keys[1:] + keys[:1]}
    switches = [timed_switch(key) for _ in range(args.rounds) for key in keys]

    # Quitting with a call stuck in a worker.
    release = threading.Event()
    desktop.tasks.run(lambda: release.wait(60), description="a stuck engine call")
    gaps, last = [], QElapsedTimer()
    ticker = QTimer()
    ticker.setInterval(5)

    def tick():
        gaps.append(last.restart())

    ticker.timeout.connect(tick)
    finished = []
    desktop.sig_quit_finished.connect(lambda: finished.append(time.perf_counter()))
    last.start()
    ticker.start()
    asked = time.perf_counter()
    desktop.request_quit()
    loop = QEventLoop()
    while not finished and time.perf_counter() - asked < 30:
        QTimer.singleShot(5, loop.quit)
        loop.exec()
    ticker.stop()
    release.set()

    result = {
        "sections": keys,
        "section_first_show_ms": first_show,
        "section_switch_ms": {
            "p50": round(statistics.median(switches), 2),
            "p95": round(sorted(switches)[int(len(switches) * 0.95) - 1], 2),
            "max": round(max(switches), 2),
            "n": len(switches),
        },
        "quit_with_a_stuck_task": {
            "request_to_finished_ms": round((finished[0] - asked) * 1000, 1) if finished else None,
            "longest_gui_stall_ms": max(gaps) if gaps else None,
        },
        "targets": TARGETS,
        "platform": qapp.platformName(),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
