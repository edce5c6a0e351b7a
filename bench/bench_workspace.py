#!/usr/bin/env python3
"""The app with the workspace open and the stack running: memory, idle CPU and section switching. Prints JSON.

    python bench/bench_workspace.py [--idle-seconds 30] [--rounds 40]

Starts the real native stack in a temporary folder through the app (as a first launch does), sets up
the owner through the setup wizard (2FA codes from pyotp), fills the workspace with "Try with sample
data" and opens every section once (tools/workspace_app.py does this for the render script too).
Then: section switching timed as bench_sections.py times it (show_section() to the end of the
repaint), over `rounds` passes through every section; and, with the Brands section shown and nothing
happening, the app's own CPU (this process, % of one core) over `idle-seconds` of an undisturbed
event loop, and its RSS. The stack's processes are not counted here (bench_stack.py measures them).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools"))

from bench_sections import spread, switch_ms  # noqa: E402
from workspace_app import WorkspaceApp, isolate, settle  # noqa: E402

TARGETS = {"rss_mib": 250.0, "idle_cpu_percent_of_one_core": 2.0, "section_switch_ms": 100.0}


def idle_cpu_percent(seconds: float) -> float:
    """This process's CPU over `seconds` of an event loop left alone (one timer ends it)."""
    import psutil
    from PySide6.QtCore import QEventLoop, QTimer

    process = psutil.Process()
    before, started = process.cpu_times(), time.perf_counter()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    after, wall = process.cpu_times(), time.perf_counter() - started
    return round(100.0 * ((after.user - before.user) + (after.system - before.system)) / wall, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=40, help="passes through every section")
    args = parser.parse_args(argv)
    isolate(Path(tempfile.mkdtemp(prefix="umt-bench-workspace-")))

    import psutil

    workspace = WorkspaceApp()
    window = workspace.app.window
    try:
        started = time.perf_counter()
        workspace.start()
        workspace.set_up_owner()
        workspace.fill_sample_data()
        ready_s = time.perf_counter() - started
        keys = list(window.sections)
        first_show = {}
        for key in keys:   # every section opened once, its data loaded
            first_show[key] = round(switch_ms(window, key), 2)
            settle(1.0)
        switches = [switch_ms(window, key) for _ in range(args.rounds) for key in keys]
        window.show_section("brands")
        settle(3.0)   # the last loads land and the pool goes quiet
        idle = idle_cpu_percent(args.idle_seconds)
        rss_mib = round(psutil.Process().memory_info().rss / 2**20, 1)
        result = {
            "backend": "native",
            "sections": keys,
            "first_launch_to_sample_data_s": round(ready_s, 1),
            "section_first_show_ms": first_show,
            "section_switch_ms": spread(switches),
            "idle": {"section_shown": "brands", "seconds": args.idle_seconds,
                     "cpu_percent_of_one_core": idle},
            "rss_mib": rss_mib,
            "targets": TARGETS,
            "met": {"rss": rss_mib <= TARGETS["rss_mib"],
                    "idle_cpu": idle <= TARGETS["idle_cpu_percent_of_one_core"],
                    "switch_p95": spread(switches)["p95"] <= TARGETS["section_switch_ms"]},
            "platform": workspace.qapp.platformName(),
            "cpus": os.cpu_count(),
        }
    finally:
        workspace.quit()
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
