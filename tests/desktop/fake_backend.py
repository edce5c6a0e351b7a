"""A Backend that runs no processes: each 'service' is a tiny real HTTP server answering its health
URL on the stack's loopback port, so the real Supervisor probes it exactly as it probes real ones.

It enters through the Backend interface only; tests steer it with the methods under 'steering'.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

from umt.runtime.backend import Backend, ProgressCallback, no_progress
from umt.runtime.errors import BuildFailed, ServiceFailed
from umt.runtime.model import EventKind, Health, Progress, ServiceEvent, ServiceStats, ServiceStatus, State
from umt.runtime.stackfile import StackSpec

MIB = 1024 * 1024
BUILD_LOG = "build"


class _HealthServer:
    def __init__(self, port: int, healthy: threading.Event):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                status = 200 if healthy.is_set() else 503
                body = b'{"status":"ok"}' if status == 200 else b'{"status":"unhealthy"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(2)


class FakeBackend(Backend):
    name = "fake"

    def __init__(self, stack: StackSpec, data_dir: Path):
        super().__init__(stack, data_dir)
        self._lock = threading.RLock()
        self._servers: dict[str, _HealthServer] = {}
        self._healthy = {name: threading.Event() for name in stack.services}
        self._started_at: dict[str, float] = {}
        self._exited: dict[str, ServiceStatus] = {}
        self._logs: dict[str, list[str]] = {name: [] for name in [*stack.services, BUILD_LOG]}
        self._log_added = threading.Condition(self._lock)
        self.memory_bytes = {name: 40 * MIB for name in stack.services}
        self.cpu_percent = {name: 3.0 for name in stack.services}
        self.prepare_gate: threading.Event | None = None   # when set by a test, prepare waits for it
        self.prepare_entered = threading.Event()
        self.build_steps = ["Step 1/3 : FROM umt-base", "Step 2/3 : COPY app /app", "Step 3/3 : RUN compileall"]
        self.calls: list[str] = []
        self.refuse_to_start: set[str] = set()   # services whose start fails, as a broken binary's would
        self.builds_images = False   # as Docker: prepare writes a build log, offered as "build"
        self.build_failure = ""      # when set (with builds_images), the build fails with this reason
        self.closed = False

    # --- lifecycle -----------------------------------------------------------------------------
    def prepare(self, progress: ProgressCallback = no_progress) -> None:
        self.calls.append("prepare")
        self.prepare_entered.set()
        if self.prepare_gate is not None:
            self.prepare_gate.wait(30)   # the slow engine: a test holds the gate while it checks the GUI
        for number, step in enumerate(self.build_steps, start=1):
            progress(Progress(step, number / len(self.build_steps) * 0.5))
            if self.builds_images:
                self._log(BUILD_LOG, step)
                if self.build_failure:
                    self._log(BUILD_LOG, f"ERROR: {self.build_failure}")
                    raise BuildFailed(self.build_failure, step)

    def start_service(self, name: str) -> None:
        self.calls.append(f"start {name}")
        if name in self.refuse_to_start:
            raise ServiceFailed(name, "it exited with code 1 while starting")
        with self._lock:
            if name in self._servers:
                return
            self._healthy[name].set()
            self._servers[name] = _HealthServer(self.service(name).health_port, self._healthy[name])
            self._started_at[name] = time.time()
            self._exited.pop(name, None)
            self._log(name, f"{name} started")
        self.emit(ServiceEvent(name, EventKind.START))

    def stop_service(self, name: str, timeout: float | None = None) -> None:
        self.calls.append(f"stop {name}")
        self._halt(name, ServiceStatus(name, State.MISSING, backend=self.name))

    def kill_service(self, name: str) -> None:
        self._halt(name, ServiceStatus(name, State.EXITED, backend=self.name, exit_code=-9, detail="killed"))

    # --- inspection ----------------------------------------------------------------------------
    def status(self, name: str) -> ServiceStatus:
        with self._lock:
            if name in self._servers:
                return ServiceStatus(name, State.RUNNING, Health.UNKNOWN, backend=self.name, started_at=self._started_at[name])
            return self._exited.get(name, ServiceStatus(name, State.MISSING, backend=self.name))

    def stats(self) -> list[ServiceStats]:
        with self._lock:
            running = list(self._servers)
        return [
            ServiceStats(
                name,
                self.cpu_percent[name],
                self.memory_bytes[name],
                self.service(name).limits.memory_bytes,
                self.service(name).limits.cpus,
                pids=1,
            )
            for name in self.stack.services
            if name in running
        ]

    def log_names(self) -> list[str]:
        return [*super().log_names(), BUILD_LOG] if self.builds_images else super().log_names()

    def logs(self, name: str, tail: int = 200) -> list[str]:
        with self._lock:
            lines = list(self._logs[name])
        return lines[-tail:] if tail else lines

    def follow_logs(self, name: str, stop: threading.Event) -> Iterator[str]:
        with self._lock:
            seen = len(self._logs[name])
        while not stop.is_set():
            with self._log_added:
                self._log_added.wait_for(lambda: len(self._logs[name]) > seen or stop.is_set(), timeout=0.1)
                fresh = self._logs[name][seen:]
                seen += len(fresh)
            yield from fresh

    def close(self) -> None:
        self.closed = True

    # --- steering (tests only) -----------------------------------------------------------------
    def set_healthy(self, name: str, healthy: bool) -> None:
        (self._healthy[name].set if healthy else self._healthy[name].clear)()

    def crash(self, name: str, oom: bool = False) -> None:
        """The service dies as a crash or the kernel's OOM killer would do it."""
        detail = "killed: out of memory" if oom else "exited with code 1"
        self._halt(name, ServiceStatus(name, State.EXITED, backend=self.name, exit_code=137 if oom else 1, oom_killed=oom, detail=detail))
        if oom:
            self.emit(ServiceEvent(name, EventKind.OOM, detail))

    def add_log(self, name: str, line: str) -> None:
        self._log(name, line)

    def running(self) -> list[str]:
        with self._lock:
            return list(self._servers)

    def _log(self, name: str, line: str) -> None:
        with self._log_added:
            self._logs[name].append(line)
            self._log_added.notify_all()

    def _halt(self, name: str, afterwards: ServiceStatus) -> None:
        with self._lock:
            server = self._servers.pop(name, None)
            self._exited[name] = afterwards
        if server is not None:
            server.close()
