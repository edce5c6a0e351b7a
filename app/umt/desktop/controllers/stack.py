"""The stack controller: the one object the windows ask to open, start, stop and restart the stack,
and the one that tells them, on the GUI thread, what the stack is doing and what it uses."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable, Protocol

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from umt import launch
from umt.desktop.controllers import stack_state
from umt.desktop.controllers.stack_sampling import Snapshot, StackSampling
from umt.desktop.controllers.stack_state import UP_PHASES, Phase, StackState
from umt.desktop.tasks import TaskHandle, TaskManager
from umt.runtime.backend import Backend
from umt.runtime.choose import BackendChoice
from umt.runtime.errors import EngineUnavailable
from umt.runtime.model import EventKind, Health, Progress, ServiceEvent, ServiceStatus, State
from umt.runtime.supervisor import Supervisor
from umt.settings import DesktopSettings


class StackHost(Protocol):
    """How this app opens the stack and shares it with the rest of the machine: the `umt`
    command and the background supervisor that keeps a stack up while no app watches it."""

    def open(self, settings: DesktopSettings, on_event: Callable[[ServiceEvent], None]) -> tuple[Supervisor, BackendChoice]:
        """The stack for these settings, supervised; on_event is called from the supervisor's thread."""

    def take_over_supervision(self) -> None:
        """The background supervisor (left by `umt up` or an earlier app) stops: this app supervises."""

    def hand_over_supervision(self, backend: str) -> None:
        """Quitting with the stack left running: a background supervisor keeps it up."""


class LaunchHost:
    """The real host, through umt.launch: secrets written from the keyring, the backend the CLI
    would find, the supervisor's state file; the stack record (umt.runtime.record), which the
    supervisor writes as it starts, stops and watches, tells the `umt` command what runs."""

    def open(self, settings: DesktopSettings, on_event: Callable[[ServiceEvent], None]) -> tuple[Supervisor, BackendChoice]:
        return launch.open_stack(settings.backend, settings=settings, on_event=on_event, actor="the desktop app")

    def take_over_supervision(self) -> None:
        launch.stop_background_supervisor()

    def hand_over_supervision(self, backend: str) -> None:
        launch.start_background_supervisor(backend)


def _fingerprint(settings: DesktopSettings) -> tuple:
    """What a backend is opened with: when it changes, the next start opens a new backend."""
    return settings.backend, tuple(sorted(settings.stack_variables.items())), settings.data_folder


