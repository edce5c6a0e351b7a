"""What the Start/Stop control says: the stack's phase, in words, with what to do. Qt-free."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Sequence

from umt.runtime.errors import (
    BuildFailed, DataMoveNeeded, EngineUnavailable, PortInUse, RuntimeFailure, ServiceFailed, StackFileError,
)
from umt.runtime.model import Health, ServiceStatus, State


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
    """Running, or degraded naming the first service that is not well and why."""
    for status in statuses:
        problem = _problem(status)
        if problem:
            detail, advice = problem
            return StackState(Phase.DEGRADED, "Degraded", detail, advice, service=status.name)
    return running()


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
        return (f"The {name} {words.get(status.state, status.state.value)}{reason}.", "umt restarts it automatically; wait a moment.")
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
    if isinstance(exc, ServiceFailed):
        return StackState(
            Phase.ERROR,
            f"The {exc.service} did not start",
            f"The {exc.service} failed: {exc.reason}.",
            f"Open the {exc.service}'s logs to see why, then press Start again.",
            service=exc.service,
        )
    if isinstance(exc, BuildFailed):
        return StackState(Phase.ERROR, "The service image did not build", exc.reason, "Check the build output in the logs and your network or proxy, then press Start again.")
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
