"""The plain values that cross the runtime's boundary: no docker-py or psutil object leaves it."""

from __future__ import annotations

import enum
import signal
import time
from dataclasses import dataclass, field


class State(str, enum.Enum):
    MISSING = "missing"      # never created, or removed
    CREATED = "created"
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    STOPPING = "stopping"
    EXITED = "exited"
    FAILED = "failed"        # given up on: too many restarts, or a failure that retrying cannot mend


class Health(str, enum.Enum):
    UNKNOWN = "unknown"
    STARTING = "starting"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    state: State
    health: Health = Health.UNKNOWN
    backend: str = ""
    started_at: float | None = None   # epoch seconds
    restarts: int = 0
    exit_code: int | None = None
    oom_killed: bool = False
    detail: str = ""                  # why it is in this state, in words

    @property
    def uptime_s(self) -> float | None:
        return None if self.started_at is None or self.state != State.RUNNING else max(0.0, time.time() - self.started_at)


@dataclass(frozen=True)
class ServiceStats:
    name: str
    cpu_percent: float                # of one CPU, as docker stats shows it (200 = two full cores)
    memory_bytes: int                 # docker stats' figure: usage minus inactive file cache; RSS natively
    memory_limit_bytes: int | None
    cpu_limit: float | None           # in CPUs
    pids: int = 0
    at: float = field(default_factory=time.time)

    @property
    def memory_fraction(self) -> float | None:
        return None if not self.memory_limit_bytes else self.memory_bytes / self.memory_limit_bytes

    @property
    def cpu_fraction(self) -> float | None:
        """CPU use as a share of the service's own CPU limit."""
        return None if not self.cpu_limit else self.cpu_percent / 100.0 / self.cpu_limit


class EventKind(str, enum.Enum):
    START = "start"
    DIE = "die"
    OOM = "oom"
    HEALTH = "health_status"
    RESTART = "restart"
    LIMIT_EXCEEDED = "limit_exceeded"
    LIMIT_WARNING = "limit_warning"
    GAVE_UP = "gave_up"
    RELEASED = "released"    # the stack was stopped or started anew by another process: its supervisor let go
    CHORE_FAILED = "chore_failed"   # host-side work riding on the supervisor (the daily backup) failed


@dataclass(frozen=True)
class ServiceEvent:
    service: str
    kind: EventKind
    detail: str = ""
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Progress:
    """A step of a long operation (build, start), for progress bars."""
    step: str
    fraction: float | None = None     # 0..1 when known


def describe_exit(exit_code: int | None) -> str:
    """How a service ended, in the same words whatever ran it. A process ended by signal N
    reports -N (the native backend's children), a container 128+N (Docker): both say, for a
    SIGKILL, "killed (SIGKILL)"."""
    if exit_code is None:
        return "exited"
    number = -exit_code if exit_code < 0 else exit_code - 128 if 128 < exit_code < 160 else 0
    if number:
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return {signal.SIGKILL: "killed (SIGKILL)", signal.SIGTERM: "stopped (SIGTERM)"}.get(number, f"ended by {name}")
    return f"exited with code {exit_code}"
