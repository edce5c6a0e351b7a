#!/usr/bin/env python3
"""Desktop benchmark: launch to first painted window, and the app's own CPU and memory with the
dashboard open and the stack running. Prints JSON.

    python bench/bench_desktop.py [--seconds 60] [--backend native] [--launches 5]

Each figure comes from a separate process of the real app (umt.desktop.main.build), in a fresh
data folder on free loopback ports; the app's CPU is its own process's user+system time (the
services are other processes), measured with psutil.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import psutil

TARGETS = {"cpu_percent_of_one_core": 2.0, "rss_mib": 200.0, "launch_to_first_paint_s": 1.5}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_environment() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["UMT_DATA_DIR"] = tempfile.mkdtemp(prefix="umt-bench-desktop-")
    env["UMT_GATEWAY_PORT"] = str(_free_port())
    env["UMT_AGENT_PORT"] = str(_free_port())
    return env


# --- children: the real app, reporting on stdout ---------------------------------------------------


def _child_first_paint() -> int:
    from umt.desktop.main import build

    qapp, desktop = build()
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and not getattr(self, "seen", False):
                self.seen = True
                print("painted", flush=True)
                QTimer.singleShot(0, lambda: desktop.request_quit())
            return False

    watcher = FirstPaint()
    desktop.window.installEventFilter(watcher)
    desktop.start()
    return qapp.exec()


def _child_dashboard(backend: str, hidden: bool = False) -> int:
    from umt.desktop.main import build

    qapp, desktop = build()
    desktop.settings = desktop.settings.with_changes(backend=backend, close_to_tray=False)
    desktop.ask_quit = lambda: "stop"
    from umt.desktop.controllers.stack_state import Phase

    samples = []

    threads_at_ready = {}

    def thread_times() -> dict[str, float]:
        """CPU seconds per named Python thread (Qt's own threads under 'other'). On Linux from
        /proc/self/task/*/schedstat, which counts in nanoseconds: the tick-based per-thread times
        miss the short wake-ups that make up most of an idle app's CPU."""
        names = {t.native_id: t.name for t in threading.enumerate()}
        main_id = threading.main_thread().native_id
        times: dict[str, float] = {}
        for t in psutil.Process().threads():
            try:
                with open(f"/proc/self/task/{t.id}/schedstat") as handle:
                    seconds = int(handle.read().split()[0]) / 1e9
            except OSError:
                seconds = t.user_time + t.system_time
            name = "gui (main thread)" if t.id == main_id else names.get(t.id, "other (Qt, pool)")
            times[name] = times.get(name, 0.0) + seconds
        return times

    def on_snapshot(snapshot):
        if snapshot.stats and desktop.controller.state.phase == Phase.RUNNING:
            samples.append(snapshot)
            if len(samples) == 3:  # the dashboard shows real figures: the parent may start measuring
                if hidden:
                    desktop.window.hide()  # as closing to the tray does
                print("ready " + json.dumps({s.name: s.memory_bytes for s in snapshot.stats}), flush=True)

    def on_terminate(*_):
        now, wall = thread_times(), time.monotonic() - threads_at_ready.get("at", time.monotonic())
        split = {name: round(100.0 * (seconds - threads_at_ready.get(name, 0.0)) / wall, 2) for name, seconds in now.items() if wall}
        print("threads " + json.dumps(dict(sorted(split.items(), key=lambda kv: -kv[1]))), flush=True)
        desktop.request_quit()

    desktop.controller.sig_snapshot_taken.connect(on_snapshot)
    desktop.controller.sig_state_changed.connect(
        lambda state: print(f"error {state.detail}", flush=True) if state.phase == Phase.ERROR else None
    )
    signal.signal(signal.SIGUSR1, lambda *_: threads_at_ready.update(thread_times(), at=time.monotonic()))
    signal.signal(signal.SIGTERM, on_terminate)
    desktop.sig_quit_finished.connect(lambda: print("stopped", flush=True))
    desktop.start()
    desktop.controller.start()
    return qapp.exec()


# --- the parent: measures ------------------------------------------------------------------------


def _spawn(mode: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), mode, *extra],
        env=_child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def measure_launch(launches: int) -> dict:
    times = []
    for _ in range(launches):
        started = time.perf_counter()
        child = _spawn("--child-first-paint")
        line = child.stdout.readline().strip()
        elapsed = time.perf_counter() - started
        child.wait(60)
        if line != "painted":
            raise SystemExit(f"bench: the app did not paint (said {line!r}, exit {child.returncode})")
        times.append(elapsed)
    return {"launches": launches, "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3), "all_s": [round(t, 3) for t in times]}


def measure_dashboard(seconds: float, backend: str, warmup: float = 0.0, hidden: bool = False) -> dict:
    child = _spawn("--child-dashboard", backend, *(["hidden"] if hidden else []))
    try:
        line = child.stdout.readline().strip()
        if not line.startswith("ready"):
            raise SystemExit(f"bench: the stack did not come up in the app: {line!r}")
        services_memory = json.loads(line.split(" ", 1)[1])
        process = psutil.Process(child.pid)
        time.sleep(warmup)  # e.g. past the first two minutes, when the charts switch to a minutes axis
        child.send_signal(signal.SIGUSR1)  # the child notes its threads' times: the split starts here
        before = process.cpu_times()
        started = time.perf_counter()
        rss = []
        while time.perf_counter() - started < seconds:
            rss.append(process.memory_info().rss)
            time.sleep(1.0)  # the parent's own cadence; the child is not touched
        after = process.cpu_times()
        wall = time.perf_counter() - started
        busy = (after.user - before.user) + (after.system - before.system)
        child.send_signal(signal.SIGTERM)
        threads_line = child.stdout.readline().strip()
        threads = json.loads(threads_line.split(" ", 1)[1]) if threads_line.startswith("threads ") else {}
        tail = child.stdout.readline().strip()
        child.wait(60)
    finally:
        if child.poll() is None:
            child.kill()
    return {
        "backend": backend,
        "seconds": round(wall, 1),
        "warmup_seconds": warmup,
        "window": "hidden in the tray" if hidden else "open",
        "cpu_percent_of_one_core": round(100.0 * busy / wall, 2),
        "rss_mib_end": round(rss[-1] / 2**20, 1),
        "rss_mib_peak": round(max(rss) / 2**20, 1),
        "cpu_percent_by_thread": threads,
        "services_memory_mib_at_start": {k: round(v / 2**20, 1) for k, v in services_memory.items()},
        "stopped_cleanly": tail == "stopped" and child.returncode == 0,
    }


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-first-paint":
        return _child_first_paint()
    if len(sys.argv) > 1 and sys.argv[1] == "--child-dashboard":
        return _child_dashboard(sys.argv[2], hidden=sys.argv[3:] == ["hidden"])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to measure the running dashboard")
    parser.add_argument("--backend", choices=("native", "docker"), default="native")
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--tray", action="store_true", help="also measure with the window hidden, as in the tray")
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds the dashboard runs before measuring starts")
    args = parser.parse_args()
    import PySide6

    launch = measure_launch(args.launches)
    dashboard = measure_dashboard(args.seconds, args.backend, args.warmup)
    result = {
        "launch_to_first_paint": launch,
        "dashboard": dashboard,
        **({"in_tray": measure_dashboard(args.seconds, args.backend, args.warmup, hidden=True)} if args.tray else {}),
        "targets": TARGETS,
        "met": {
            "launch_to_first_paint_s": launch["median_s"] <= TARGETS["launch_to_first_paint_s"],
            "cpu_percent_of_one_core": dashboard["cpu_percent_of_one_core"] <= TARGETS["cpu_percent_of_one_core"],
            "rss_mib": dashboard["rss_mib_peak"] <= TARGETS["rss_mib"],
        },
        "platform": {
            "python": platform.python_version(),
            "pyside6": PySide6.__version__,
            "qpa": os.environ.get("QT_QPA_PLATFORM") or ("offscreen" if not os.environ.get("DISPLAY") else "xcb"),
            "cpus": psutil.cpu_count(),
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
