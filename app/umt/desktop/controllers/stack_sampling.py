"""The sampler side of the stack controller: what the stack and the machine use, read on the
sampler's thread. Stats every tick; the services' statuses only when something may have changed
them, and at least every STATUSES_EVERY_S. The controller takes the newest Snapshot on the GUI
thread and decides what the rows show (stack.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import psutil

from umt.desktop.tasks import Sampler, TaskManager
from umt.runtime.model import ServiceStats, ServiceStatus
from umt.runtime.supervisor import Supervisor

STATUSES_EVERY_S = 2.0
UNWATCHED_SAMPLE_INTERVAL_S = 5.0  # nobody looks at the figures while the window is in the tray


@dataclass(frozen=True)
class HostSample:
    cpu_percent: float          # of the whole machine
    memory_used_bytes: int
    memory_total_bytes: int

    @property
    def memory_fraction(self) -> float:
        return self.memory_used_bytes / self.memory_total_bytes if self.memory_total_bytes else 0.0


@dataclass(frozen=True)
class Snapshot:
    statuses: list[ServiceStatus]
    stats: list[ServiceStats]
    host: HostSample
    at: float = field(default_factory=time.time)
    statuses_read_at: float = 0.0   # time.monotonic() when the statuses were read


def sample_host() -> HostSample:
    memory = psutil.virtual_memory()
    return HostSample(psutil.cpu_percent(interval=None), memory.total - memory.available, memory.total)


class StackSampling:
    """Reads Snapshots of the supervisor's stack on a Sampler (a worker of the TaskManager)."""

    def __init__(self, tasks: TaskManager, supervisor: Callable[[], Supervisor | None], interval_s: float) -> None:
        self._tasks = tasks
        self._supervisor = supervisor   # the worker side's current supervisor, or None
        self._interval_s = interval_s
        self._watched = True
        self.sampler: Sampler | None = None
        self._statuses: list[ServiceStatus] = []
        self._statuses_read_at = 0.0
        self._statuses_stale = threading.Event()  # set from any thread when the rows may have changed

    def mark_stale(self) -> None:
        """Something happened (an event, an operation, a new state): the next sample reads the statuses."""
        self._statuses_stale.set()

    def start(self) -> None:
        sample_host()  # primes psutil's host CPU delta so the first figure is real
        self.sampler = self._tasks.sampler(self._sample, self._interval_for_viewing())

    def stop(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()
            self.sampler = None

    def wake(self) -> None:
        if self.sampler is not None:
            self.sampler.wake()

    def take(self) -> tuple[bool, object] | None:
        """The newest sample since the last take: (ok, Snapshot or exception), or None."""
        sampler = self.sampler
        return None if sampler is None else sampler.take()

    def set_watched(self, watched: bool) -> None:
        self._watched = watched
        if self.sampler is not None:
            self.sampler.interval_s = self._interval_for_viewing()
            if watched:
                self.sampler.wake()

    def _interval_for_viewing(self) -> float:
        return self._interval_s if self._watched else max(self._interval_s, UNWATCHED_SAMPLE_INTERVAL_S)

    def _sample(self) -> Snapshot:  # sampler thread
        """Stats every tick; statuses when something happened and at least every STATUSES_EVERY_S.
        The supervisor reads the same statuses every second for its own work, and the rows'
        uptime ticks on from started_at without a new read."""
        supervisor = self._supervisor()
        if supervisor is None:
            return Snapshot([], [], sample_host(), statuses_read_at=time.monotonic())
        now = time.monotonic()
        if self._statuses_stale.is_set() or now - self._statuses_read_at >= STATUSES_EVERY_S or not self._statuses:
            self._statuses_stale.clear()
            self._statuses = supervisor.statuses()
            self._statuses_read_at = now
        return Snapshot(self._statuses, supervisor.backend.stats(), sample_host(), statuses_read_at=self._statuses_read_at)
