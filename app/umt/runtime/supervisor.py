"""The supervisor: starts the stack in dependency order, waits for health by probing each service
itself, restarts what dies or turns unhealthy (exponential backoff, a give-up limit), reports OOM
kills, and stops in reverse order. The same supervisor drives both backends.

With a stack record (umt.runtime.record) it writes there what it starts and stops, and reads it
before each pass: a stop made by another process (`umt down`, the app) is a deliberate stop, not
a crash, and the supervisor lets go of the stack instead of restarting it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from umt.healthcheck import probe
from umt.runtime.backend import Backend, ProgressCallback, no_progress
from umt.runtime.errors import PortInUse, ServiceFailed, StackRunsElsewhere
from umt.runtime.model import EventKind, Health, Progress, ServiceEvent, ServiceStatus, State
from umt.runtime.record import INTENT_RUNNING, INTENT_STOPPED, ROLE_APP, RecordFile, StackRecord, SupervisorRef, new_run_id
from umt.runtime.stackfile import ServiceSpec

PROBE_EVERY_S = 0.05          # while waiting for a service to come up
PROBE_TIMEOUT_S = 1.0
UNHEALTHY_AFTER = 3           # consecutive failed probes of a running service
DEFAULT_START_PERIOD_S = 5.0  # for services whose healthcheck names none
PREPARE_SHARE = 0.5           # of a start's progress: preparing (building the image), then services


def _scaled(step: Progress, start: float, share: float) -> Progress:
    return step if step.fraction is None else Progress(step.step, start + step.fraction * share)


@dataclass
class _Watch:
    restarts: int = 0          # all restarts, shown to the user
    streak: int = 0            # restarts since it was last healthy: the give-up limit counts these
    failed_probes: int = 0
    grace_until: float = 0.0   # after a restart, failed probes count only once its start period is over
    health: Health = Health.UNKNOWN
    next_restart_at: float = 0.0
    backoff_s: float = 0.0
    gave_up: bool = False
    wanted: bool = False       # the user wants it running
    oom_killed: bool = False
    last_reason: str = ""


class Supervisor:
    def __init__(
        self,
        backend: Backend,
        *,
        on_event: Callable[[ServiceEvent], None] | None = None,
        max_restarts: int = 5,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 30.0,
        state_file: Path | None = None,
        record: RecordFile | None = None,
        actor: str = "umt",
    ):
        self.backend = backend
        self.on_event = on_event or (lambda event: None)
        self.max_restarts = max_restarts
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._watches = {spec.name: _Watch() for spec in backend.stack.start_order()}
        # Restart counts outlive the process that made them, so that `umt status` and the
        # desktop see what the background supervisor did.
        self.state_file = state_file
        self._load_state()
        self.record = record
        self.actor = actor                # who this supervisor's changes are by, in words, for the record
        self._run: str | None = None      # the run (one start) this supervisor looks after
        self.released = threading.Event()  # set when the stack was stopped or started anew elsewhere
        self._lock = threading.RLock()    # one stack operation at a time
        self._stop_watching = threading.Event()
        self._watcher: threading.Thread | None = None
        # Host-side work the runtime does not know (umt.launch sets them): before_start(spec) runs
        # before `up` starts a service (a backup before the gateway migrates its data); each chore
        # runs after a watch pass (the daily backup). A failing chore is reported, never fatal.
        self.before_start: Callable[[ServiceSpec], None] | None = None
        self.chores: list[Callable[[], None]] = []

    @property
    def gateway_url(self) -> str | None:
        gateway = self.backend.stack.services.get("gateway")
        return None if gateway is None or gateway.health_port is None else f"http://127.0.0.1:{gateway.health_port}"

    # --- operations ----------------------------------------------------------------------------
    def up(self, progress: ProgressCallback = no_progress, timeout_s: float = 120.0) -> None:
        """Starts every service in dependency order; returns when all are healthy, raises otherwise."""
        with self._lock:
            deadline = time.monotonic() + timeout_s
            self.refuse_if_running_elsewhere()
            self.backend.events()   # what happened before this start (an earlier stop's deaths) is past
            self._begin_run()
            try:
                # One scale for the whole start: preparing (an image build) fills the first half.
                self.backend.prepare(lambda step: progress(_scaled(step, 0.0, PREPARE_SHARE)))
                services = self.backend.stack.start_order()
                share = (1.0 - PREPARE_SHARE) / len(services)
                for index, spec in enumerate(services):
                    progress(Progress(f"Starting the {spec.name}", PREPARE_SHARE + (index + 0.5) * share))
                    watch = self._watches[spec.name]
                    watch.wanted, watch.gave_up, watch.streak, watch.backoff_s = True, False, 0, 0.0
                    if self.before_start is not None:
                        self.before_start(spec)
                    self.backend.start_service(spec.name)
                    self._wait_healthy(spec.name, deadline)
                    progress(Progress(f"The {spec.name} is healthy", PREPARE_SHARE + (index + 1) * share))
            except BaseException:
                self._roll_back()
                raise   # the first cause, not whatever the rollback met

    def _roll_back(self) -> None:
        """A failed start stops what it started: nothing half-started holds ports or memory, and
        no watcher retries it."""
        try:
            self.down()
        except Exception:  # noqa: BLE001 - the start's own failure is what the caller must see
            for watch in self._watches.values():
                watch.wanted = False

    def adopt(self) -> None:
        """Takes over a stack that an earlier umt process started: every service is wanted from
        now on (one that died in between is restarted by the next pass), and health is probed."""
        with self._lock:
            record = self._read_record()
            if record is not None and record.wants_running and record.run and record.backend == self.backend.name:
                self._run = record.run
            else:
                self._begin_run()
            for watch in self._watches.values():
                watch.wanted = True
            self.probe_health()

    def probe_health(self) -> None:
        """Probes each running service once, so that statuses() reports its health."""
        for status in self.backend.statuses():
            if status.state == State.RUNNING:
                self._watches[status.name].health = Health.HEALTHY if self._probe(status.name) else Health.UNHEALTHY

    def down(self, progress: ProgressCallback = no_progress) -> None:
        with self._lock:
            # The intent first: a supervisor elsewhere that sees a service go reads it and lets go.
            # (Not when the record is about the other backend: stopping leftovers here leaves
            # the stack that runs there, and its supervisor, alone.)
            record = self._read_record()
            if record is None or not record.wants_running or record.backend in (None, self.backend.name):
                self._write_record(intent=INTENT_STOPPED, supervisor=None)
            self._run = None
            services = self.backend.stack.stop_order()
            for index, spec in enumerate(services):
                self._watches[spec.name].wanted = False
                progress(Progress(f"Stopping the {spec.name}", index / len(services)))
                self.backend.stop_service(spec.name)
                self.backend.remove_service(spec.name)   # as `docker compose down`: volumes stay
                self._watches[spec.name].health = Health.UNKNOWN
            for watch in self._watches.values():
                watch.restarts, watch.streak, watch.gave_up = 0, 0, False
            self._save_state()
            progress(Progress("Stopped", 1.0))

    def restart_service(self, name: str) -> None:
        with self._lock:
            watch = self._watches[name]
            self.backend.stop_service(name)
            watch.wanted, watch.gave_up, watch.failed_probes = True, False, 0
            self.backend.start_service(name)
            self._wait_healthy(name, time.monotonic() + 60.0)
            self._emit(ServiceEvent(name, EventKind.RESTART, "restarted on request"))

    def statuses(self) -> list[ServiceStatus]:
        result = []
        for status in self.backend.statuses():
            watch = self._watches[status.name]
            if watch.gave_up:
                status = replace(status, state=State.FAILED, detail=watch.last_reason or status.detail)
            health = watch.health if status.state == State.RUNNING else Health.UNKNOWN
            result.append(
                replace(status, health=health, restarts=watch.restarts, oom_killed=status.oom_killed or watch.oom_killed)
            )
        return result

    # --- watching ------------------------------------------------------------------------------
    def start_watching(self, interval_s: float = 1.0, role: str = ROLE_APP) -> None:
        """Supervises from a thread of this process, recorded as the stack's supervisor in `role`."""
        if self._watcher is not None and self._watcher.is_alive():
            if not self._stop_watching.is_set():
                return
            self._watcher.join(timeout=5)   # a watcher that let go is on its way out
        self._stop_watching.clear()
        self.released.clear()
        if self._run is not None:
            self._write_record(supervisor=SupervisorRef.this_process(role))

        def loop() -> None:
            while not self._stop_watching.wait(interval_s):
                try:
                    self.watch_once()
                except Exception as exc:  # noqa: BLE001 - the watcher must outlive a failed pass
                    self._emit(ServiceEvent("stack", EventKind.DIE, f"supervision pass failed: {exc}"))
                for chore in list(self.chores):
                    try:
                        chore()
                    except Exception as exc:  # noqa: BLE001 - a chore (a backup) never stops supervision
                        self._emit(ServiceEvent("stack", EventKind.CHORE_FAILED, f"{getattr(chore, 'name', 'a chore')} failed: {exc}"))

        self._watcher = threading.Thread(target=loop, name="umt-supervisor", daemon=True)
        self._watcher.start()

    def stop_watching(self) -> None:
        self._stop_watching.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(timeout=5)
        self._watcher = None
        record = self._read_record()
        if record is not None and record.supervisor is not None and record.supervisor.is_this_process:
            self.record.write(replace(record, supervisor=None))

    def watch_once(self) -> list[ServiceEvent]:
        """One supervision pass. Returns (and reports) the events it saw or caused."""
        if not self._lock.acquire(blocking=False):
            return []     # an operation (up, down, restart) is under way: it owns the stack now
        try:
            if not self._still_current():
                events = self._let_go()
                for event in events:
                    self._emit(event)
                return events
            # What the engine reports of a service nobody wants running (stopped on purpose) is no news.
            events = [e for e in self.backend.events() if e.service not in self._watches or self._watches[e.service].wanted]
            for event in events:
                if event.kind == EventKind.OOM:
                    self._watches[event.service].oom_killed = True
            for status in self.backend.statuses():
                events += self._supervise(status)
            for event in events:
                self._emit(event)
            if any(e.kind in (EventKind.RESTART, EventKind.GAVE_UP) for e in events):
                self._save_state()
            return events
        finally:
            self._lock.release()

    def _supervise(self, status: ServiceStatus) -> list[ServiceEvent]:
        watch = self._watches[status.name]
        if not watch.wanted or watch.gave_up:
            return []
        if status.state == State.RUNNING:
            healthy = self._probe(status.name)
            in_grace = time.monotonic() < watch.grace_until
            watch.failed_probes = 0 if healthy or in_grace else watch.failed_probes + 1
            previous, watch.health = watch.health, (
                Health.HEALTHY if healthy else Health.UNHEALTHY if watch.failed_probes >= UNHEALTHY_AFTER else watch.health
            )
            events = []
            if watch.health != previous and watch.health in (Health.HEALTHY, Health.UNHEALTHY):
                events.append(ServiceEvent(status.name, EventKind.HEALTH, watch.health.value))
            if healthy:
                watch.backoff_s, watch.streak = 0.0, 0
            if watch.health == Health.UNHEALTHY:
                events += self._restart(status.name, "no answer to health checks")
            return events
        if status.state in (State.STARTING, State.RESTARTING, State.CREATED):
            return []
        if not self._still_current():
            return self._let_go()   # stopped on purpose by another process: not a crash
        reason = "killed: out of memory" if status.oom_killed or watch.oom_killed else (status.detail or "stopped")
        events = []
        if watch.health != Health.UNKNOWN:
            watch.health = Health.UNKNOWN
            events.append(ServiceEvent(status.name, EventKind.DIE, reason))
        return events + self._restart(status.name, reason)

    def _restart(self, name: str, reason: str) -> list[ServiceEvent]:
        watch = self._watches[name]
        now = time.monotonic()
        if now < watch.next_restart_at:
            return []
        if watch.streak >= self.max_restarts:
            watch.gave_up, watch.last_reason = True, f"gave up after {watch.streak} restarts in a row: {reason}"
            return [ServiceEvent(name, EventKind.GAVE_UP, watch.last_reason)]
        watch.restarts += 1
        watch.streak += 1
        watch.backoff_s = min(self.backoff_max_s, watch.backoff_s * 2 or self.backoff_initial_s)
        watch.next_restart_at = now + watch.backoff_s
        watch.failed_probes, watch.health, watch.last_reason = 0, Health.STARTING, reason
        watch.oom_killed = False   # told once: the next death has its own cause
        watch.grace_until = now + self._start_period(name)
        try:
            self.backend.stop_service(name, timeout=3.0)
            self.backend.start_service(name)
        except PortInUse as exc:
            # Another program holds the port: retrying cannot free it, and the owner must hear why.
            watch.restarts -= 1
            watch.gave_up, watch.last_reason, watch.health = True, str(exc), Health.UNKNOWN
            return [ServiceEvent(name, EventKind.GAVE_UP, watch.last_reason)]
        except Exception as exc:  # noqa: BLE001 - a failed restart is retried after the backoff
            return [ServiceEvent(name, EventKind.RESTART, f"restart {watch.restarts} failed: {exc}")]
        if not self._still_current():
            # Stopped elsewhere while this restart was under way: undo it, as that stop meant.
            self.backend.stop_service(name, timeout=3.0)
            return self._let_go()
        return [ServiceEvent(name, EventKind.RESTART, f"restart {watch.restarts} ({reason})")]

    # --- the stack record ----------------------------------------------------------------------
    def _read_record(self) -> StackRecord | None:
        return None if self.record is None else self.record.read()

    def _write_record(self, **changes) -> None:
        if self.record is not None:
            self.record.update(backend=self.backend.name, by=self.actor, **changes)

    def _begin_run(self) -> None:
        self._run = new_run_id()
        self._write_record(intent=INTENT_RUNNING, run=self._run, supervisor=None)   # whoever watches claims it

    def refuse_if_running_elsewhere(self) -> None:
        """One stack per data folder: while the other backend runs it under a live supervisor,
        starting here would fight it for the ports and orphan its services."""
        record = self._read_record()
        if record is None or not record.wants_running or record.backend in (None, self.backend.name):
            return
        watcher = record.live_supervisor()
        if watcher is not None and not watcher.is_this_process:
            raise StackRunsElsewhere(record.backend, watcher.describe())

    def _still_current(self) -> bool:
        """Whether the stack is still the one this supervisor looks after: not stopped, nor
        started anew, by another process since."""
        record = self._read_record()
        if record is None or self._run is None:
            return True
        return record.wants_running and record.run == self._run

    def _let_go(self) -> list[ServiceEvent]:
        """The stack was stopped (or started anew) elsewhere: nothing is wanted from here any more."""
        record = self._read_record()
        for watch in self._watches.values():
            watch.wanted, watch.health = False, Health.UNKNOWN
        self._run = None
        self._stop_watching.set()
        self.released.set()
        how = "stopped" if record is None or not record.wants_running else "started again"
        by = f" by {record.by}" if record is not None and record.by else ""
        return [ServiceEvent("stack", EventKind.RELEASED, f"the stack was {how}{by}")]

    # --- health --------------------------------------------------------------------------------
    def _start_period(self, name: str) -> float:
        healthcheck = self.backend.service(name).healthcheck
        return healthcheck.start_period_s if healthcheck and healthcheck.start_period_s else DEFAULT_START_PERIOD_S

    def _probe(self, name: str) -> bool:
        url = self.backend.service(name).health_url
        return True if url is None else probe(url, PROBE_TIMEOUT_S)

    def _wait_healthy(self, name: str, deadline: float) -> None:
        watch = self._watches[name]
        watch.health = Health.STARTING
        while True:
            if self._probe(name):
                watch.health, watch.failed_probes = Health.HEALTHY, 0
                return
            status = self.backend.status(name)
            if status.state in (State.EXITED, State.MISSING, State.FAILED):
                watch.health = Health.UNKNOWN
                reason = "killed: out of memory" if status.oom_killed else (status.detail or "exited")
                raise ServiceFailed(name, f"it stopped while starting ({reason})", "\n".join(self.backend.logs(name, 20)))
            if time.monotonic() > deadline:
                watch.health = Health.UNHEALTHY
                raise ServiceFailed(name, "it did not become healthy in time", "\n".join(self.backend.logs(name, 20)))
            time.sleep(PROBE_EVERY_S)

    def _load_state(self) -> None:
        try:
            saved = json.loads(self.state_file.read_text()) if self.state_file else {}
        except (OSError, ValueError):
            return
        for name, record in saved.items():
            if name in self._watches and isinstance(record, dict):
                watch = self._watches[name]
                watch.restarts = int(record.get("restarts", 0))
                watch.gave_up = bool(record.get("gave_up", False))
                watch.last_reason = str(record.get("last_reason", ""))

    def _save_state(self) -> None:
        if self.state_file is None:
            return
        state = {n: {"restarts": w.restarts, "gave_up": w.gave_up, "last_reason": w.last_reason} for n, w in self._watches.items()}
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        temporary.replace(self.state_file)

    def _emit(self, event: ServiceEvent) -> None:
        try:
            self.on_event(event)
        except Exception:  # noqa: BLE001 - a listener's failure must not stop supervision
            pass
