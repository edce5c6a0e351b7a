"""What the Start/Stop control says: the stack's phase, in words, with what to do. Qt-free."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Sequence

from umt.runtime.errors import (
    BuildFailed, DatabaseDamaged, DataMoveNeeded, EngineUnavailable, PortInUse, RuntimeFailure, ServiceFailed, StackFileError,
    StackRunsElsewhere,
)
from umt.runtime.model import EventKind, Health, ServiceEvent, ServiceStatus, State


class Phase(str, enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    DEGRADED = "degraded"
    STOPPING = "stopping"
    ERROR = "error"


BUSY_PHASES = (Phase.STARTING, Phase.STOPPING)
UP_PHASES = (Phase.RUNNING, Phase.DEGRADED)


@dataclass(frozen=True)
class StackState:
    phase: Phase
    title: str
    detail: str = ""            # the current step; which service and why; the reason of an error
    advice: str = ""            # what the owner can do about it
    fraction: float | None = None   # progress of a start or stop, 0..1, when known
    service: str = ""           # the service a degraded state or an error is about
    log: str = ""               # the log that tells more (a service's, or "build")
    native_helps: bool = False  # running the services as local processes avoids this error
    restore_offer: str = ""     # a backup to offer restoring (the database is damaged), a path

    @property
    def busy(self) -> bool:
        return self.phase in BUSY_PHASES


STOPPED = StackState(Phase.STOPPED, "Stopped", "The services are not running.")


def starting(step: str, fraction: float | None) -> StackState:
    return StackState(Phase.STARTING, "Starting…", step, fraction=fraction)


def stopping(step: str, fraction: float | None) -> StackState:
    return StackState(Phase.STOPPING, "Stopping…", step, fraction=fraction)


def running() -> StackState:
    return StackState(Phase.RUNNING, "Running", "Every service is healthy.")


def assess(statuses: Sequence[ServiceStatus]) -> StackState:
    """Running, or degraded naming the first service that is not well and why. "Every service is
    healthy" only when every row is known and healthy."""
    for status in statuses:
        problem = _problem(status)
        if problem:
            detail, advice = problem
            title = "Restarting" if status.state == State.RESTARTING else "Degraded"
            return StackState(Phase.DEGRADED, title, detail, advice, service=status.name, log=status.name)
    if statuses and all(s.health == Health.HEALTHY for s in statuses):
        return running()
    return StackState(Phase.RUNNING, "Running", "Checking the services' health…" if statuses else "Reading the services' state…")


def rows_after(statuses: Sequence[ServiceStatus], event: ServiceEvent) -> list[ServiceStatus]:
    """The rows as an event says they are now, for the bad news that must not wait for the next
    read of the statuses (a death, running out of memory, a failed health check, giving up)."""
    return [_after(status, event) if status.name == event.service else status for status in statuses]


def _after(status: ServiceStatus, event: ServiceEvent) -> ServiceStatus:
    gone = dict(state=State.EXITED, health=Health.UNKNOWN, started_at=None)
    if event.kind in (EventKind.DIE, EventKind.LIMIT_EXCEEDED):
        return replace(status, **gone, detail=event.detail or status.detail)
    if event.kind == EventKind.OOM:
        return replace(status, **gone, oom_killed=True)
    if event.kind == EventKind.GAVE_UP:
        return replace(status, state=State.FAILED, health=Health.UNKNOWN, detail=event.detail)
    if event.kind == EventKind.HEALTH and event.detail == Health.UNHEALTHY.value and status.state == State.RUNNING:
        return replace(status, health=Health.UNHEALTHY)
    return status   # good news (a start, a restart, healthy again) comes with the next read


