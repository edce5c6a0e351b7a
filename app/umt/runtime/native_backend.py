"""The native backend: the stack's services as local processes of this same Python environment.

Each service gets its own data folder and log file. Limits are enforced where the OS allows it
(a cgroup v2 scope through `systemd-run --user --scope` on Linux when a user manager answers),
and a psutil watchdog enforces them everywhere: it warns near the memory or process limit and
terminates a service over it, reporting "limit exceeded". Processes outlive the app (a new
session each), and a state file lets the next umt process adopt them instead of starting twins.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import psutil

from umt.runtime import logfiles
from umt.runtime.backend import Backend, ProgressCallback, no_progress
from umt.runtime.data_folder import adopt_native_folder, refuse_if_left_in_docker
from umt.runtime.errors import ServiceFailed
from umt.runtime.model import EventKind, Health, Progress, ServiceEvent, ServiceStats, ServiceStatus, State, describe_exit
from umt.runtime.ports import check_port_free
from umt.runtime.stackfile import ServiceSpec, StackSpec

WARN_FRACTION = 0.9          # the watchdog warns at 90 % of a limit
WATCHDOG_INTERVAL_S = 1.0
TREE_REFRESH_S = 10.0        # how often a service's process tree is looked up anew (see _members)


def systemd_scope_available() -> bool:
    """True when `systemd-run --user --scope` can put a process in its own cgroup here."""
    if sys.platform != "linux" or not shutil.which("systemd-run"):
        return False
    try:
        probe = subprocess.run(
            ["systemd-run", "--user", "--scope", "--quiet", "true"], capture_output=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


class NativeBackend(Backend):
    name = "native"

    def __init__(self, stack: StackSpec, data_dir: Path, *, use_systemd: bool | None = None):
        super().__init__(stack, data_dir)
        self.root = self.data_dir / "native" / stack.name
        self.state_file = self.root / "processes.json"
        self._use_systemd = use_systemd
        self._lock = threading.RLock()
        self._processes: dict[str, psutil.Process] = {}
        self._children: dict[str, subprocess.Popen] = {}   # ours to reap, when we started them
        self._limit_exceeded: dict[str, str] = {}
        self._warned: set[tuple[str, str]] = set()
        self._cpu_samples: dict[int, float] = {}           # pid -> cpu seconds at the last stats()
        self._trees: dict[int, tuple[float, list[psutil.Process]]] = {}  # root pid -> (looked up at, members)
        self._last_stats_at: float | None = None
        self._watchdog: threading.Thread | None = None
        self._closing = threading.Event()
        self._adopt_recorded()

    # --- paths ---------------------------------------------------------------------------------
    def service_dir(self, name: str) -> Path:
        return self.root / name

    def log_file(self, name: str) -> Path:
        return self.data_dir / "logs" / f"{self.stack.name}-{name}.log"

    def secrets_dir(self, name: str) -> Path:
        """The service's own /run/secrets: only the secrets its stack entry names."""
        return self.root / "secrets" / name

    # --- lifecycle -----------------------------------------------------------------------------
    def prepare(self, progress: ProgressCallback = no_progress) -> None:
        progress(Progress("Preparing local folders", 0.0))
        for spec in self.stack.start_order():
            self.service_dir(spec.name).mkdir(parents=True, exist_ok=True)
            if spec.data_folder is not None:   # the data folder both backends share
                moved = adopt_native_folder(self.service_dir(spec.name), spec.data_folder)
                if moved:
                    progress(Progress(moved))
                refuse_if_left_in_docker(self.stack, spec, self.data_dir)
        self.log_file("x").parent.mkdir(parents=True, exist_ok=True)
        if self._use_systemd is None:
            self._use_systemd = systemd_scope_available()
        progress(Progress("Local folders ready", 1.0))

    def start_service(self, name: str) -> None:
        spec = self.service(name)
        with self._lock:
            if self._alive(name):
                return
            for port in spec.ports:
                check_port_free(port.host_port, name)
            if spec.data_folder is not None:
                refuse_if_left_in_docker(self.stack, spec, self.data_dir)
                spec.data_folder.mkdir(parents=True, exist_ok=True)
            self.stage_secrets(name, self.secrets_dir(name), 0o400)
            self._limit_exceeded.pop(name, None)
            self._warned = {w for w in self._warned if w[0] != name}
            log = open(self.log_file(name), "ab", buffering=0)
            try:
                child = subprocess.Popen(
                    self._command(spec),
                    env=self._environment(spec),
                    cwd=self.service_dir(name),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,   # outlives the app; a terminal's Ctrl-C does not reach it
                )
            except OSError as exc:
                raise ServiceFailed(name, f"could not start {spec.command[0]}: {exc.strerror}") from None
            finally:
                log.close()
            self._children[name] = child
            self._processes[name] = psutil.Process(child.pid)
            self._save_state()
        self.emit(ServiceEvent(name, EventKind.START))
        self._ensure_watchdog()

    def stop_service(self, name: str, timeout: float | None = None) -> None:
        timeout = self.service(name).stop_grace_s if timeout is None else timeout
        with self._lock:
            process = self._processes.get(name)
        if process is not None and _running(process):
            tree = _tree(process)
            _signal_all(tree, signal.SIGTERM)
            alive = _wait_gone(tree, timeout)
            _signal_all(alive, signal.SIGKILL)
            _wait_gone(alive, 5.0)
        self._reap(name)
        self.remove_service(name)

    def kill_service(self, name: str) -> None:
        with self._lock:
            process = self._processes.get(name)
        if process is not None and _running(process):
            _signal_all(_tree(process), signal.SIGKILL)

    def remove_service(self, name: str) -> None:
        with self._lock:
            self._processes.pop(name, None)
            self._children.pop(name, None)
            self._save_state()

    # --- inspection ----------------------------------------------------------------------------
    def status(self, name: str) -> ServiceStatus:
        self.service(name)  # unknown names raise KeyError
        with self._lock:
            process = self._processes.get(name)
            exceeded = self._limit_exceeded.get(name)
        if process is None:
            return ServiceStatus(name, State.MISSING, backend=self.name, detail=exceeded or "")
        if _running(process):
            return ServiceStatus(
                name, State.RUNNING, Health.UNKNOWN, backend=self.name, started_at=process.create_time()
            )
        exit_code = self._reap(name)
        detail = exceeded or describe_exit(exit_code)
        return ServiceStatus(name, State.EXITED, backend=self.name, exit_code=exit_code, detail=detail)

    def stats(self) -> list[ServiceStats]:
        now = time.monotonic()
        elapsed = None if self._last_stats_at is None else now - self._last_stats_at
        self._last_stats_at = now
        samples, seen = [], {}
        for spec in self.stack.start_order():
            with self._lock:
                process = self._processes.get(spec.name)
            if process is None or not _running(process):
                continue
            memory, cpu_seconds, tree = 0, 0.0, self._members(process)
            for member in tree:
                try:
                    with member.oneshot():
                        memory += member.memory_info().rss
                        times = member.cpu_times()
                        seen[member.pid] = times.user + times.system
                except psutil.Error:
                    continue
                previous = self._cpu_samples.get(member.pid)
                cpu_seconds += 0.0 if previous is None else max(0.0, seen[member.pid] - previous)
            cpu_percent = 0.0 if not elapsed else 100.0 * cpu_seconds / elapsed
            samples.append(
                ServiceStats(
                    name=spec.name,
                    cpu_percent=cpu_percent,
                    memory_bytes=memory,
                    memory_limit_bytes=spec.limits.memory_bytes,
                    cpu_limit=spec.limits.cpus,
                    pids=len(tree),
                )
            )
        self._cpu_samples = seen
        return samples

    def logs(self, name: str, tail: int = 200) -> list[str]:
        return logfiles.read_tail(self.log_file(name), tail)

    def follow_logs(self, name: str, stop: threading.Event) -> Iterator[str]:
        return logfiles.follow(self.log_file(name), stop)

    def close(self) -> None:
        self._closing.set()

    # --- internals -----------------------------------------------------------------------------
    def _command(self, spec: ServiceSpec) -> list[str]:
        command = list(spec.command)
        if command and command[0] in ("python", "python3"):
            command[0] = sys.executable   # the same environment that runs umt
        limits = spec.limits
        if self._use_systemd and (limits.memory_bytes or limits.cpus or limits.pids):
            scope = ["systemd-run", "--user", "--scope", "--quiet", f"--unit=umt-{self.stack.name}-{spec.name}-{os.getpid()}"]
            if limits.memory_bytes:
                scope.append(f"--property=MemoryMax={limits.memory_bytes}")
            if limits.cpus:
                scope.append(f"--property=CPUQuota={int(limits.cpus * 100)}%")
            if limits.pids:
                scope.append(f"--property=TasksMax={limits.pids}")
            command = scope + ["--"] + command
        return command

    def _environment(self, spec: ServiceSpec) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("UMT_")}
        env.update(spec.environment)
        env.update(spec.host_network_environment)
        # The folder the stack file binds for the service's data in Docker: the same data here.
        env["UMT_DATA_DIR"] = str(spec.data_folder or self.service_dir(spec.name))
        env["UMT_SECRETS_DIR"] = str(self.secrets_dir(spec.name))
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _alive(self, name: str) -> bool:
        process = self._processes.get(name)
        return process is not None and _running(process)

    def _reap(self, name: str) -> int | None:
        child = self._children.get(name)
        if child is None:
            return None
        try:
            return child.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            return None

    def _save_state(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        state = {n: {"pid": p.pid, "create_time": p.create_time()} for n, p in self._processes.items() if _running(p)}
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        temporary.replace(self.state_file)   # atomic: a crash never leaves half a state file

    def _adopt_recorded(self) -> None:
        """Adopts processes an earlier umt process started, when they are still the same processes."""
        try:
            recorded = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return
        for name, record in recorded.items():
            if name not in self.stack.services:
                continue
            try:
                process = psutil.Process(int(record["pid"]))
                if abs(process.create_time() - float(record["create_time"])) < 0.01 and _running(process):
                    self._processes[name] = process
            except (psutil.Error, KeyError, TypeError, ValueError):
                continue
        if self._processes:
            self._ensure_watchdog()

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None or not self._watchdog.is_alive():
            self._watchdog = threading.Thread(target=self._watch_limits, name="umt-native-watchdog", daemon=True)
            self._watchdog.start()

    def _watch_limits(self) -> None:
        while not self._closing.wait(WATCHDOG_INTERVAL_S):
            with self._lock:
                running = dict(self._processes)
            for name, process in running.items():
                if _running(process):
                    self._check_limits(self.service(name), process)
            roots = {process.pid for process in running.values()}
            self._trees = {pid: tree for pid, tree in self._trees.items() if pid in roots}

    def _members(self, process: psutil.Process) -> list[psutil.Process]:
        """The service's process tree, looked up anew every TREE_REFRESH_S seconds only: finding
        children means reading every process on the machine, and this runs every second for each
        service (on a laptop with hundreds of processes that was most of the app's idle CPU)."""
        now = time.monotonic()
        looked_up_at, members = self._trees.get(process.pid, (0.0, []))
        if now - looked_up_at > TREE_REFRESH_S or not members or members[0] != process:
            members = _tree(process)
            self._trees[process.pid] = (now, members)
            return members
        return [m for m in members if _running(m)]

    def _check_limits(self, spec: ServiceSpec, process: psutil.Process) -> None:
        tree = self._members(process)
        memory = 0
        for member in tree:
            try:
                memory += member.memory_info().rss
            except psutil.Error:
                pass
        checks = [("memory", memory, spec.limits.memory_bytes, _mib), ("processes", len(tree), spec.limits.pids, str)]
        for what, used, limit, show in checks:
            if not limit:
                continue
            if used > limit:
                reason = f"limit exceeded: {what} {show(used)} over the limit of {show(limit)}"
                with self._lock:
                    self._limit_exceeded[spec.name] = reason
                _signal_all(tree, signal.SIGKILL)
                self.emit(ServiceEvent(spec.name, EventKind.LIMIT_EXCEEDED, reason))
                return
            if used > WARN_FRACTION * limit and (spec.name, what) not in self._warned:
                self._warned.add((spec.name, what))
                self.emit(ServiceEvent(spec.name, EventKind.LIMIT_WARNING, f"{what} {show(used)} near the limit of {show(limit)}"))


def _mib(value: int) -> str:
    return f"{value / 1024**2:.0f} MiB"


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Waits until the processes are gone, zombies counting as gone: a process another umt
    process started is not ours to reap (psutil.wait_procs would wait for its parent to)."""
    deadline = time.monotonic() + timeout
    alive = [p for p in processes if _running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = [p for p in alive if _running(p)]
    return alive


def _tree(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process] + process.children(recursive=True)
    except psutil.Error:
        return []


def _signal_all(processes: list[psutil.Process], signum: int) -> None:
    for process in processes:
        try:
            process.send_signal(signum)
        except psutil.Error:
            pass