class StackController(QObject):
    sig_state_changed = Signal(object)
    """The stack's phase or its words changed (a StackState)."""

    sig_backend_opened = Signal(object)
    """A backend was opened (a BackendChoice): its note and Docker diagnosis are known."""

    sig_docker_diagnosed = Signal(object)
    """Docker was checked (a DockerDiagnosis), or None when the backend choice did not involve it."""

    sig_snapshot_taken = Signal(object)
    """A new Snapshot of statuses, stats and host figures arrived (about once a second)."""

    sig_service_event_received = Signal(object)
    """The supervisor saw something happen to a service (a ServiceEvent)."""

    sig_statuses_changed = Signal(object)
    """The services' rows changed between two samples (a list of ServiceStatus): an event told of
    a death, a restart was asked for, a stack was started or taken over."""

    sig_operation_failed = Signal(str, object)
    """An operation other than start failed: (what, exception)."""

    def __init__(
        self,
        tasks: TaskManager,
        settings: Callable[[], DesktopSettings],
        host: StackHost | None = None,
        sample_interval_s: float = 1.0,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._tasks = tasks
        self._settings = settings
        self._host: StackHost = host if host is not None else LaunchHost()
        # What the windows read, set on the GUI thread only; the workers keep their own references
        # (_choice, _supervisor), handed over through call_in_gui when a backend opens.
        self.choice: BackendChoice | None = None
        self.supervisor: Supervisor | None = None
        self._choice: BackendChoice | None = None
        self._supervisor: Supervisor | None = None
        self._opened_with: tuple | None = None
        self._sampling = StackSampling(tasks, lambda: self._supervisor, sample_interval_s)
        self.state: StackState = stack_state.STOPPED
        self.last_snapshot: Snapshot | None = None
        self._apply_timer = QTimer(self)
        self._apply_timer.setInterval(int(sample_interval_s * 1000))
        self._apply_timer.timeout.connect(self._on_apply_timer_timeout)
        self._shut_down = False
        self._state_changed_at = 0.0
        # The rows as last known (GUI thread); a sample read before they last changed does not undo them.
        self.rows: list[ServiceStatus] = []
        self._rows_changed_at = 0.0
        self._restarting: set[str] = set()   # services restarted on the owner's request, until done

    # --- what the windows read -----------------------------------------------------------------
    @property
    def backend(self) -> Backend | None:
        return None if self.choice is None else self.choice.backend

    @property
    def service_names(self) -> list[str]:
        return [] if self.choice is None else [s.name for s in self.choice.backend.stack.start_order()]

    @property
    def log_names(self) -> list[str]:
        """The logs the backend offers: its services', and for Docker the image build's."""
        return [] if self.choice is None else self.choice.backend.log_names()

    @property
    def gateway_url(self) -> str | None:
        return None if self.supervisor is None else self.supervisor.gateway_url

    @property
    def is_open(self) -> bool:
        """A backend is open: its services' logs can be read."""
        return self.choice is not None

    # --- logs ----------------------------------------------------------------------------------
    def read_logs(self, name: str, tail: int, on_done: Callable[[list[str]], None], on_error: Callable[[BaseException], None]) -> TaskHandle:
        """The service's last `tail` lines, read off the GUI thread."""
        backend = self._open_backend()
        return self._tasks.run(lambda: backend.logs(name, tail), on_done, on_error, f"read the {name}'s log")

    def follow_logs(
        self,
        name: str,
        on_lines: Callable[[list[str]], None],
        on_end: Callable[[BaseException | None], None],
        interval_ms: int = 250,
        max_buffered: int = 5000,
    ) -> TaskHandle:
        """New lines of the service's log in batches on the GUI thread, until the handle is cancelled."""
        backend = self._open_backend()
        return self._tasks.follow(
            lambda stop: backend.follow_logs(name, stop), on_lines, on_end, f"follow the {name}'s log",
            interval_ms=interval_ms, max_buffered=max_buffered,
        )

    def _open_backend(self) -> Backend:
        if self.choice is None:
            raise RuntimeError("the stack has not been opened yet")
        return self.choice.backend

    # --- operations ----------------------------------------------------------------------------
    def open(self) -> None:
        """Opens the backend and adopts a stack that already runs; starts it when the settings say so."""
        self._tasks.run_stack_job(self._open_job, self._on_open_job_done, self._on_start_job_failed, "open the stack")

    def start(self) -> None:
        if self.state.busy or self.state.phase in stack_state.UP_PHASES:
            return
        self._set_state(stack_state.starting("Preparing", 0.0))
        self._tasks.run_stack_job(self._start_job, self._on_start_job_done, self._on_start_job_failed, "start the stack")

    def stop(self, on_stopped: Callable[[], None] | None = None) -> None:
        if self.supervisor is None or self.state.phase == Phase.STOPPING:
            return
        self._set_state(stack_state.stopping("Stopping", 0.0))

        def done(_):
            self._set_state(stack_state.STOPPED)
            if on_stopped:
                on_stopped()

        def failed(exc):
            self._set_state(stack_state.failure(exc))
            if on_stopped:
                on_stopped()

        self._tasks.run_stack_job(self._stop_job, done, failed, "stop the stack")

    def with_supervisor(self, fn: Callable[[Supervisor], Any], on_done: Callable[[Any], None],
                        on_error: Callable[[BaseException], None], what: str) -> TaskHandle:
        """Runs fn(supervisor) on the stack's one serialized queue, the stack opened: work that must
        not interleave with a start or a stop (a restore stops, swaps the data, starts)."""
        return self._tasks.run_stack_job(lambda: fn(self._ensure_open_supervisor()), on_done, on_error, what)

    def data_restored(self) -> None:
        """A restore replaced the data: a damaged database's error no longer holds."""
        if self.state.phase == Phase.ERROR and self.state.restore_offer:
            self._set_state(stack_state.STOPPED)

    def _ensure_open_supervisor(self) -> Supervisor:
        self._ensure_open()
        return self._supervisor

    def restart(self) -> None:
        """Stops the stack, then starts it again (a stop that fails leaves the error shown)."""
        if self.state.phase not in UP_PHASES:
            self.start()
            return
        self.stop(on_stopped=lambda: self.start() if self.state.phase == Phase.STOPPED else None)

    def toggle(self) -> None:
        if self.state.phase in stack_state.UP_PHASES:
            self.stop()
        elif not self.state.busy:
            self.start()

    def restart_service(self, name: str) -> None:
        """Restarts one service; its row says so at once, and until the restart is done."""
        supervisor = self.supervisor
        if supervisor is None or self.state.busy or name in self._restarting:
            return
        self._restarting.add(name)
        self._show_rows(self.rows)

        def job() -> tuple[BaseException | None, list[ServiceStatus]]:
            try:
                supervisor.restart_service(name)
                error = None
            except Exception as exc:  # noqa: BLE001 - told to the owner below, with the rows as they are
                error = exc
            return error, supervisor.statuses()

        def done(result) -> None:
            error, statuses = result
            self._restarting.discard(name)
            self._show_rows(statuses)
            if error is not None:
                self.sig_operation_failed.emit(f"restart the {name}", error)

        self._tasks.run_stack_job(job, done, None, f"restart the {name}")

    def shutdown(self, stop_stack: bool, on_done: Callable[[], None]) -> None:
        """Quits supervising (and stops the stack when asked); calls on_done on the GUI thread."""
        self._shut_down = True
        self._apply_timer.stop()

        def job() -> None:
            if self._supervisor is not None:
                self._supervisor.stop_watching()
                if stop_stack:
                    self._supervisor.down()
                elif not self._supervisor.released.is_set() and any(s.state == State.RUNNING for s in self._supervisor.backend.statuses()):
                    self._hand_over_supervision()
            self._sampling.stop()
            if self._choice is not None:
                self._choice.backend.close()

        self._tasks.run_stack_job(job, lambda _: on_done(), lambda _exc: on_done(), "shut down")

    # --- jobs (worker thread: no widget, no signal emission except through the task helper) -----
    def _ensure_open(self) -> BackendChoice:
        settings = self._settings()
        if self._choice is not None and self._opened_with == _fingerprint(settings):
            return self._choice
        self._sampling.stop()
        if self._supervisor is not None:
            # New settings, new backend: what still runs from a failed start under the old one
            # would hold its ports, so it stops first.
            self._supervisor.stop_watching()
            if any(s.state == State.RUNNING for s in self._supervisor.backend.statuses()):
                self._supervisor.down()
            self._supervisor.backend.close()
        self._choice, self._supervisor = None, None
        self._tasks.call_in_gui(self._on_backend_published, None, None)
        supervisor, choice = self._host.open(settings, self._on_supervisor_event)
        self._choice, self._supervisor, self._opened_with = choice, supervisor, _fingerprint(settings)
        self._tasks.call_in_gui(self._on_backend_published, choice, supervisor)
        self._sampling.start()
        self._tasks.call_in_gui(self._apply_timer.start)
        return choice

    def _open_job(self) -> list[ServiceStatus] | None:
        """The rows of a stack taken over (its health probed), or None when nothing runs."""
        self._ensure_open()
        running = any(s.state == State.RUNNING for s in self._supervisor.backend.statuses())
        if not running:
            return None
        self._take_over_supervision()
        self._supervisor.adopt()
        self._supervisor.start_watching()
        return self._supervisor.statuses()

    def _start_job(self) -> list[ServiceStatus]:
        self._ensure_open()
        self._supervisor.refuse_if_running_elsewhere()   # before the other mode's supervisor is stopped
        self._take_over_supervision()
        self._supervisor.up(progress=self._on_worker_progress)
        self._supervisor.start_watching()
        return self._supervisor.statuses()

    def _stop_job(self) -> None:
        self._supervisor.stop_watching()
        self._supervisor.down(progress=self._on_worker_progress)

    def _take_over_supervision(self) -> None:
        """One supervisor per stack: the background one stops, and this app supervises from now on."""
        self._host.take_over_supervision()

    def _hand_over_supervision(self) -> None:
        self._host.hand_over_supervision(self._choice.backend.name)

    def set_watched(self, watched: bool) -> None:
        """The window is shown (figures every second) or hidden in the tray (every few seconds;
        supervision and notifications do not depend on it)."""
        self._sampling.set_watched(watched)

    # --- results, on the GUI thread ------------------------------------------------------------
    def _on_backend_published(self, choice: BackendChoice | None, supervisor: Supervisor | None) -> None:
        self._assert_gui_thread()
        self.choice, self.supervisor = choice, supervisor
        if choice is None:
            self._restarting.clear()
            self._show_rows([])
            if self.state.phase == Phase.ERROR:
                self._set_state(stack_state.STOPPED)   # the error was the old backend's: it is gone
        else:
            self.sig_backend_opened.emit(choice)
            self.sig_docker_diagnosed.emit(choice.docker_diagnosis)

    def _assert_gui_thread(self) -> None:
        assert QThread.currentThread() is self.thread(), "the stack controller publishes on the GUI thread only"

    def _on_worker_progress(self, progress: Progress) -> None:  # worker thread
        self._sampling.mark_stale()
        self._tasks.call_in_gui(self._on_progress_reported, progress)

    def _on_progress_reported(self, progress: Progress) -> None:
        if self.state.phase == Phase.STARTING:
            self._set_state(stack_state.starting(progress.step, progress.fraction))
        elif self.state.phase == Phase.STOPPING:
            self._set_state(stack_state.stopping(progress.step, progress.fraction))

    def _on_open_job_done(self, statuses: list[ServiceStatus] | None) -> None:
        if statuses is not None:
            self._show_rows(statuses)   # what runs is said from its rows, never over empty tables
            self._set_state(stack_state.assess(self.rows))
        elif self._settings().start_stack_on_open:
            self.start()

    def _on_start_job_done(self, statuses: list[ServiceStatus]) -> None:
        self._show_rows(statuses)
        self._set_state(stack_state.assess(self.rows))

    def _on_start_job_failed(self, exc: BaseException) -> None:
        self._set_state(stack_state.failure(exc))
        if isinstance(exc, EngineUnavailable):
            self.sig_docker_diagnosed.emit(exc.diagnosis)

    def _on_supervisor_event(self, event: ServiceEvent) -> None:  # supervisor thread
        self._sampling.mark_stale()
        if event.kind == EventKind.RELEASED:
            self._tasks.call_in_gui(self._on_supervisor_released, event)
        self._tasks.call_in_gui(self._on_service_event_arrived, event)

    def _on_service_event_arrived(self, event: ServiceEvent) -> None:
        """Bad news shows in the service's row at once, not at the next read of the statuses."""
        rows = stack_state.rows_after(self.rows, event)
        if rows != self.rows:
            self._show_rows(rows)
        self._sampling.wake()
        self.sig_service_event_received.emit(event)

    def _show_rows(self, statuses: list[ServiceStatus]) -> None:
        """New rows between samples: published now, assessed, and not undone by an older sample."""
        self.rows = self._with_restarts(statuses)
        self._rows_changed_at = time.monotonic()
        self.sig_statuses_changed.emit(self.rows)
        if self.state.phase in UP_PHASES and not self._shut_down:
            self._set_state(stack_state.assess(self.rows))

    def _with_restarts(self, statuses: list[ServiceStatus]) -> list[ServiceStatus]:
        """A service restarted on request shows as restarting until the restart is done."""
        return [
            replace(s, state=State.RESTARTING, health=Health.STARTING, started_at=None, detail="restarting on request")
            if s.name in self._restarting else s
            for s in statuses
        ]

    def _on_supervisor_released(self, event: ServiceEvent) -> None:
        """Stopped deliberately from elsewhere (`umt down`): the app shows it stopped, restarts nothing."""
        if self.state.phase in stack_state.UP_PHASES:
            self._set_state(replace(stack_state.STOPPED, detail=f"{event.detail[:1].upper()}{event.detail[1:]}; your data is kept."))

    def _on_apply_timer_timeout(self) -> None:
        taken = self._sampling.take()
        if taken is None:
            return
        ok, value = taken
        if not ok:
            return  # a failed sample keeps the last figures; the next one usually succeeds
        if value.statuses_read_at < self._state_changed_at:
            return  # read before the stack's last change (say, mid-start): the next one is current
        if value.statuses_read_at < self._rows_changed_at:
            value = replace(value, statuses=self.rows)   # the rows changed since that read: they stand
        else:
            self.rows = self._with_restarts(value.statuses)
            value = replace(value, statuses=self.rows)
        self.last_snapshot = value
        if self.state.phase in stack_state.UP_PHASES and not self._shut_down:
            self._set_state(stack_state.assess(value.statuses))
        self.sig_snapshot_taken.emit(value)

    def _set_state(self, state: StackState) -> None:
        self._assert_gui_thread()
        if state != self.state:
            self._sampling.mark_stale()  # the stack moved on: the rows are read afresh
            if state.phase != self.state.phase:
                self._state_changed_at = time.monotonic()
            self.state = state
            self.sig_state_changed.emit(state)