def _problem(status: ServiceStatus) -> tuple[str, str] | None:
    name, why = status.name, status.detail
    if status.state == State.FAILED:
        return (
            f"The {name} keeps failing: {why or 'it does not stay up'}.",
            f"Open the {name}'s logs to see why, then stop and start the stack.",
        )
    if status.oom_killed and status.state != State.RUNNING:
        return (f"The {name} ran out of memory and is being restarted.", f"If this repeats, raise the {name}'s memory limit in Settings.")
    if status.state != State.RUNNING:
        words = {State.RESTARTING: "is restarting", State.STARTING: "is starting", State.EXITED: "stopped", State.MISSING: "is not running"}
        reason = f" ({why})" if why else ""
        coming = status.state in (State.RESTARTING, State.STARTING)
        return (f"The {name} {words.get(status.state, status.state.value)}{reason}.", "Wait a moment." if coming else "umt restarts it automatically; wait a moment.")
    if status.health == Health.UNHEALTHY:
        return (f"The {name} is not answering its health check.", "umt restarts it automatically; open its logs if this goes on.")
    if status.health == Health.STARTING and status.restarts:
        return (f"The {name} was restarted and is coming back up.", "Wait a moment.")
    return None


def failure(exc: BaseException) -> StackState:
    """An error state: the reason, and what to do, for each failure the runtime raises on purpose."""
    if isinstance(exc, EngineUnavailable):
        diagnosis = exc.diagnosis
        return StackState(Phase.ERROR, "Docker cannot be used", diagnosis.summary, f"{diagnosis.advice} Or switch to native mode.")
    if isinstance(exc, PortInUse):
        held = f" by {exc.holder}" if exc.holder else ""
        return StackState(
            Phase.ERROR,
            "A port is already taken",
            f"Port {exc.port}, needed by the {exc.service}, is in use{held}.",
            f"Stop that program, or choose another {exc.service} port in Settings.",
            service=exc.service,
        )
    if isinstance(exc, DatabaseDamaged):
        offer = "" if exc.newest_backup is None else str(exc.newest_backup)
        return StackState(
            Phase.ERROR,
            "The database is damaged",
            f"The gateway's database file {exc.database} cannot be read ({exc.problem}).",
            "Restore your newest backup; the damaged file is kept beside it." if offer
            else "No backup was found. Keep the file: it may still be repaired.",
            service="gateway",
            restore_offer=offer,
        )
    if isinstance(exc, StackRunsElsewhere):
        return StackState(
            Phase.ERROR,
            f"The stack runs in {exc.backend} mode",
            f"It was started in {exc.backend} mode and is supervised by {exc.supervisor}.",
            f"Stop it there (or with `umt down`), then press Start; or choose {exc.backend} mode in Settings.",
        )
    if isinstance(exc, ServiceFailed):
        return StackState(
            Phase.ERROR,
            f"The {exc.service} did not start",
            f"The {exc.service} failed: {exc.reason}.",
            f"Open the {exc.service}'s logs to see why, then press Start again.",
            service=exc.service,
            log=exc.service,
        )
    if isinstance(exc, BuildFailed):
        return StackState(
            Phase.ERROR,
            "The service image did not build",
            exc.reason,
            "Fix the cause above and press Start again, or use native mode.",
            log="build",
            native_helps=True,
        )
    if isinstance(exc, StackFileError):
        return StackState(Phase.ERROR, "The stack settings are not valid", str(exc), "Fix the value in Settings (limits and ports), then press Start again.")
    if isinstance(exc, DataMoveNeeded):
        return StackState(   # the card has two short lines; `umt up` prints the whole story
            Phase.ERROR, "Your data is still in Docker",
            f"It is in the Docker volume {exc.volume}; native mode would open an empty workspace.",
            "Start Docker, choose Docker or Automatic in Settings, then press Start: umt moves it once.",
        )
    if isinstance(exc, RuntimeFailure):   # said for the owner already (a data move that failed, say)
        return StackState(Phase.ERROR, "The stack did not start", str(exc), "Press Start to try again; the logs may say more.")
    return StackState(Phase.ERROR, "Something went wrong", f"{type(exc).__name__}: {exc}", "Press Start to try again; the logs may say more.")
