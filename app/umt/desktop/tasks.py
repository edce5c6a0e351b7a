"""THE one way the desktop app runs work off the GUI thread.

- `TaskManager.run(fn)`: any blocking call (engine, network, files) on a thread pool; its result or
  error comes back on the GUI thread.
- `TaskManager.run_stack_job(fn)`: stack operations (open, up, down, restart) on one serialized
  queue, so two clicks can never interleave a start with a stop (Vorta's jobs manager).
- `Sampler`: a worker thread that samples something every interval (stats); the GUI takes the
  newest sample from a QTimer, so a slow engine never stalls painting.
- `LineFollower`: a worker thread reading a blocking line iterator (followed logs) into a bounded
  buffer that the GUI drains in batches.

A widget is never touched from a worker: everything crosses back through `call_in_gui`.
"""

from __future__ import annotations

import collections
import logging
import threading
import traceback
from typing import Any, Callable, Iterator

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class _GuiCaller(QObject):
    """Lives on the GUI thread; a callable emitted from any thread runs there (queued connection)."""

    _sig_call_requested = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._sig_call_requested.connect(self._on_self_call_requested, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], None]) -> None:
        self._sig_call_requested.emit(fn)

    @Slot(object)
    def _on_self_call_requested(self, fn: Callable[[], None]) -> None:
        fn()


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], deliver: Callable[[bool, Any], None]):
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._deliver = deliver

    def run(self) -> None:  # worker thread
        try:
            result = self._fn()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI, not vanish
            log.debug("background task failed:\n%s", traceback.format_exc())
            self._deliver(False, exc)
        else:
            self._deliver(True, result)


class TaskManager(QObject):
    """Runs blocking work in the background and delivers results on the GUI thread."""

    sig_task_failed = Signal(str, object)
    """A task without its own error handler failed: (description, exception)."""

    sig_stack_queue_changed = Signal(int)
    """The number of queued or running stack jobs changed."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4):
        super().__init__(parent)
        self._caller = _GuiCaller(self)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._stack_pool = QThreadPool(self)
        self._stack_pool.setMaxThreadCount(1)  # one at a time, in order
        self._stack_jobs = 0

    # --- GUI-thread delivery -------------------------------------------------------------------
    def call_in_gui(self, fn: Callable[..., None], *args: Any) -> None:
        """Runs fn(*args) on the GUI thread soon; safe to call from any thread."""
        self._caller.post(lambda: fn(*args))

    def _delivery(self, description: str, on_done: Callback | None, on_error: Callback | None, finally_: Callable[[], None] | None = None):
        def deliver(ok: bool, value: Any) -> None:  # worker thread
            def on_gui() -> None:
                try:
                    if ok:
                        if on_done is not None:
                            on_done(value)
                    elif on_error is not None:
                        on_error(value)
                    else:
                        self.sig_task_failed.emit(description, value)
                finally:
                    if finally_ is not None:
                        finally_()

            self._caller.post(on_gui)

        return deliver

    # --- running ---------------------------------------------------------------------------------
    def run(self, fn: Callable[[], Any], on_done: Callback | None = None, on_error: Callback | None = None, description: str = "") -> None:
        self._pool.start(_Job(fn, self._delivery(description or getattr(fn, "__name__", "task"), on_done, on_error)))

    def run_stack_job(self, fn: Callable[[], Any], on_done: Callback | None = None, on_error: Callback | None = None, description: str = "") -> None:
        self._stack_jobs += 1
        self.sig_stack_queue_changed.emit(self._stack_jobs)
        self._stack_pool.start(_Job(fn, self._delivery(description or "stack job", on_done, on_error, self._stack_job_finished)))

    def _stack_job_finished(self) -> None:
        self._stack_jobs -= 1
        self.sig_stack_queue_changed.emit(self._stack_jobs)

    @property
    def stack_jobs(self) -> int:
        return self._stack_jobs

    def wait_for_done(self, timeout_ms: int = 30000) -> bool:
        """Blocks until every worker finished (at shutdown, after the last stack job)."""
        return self._stack_pool.waitForDone(timeout_ms) and self._pool.waitForDone(timeout_ms)


class _WorkerThread:
    """A daemon thread running `_loop` until `stop_event` is set."""

    def __init__(self, name: str):
        self.stop_event = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self, join_timeout_s: float = 5.0) -> None:
        self.stop_event.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(join_timeout_s)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self.stop_event.is_set()

    def _loop(self) -> None:
        raise NotImplementedError


class Sampler(_WorkerThread):
    """Calls `sample()` every `interval_s` on its own thread and keeps only the newest result.

    The GUI reads `take()` from a QTimer: a sampler that falls behind costs a stale figure, never a
    frozen window. Errors are kept as the newest result too, so the GUI can show them."""

    def __init__(self, sample: Callable[[], Any], interval_s: float = 1.0, name: str = "umt-sampler"):
        super().__init__(name)
        self._sample = sample
        self.interval_s = interval_s  # may change while it runs; the next wait uses the new value
        self._lock = threading.Lock()
        self._latest: tuple[bool, Any] | None = None
        self._wake = threading.Event()

    def wake(self) -> None:
        """Samples now instead of at the end of the current wait (e.g. the window came back)."""
        self._wake.set()

    def stop(self, join_timeout_s: float = 5.0) -> None:
        self._wake.set()
        super().stop(join_timeout_s)

    def take(self) -> tuple[bool, Any] | None:
        """(ok, sample or exception) taken since the last call, or None when nothing new arrived."""
        with self._lock:
            latest, self._latest = self._latest, None
        return latest

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            try:
                outcome = (True, self._sample())
            except Exception as exc:  # noqa: BLE001 - reported to the GUI as the newest sample
                outcome = (False, exc)
            with self._lock:
                self._latest = outcome
            self._wake.wait(self.interval_s)
            self._wake.clear()


class LineFollower(_WorkerThread):
    """Reads a blocking line iterator on a worker thread into a bounded buffer the GUI drains."""

    def __init__(self, open_lines: Callable[[threading.Event], Iterator[str]], max_lines: int = 5000, name: str = "umt-follow"):
        super().__init__(name)
        self._open_lines = open_lines
        self._buffer: collections.deque[str] = collections.deque(maxlen=max_lines)
        self._lock = threading.Lock()
        self.error: BaseException | None = None

    def drain(self) -> list[str]:
        with self._lock:
            lines = list(self._buffer)
            self._buffer.clear()
        return lines

    def _loop(self) -> None:
        try:
            for line in self._open_lines(self.stop_event):
                if self.stop_event.is_set():
                    break
                with self._lock:
                    self._buffer.append(line)
        except Exception as exc:  # noqa: BLE001 - shown by the logs window
            self.error = exc
