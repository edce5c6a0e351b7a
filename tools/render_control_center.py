#!/usr/bin/env python3
"""Renders the main window on its control center, with the stack really running, to a PNG.

    python tools/render_control_center.py control-center.png [--backend native|docker|auto]

Starts the stack (native by default) in a fresh data folder on free loopback ports, opens the
control center, waits until every service is healthy and a few stats samples arrived, grabs the
window, then stops the stack. Renders offscreen when there is no display.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("png", type=Path, help="where to write the picture")
    parser.add_argument("--backend", choices=("native", "docker", "auto"), default="native")
    parser.add_argument("--samples", type=int, default=8, help="stats samples to collect before the picture (one a second)")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="light")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for a healthy stack")
    args = parser.parse_args(argv)

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("UMT_DATA_DIR", tempfile.mkdtemp(prefix="umt-render-"))
    os.environ.setdefault("UMT_GATEWAY_PORT", str(_free_port()))
    os.environ.setdefault("UMT_AGENT_PORT", str(_free_port()))

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from umt.desktop.app import DesktopApp
    from umt.settings import DesktopSettings
    from umt.desktop.controllers.stack_state import Phase
    from umt.runtime.model import Health

    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    qapp.setStyle("Fusion")
    settings = DesktopSettings(backend=args.backend, close_to_tray=False, theme=args.theme)
    app = DesktopApp(qapp, settings, ask_quit=lambda: "stop", tray_available=False)

    def wait_until(condition, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        loop = QEventLoop()
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"render: gave up waiting for {what} (state: {app.controller.state})")
            QTimer.singleShot(50, loop.quit)
            loop.exec()

    samples = []
    app.controller.sig_snapshot_taken.connect(lambda snapshot: samples.append(snapshot) if snapshot.stats else None)
    app.window.resize(1300, 880)
    app.start()
    try:
        wait_until(lambda: app.controller.backend is not None, 60, "the backend to open")
        app.controller.start()
        wait_until(lambda: app.controller.state.phase in (Phase.RUNNING, Phase.DEGRADED, Phase.ERROR), args.timeout, "the stack to start")
        if app.controller.state.phase == Phase.ERROR:
            raise SystemExit(f"render: the stack did not start: {app.controller.state.detail} {app.controller.state.advice}")
        rows = app.window.control_center.services_model
        wait_until(
            lambda: rows.rowCount() > 0 and all(rows.row(r).health == Health.HEALTHY for r in range(rows.rowCount())),
            60,
            "healthy rows",
        )
        wait_until(lambda: len(samples) >= args.samples, args.samples * 3 + 10, f"{args.samples} stats samples")
        wait_until(lambda: app.controller.state.phase == Phase.RUNNING, 10, "the running state")
        args.png.parent.mkdir(parents=True, exist_ok=True)
        if not app.window.grab().save(str(args.png)):
            raise SystemExit(f"render: could not write {args.png}")
        last = samples[-1]
        figures = ", ".join(f"{s.name} {s.memory_bytes / 2**20:.1f} MiB {s.cpu_percent:.1f} % CPU" for s in last.stats)
        print(f"wrote {args.png} ({app.controller.backend.name} backend: {figures})")
    finally:
        done = []
        app.sig_quit_finished.connect(lambda: done.append(True))
        app.request_quit()
        wait_until(lambda: bool(done), 60, "the stack to stop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
