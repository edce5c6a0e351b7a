"""THE one way the desktop app runs work off the GUI thread.

- `TaskManager.run(fn)`: any blocking call (engine, network, files) on a small pool of worker
  threads; its result or error comes back on the GUI thread. With `key=`, a newer request with
  the same key supersedes the older one (live scoring, search as you type): the older one's
  callbacks never run.
- `TaskManager.run_stack_job(fn)`: stack operations (open, up, down, restart) on one serialized
  queue, so two clicks can never interleave a start with a stop (Vorta's jobs manager).
- `TaskManager.follow(open_stream, on_items)`: a stream (followed logs, a job's events) read on
  its own thread into a bounded buffer; its items reach the GUI thread in batches, at most one
  batch per `interval_ms`.
- `TaskManager.sampler(sample)`: a thread that samples something every interval (stats); the GUI
  takes the newest sample from a QTimer, so a slow engine never stalls painting.

Each of run, run_stack_job and follow returns a `TaskHandle`; `handle.cancel()` means its
callbacks never run (a running call finishes on its worker, unheard; a stream is told to stop).

Quitting: `shutdown()` cancels everything, drops queued work, stops streams and samplers and gives
what is running a moment (not seconds) to end, with the event loop running meanwhile. Worker threads are daemon threads, so a call stuck
in an engine or a socket never holds the process open.

A widget is never touched from a worker: everything crosses back through `call_in_gui`.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import traceback
import weakref
from typing import Any, Callable, Iterable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
SHUTDOWN_GRACE_S = 0.3   # what quitting waits for running work, in total
IDLE_THREAD_EXPIRY_S = 30.0


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


class TaskHandle:
    """A task or a stream that was asked for: cancel() it and none of its callbacks run."""

    def __init__(self, description: str = "", key: str | None = None):
        self.description = description
        self.key = key
        self.cancel_event = threading.Event()   # a stream's stop signal; a long task may poll it
        self.finished = False                   # its callbacks ran (or were dropped): set on the GUI thread

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled else "finished" if self.finished else "pending"
        return f"<TaskHandle {self.description or self.key or ''} {state}>"


class _Pool:
    """Daemon worker threads over one queue; threads start on demand and end when idle a while."""

    def __init__(self, max_threads: int, name: str):
        self._max_threads = max_threads
        self._name = name
        self._queue: collections.deque[Callable[[], None]] = collections.deque()
        self._changed = threading.Condition()
        self._threads = 0
        self._idle = 0
        self._busy = 0

    def submit(self, job: Callable[[], None]) -> None:
        with self._changed:
            self._queue.append(job)
            if self._idle == 0 and self._threads < self._max_threads:
                self._threads += 1
                threading.Thread(target=self._work, name=f"{self._name}-{self._threads}", daemon=True).start()
            self._changed.notify()

    def drop_queued(self) -> int:
        with self._changed:
            dropped = len(self._queue)
            self._queue.clear()
            self._changed.notify_all()
            return dropped

    def wait_idle(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self._queue or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def _work(self) -> None:  # worker thread
        while True:
            with self._changed:
                self._idle += 1
                deadline = time.monotonic() + IDLE_THREAD_EXPIRY_S
                while not self._queue and time.monotonic() < deadline:
                    self._changed.wait(deadline - time.monotonic())
                self._idle -= 1
                if not self._queue:
                    self._threads -= 1
                    return
                job = self._queue.popleft()
                self._busy += 1
            try:
                job()
            finally:
                with self._changed:
                    self._busy -= 1
                    self._changed.notify_all()


class TaskManager(QObject):
    """Runs blocking work in the background and delivers results on the GUI thread."""

    sig_task_failed = Signal(str, object)
    """A task without its own error handler failed: (description, exception)."""

    sig_stack_queue_changed = Signal(int)
    """The number of queued or running stack jobs changed."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4):
        super().__init__(parent)
        self._caller = _GuiCaller(self)
        self._pool = _Pool(max_threads, "umt-task")
        self._stack_pool = _Pool(1, "umt-stack")  # one at a time, in order
        self._stack_jobs = 0
        self._lock = threading.Lock()
        self._keyed: dict[str, TaskHandle] = {}
        self._live: weakref.WeakSet[TaskHandle] = weakref.WeakSet()
        self._samplers: weakref.WeakSet[Sampler] = weakref.WeakSet()
        self._closed = False

    # --- GUI-thread delivery -------------------------------------------------------------------
    def call_in_gui(self, fn: Callable[..., None], *args: Any) -> None:
        """Runs fn(*args) on the GUI thread soon; safe to call from any thread. Dropped after shutdown."""
        if self._closed:
            return
        try:
            self._caller.post(lambda: fn(*args))
        except RuntimeError:  # the caller's Qt object is gone: the app is tearing down
            log.debug("dropped a call to the GUI after teardown: %r", fn)

    def _handle(self, description: str, key: str | None) -> TaskHandle:
        handle = TaskHandle(description, key)
        with self._lock:
            if self._closed:
                handle.cancel()
            if key is not None:
                older = self._keyed.get(key)
                if older is not None:
                    older.cancel()  # superseded: its callbacks never run
                self._keyed[key] = handle
            self._live.add(handle)
        return handle

    def _finish(self, handle: TaskHandle) -> None:
        handle.finished = True
        with self._lock:
            if handle.key is not None and self._keyed.get(handle.key) is handle:
                del self._keyed[handle.key]

    def _job(self, fn, handle: TaskHandle, on_done: Callback | None, on_error: Callback | None, finally_=None):
        def job() -> None:  # worker thread
            if handle.cancelled:
                ok, value = False, None   # never started: nothing to run, nothing to say
            else:
                try:
                    ok, value = True, fn()
                except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI, not vanish
                    log.debug("background task %r failed:\n%s", handle.description, traceback.format_exc())
                    ok, value = False, exc
            self.call_in_gui(deliver, ok, value)

        def deliver(ok: bool, value: Any) -> None:  # GUI thread
            try:
                if handle.cancelled:
                    return
                if ok:
                    if on_done is not None:
                        on_done(value)
                elif on_error is not None:
                    on_error(value)
                else:
                    self.sig_task_failed.emit(handle.description, value)
            finally:
                self._finish(handle)
                if finally_ is not None:
                    finally_()

        return job

    # --- running ---------------------------------------------------------------------------------
    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callback | None = None,
        on_error: Callback | None = None,
        description: str = "",
        *,
        key: str | None = None,
    ) -> TaskHandle:
        """Runs fn() on a worker; on_done(result) or on_error(exc) on the GUI thread. A newer run
        with the same `key` cancels this one (its callbacks are never called)."""
        handle = self._handle(description or getattr(fn, "__name__", "task"), key)
        self._pool.submit(self._job(fn, handle, on_done, on_error))
        return handle

    def run_stack_job(self, fn: Callable[[], Any], on_done: Callback | None = None, on_error: Callback | None = None, description: str = "") -> TaskHandle:
        handle = self._handle(description or "stack job", None)
        self._stack_jobs += 1
        self.sig_stack_queue_changed.emit(self._stack_jobs)
        self._stack_pool.submit(self._job(fn, handle, on_done, on_error, self._stack_job_finished))
        return handle

    def _stack_job_finished(self) -> None:
        self._stack_jobs -= 1
        self.sig_stack_queue_changed.emit(self._stack_jobs)

    @property
    def stack_jobs(self) -> int:
        return self._stack_jobs

    def follow(
        self,
        open_stream: Callable[[threading.Event], Iterable[Any]],
        on_items: Callable[[list], None],
        on_end: Callable[[BaseException | None], None] | None = None,
        description: str = "",
        *,
        key: str | None = None,
        interval_ms: int = 100,
        max_buffered: int = 5000,
    ) -> TaskHandle:
        """Reads `open_stream(stop)` on its own thread until it ends or the handle is cancelled
        (`stop` is the handle's cancel_event: a blocking stream should watch it). Items reach
        `on_items(batch)` on the GUI thread, at most one batch per `interval_ms`; when the GUI falls
        behind by more than `max_buffered` items, the oldest are dropped. `on_end(error or None)`
        runs once after the last batch, unless cancelled."""
        handle = self._handle(description or "follow", key)
        _Stream(self, handle, open_stream, on_items, on_end, interval_ms, max_buffered).start()
        return handle

    def sampler(self, sample: Callable[[], Any], interval_s: float = 1.0, name: str = "umt-sampler") -> "Sampler":
        """A started Sampler that shutdown() stops."""
        sampler = Sampler(sample, interval_s, name).start()
        self._samplers.add(sampler)
        return sampler

    # --- waiting and quitting --------------------------------------------------------------------
    def wait_for_done(self, timeout_ms: int = 30000) -> bool:
        """Blocks until every queued and running task finished, for at most timeout_ms in total."""
        deadline = time.monotonic() + timeout_ms / 1000
        return self._stack_pool.wait_idle(timeout_ms / 1000) and self._pool.wait_idle(max(0.0, deadline - time.monotonic()))

    def shutdown(self, grace_s: float = SHUTDOWN_GRACE_S, on_done: Callable[[bool], None] | None = None) -> bool | None:
        """Quitting: no callback runs after this; queued work is dropped; streams and samplers are
        told to stop; running work gets `grace_s` in total to end (a key being stored, say).

        With `on_done`, returns at once and calls on_done(ended) on the GUI thread when the work
        ended or the grace ran out: the event loop keeps running meanwhile. Without, blocks for
        at most `grace_s` and returns whether everything ended."""
        with self._lock:
            self._closed = True
            handles = list(self._live)
            self._keyed.clear()
        for handle in handles:
            handle.cancel()
        for sampler in list(self._samplers):
            sampler.stop(join_timeout_s=0)
        dropped = self._pool.drop_queued() + self._stack_pool.drop_queued()
        deadline = time.monotonic() + grace_s

        def report(ended: bool) -> bool:
            if dropped or not ended:
                log.info("quit: %d queued tasks dropped; running ones %s", dropped, "ended" if ended else "left to their daemon threads")
            return ended

        if on_done is None:
            return report(self._stack_pool.wait_idle(grace_s) and self._pool.wait_idle(max(0.0, deadline - time.monotonic())))

        poll = QTimer(self)
        poll.setInterval(10)

        def check() -> None:
            idle = self._stack_pool.wait_idle(0) and self._pool.wait_idle(0)
            if idle or time.monotonic() >= deadline:
                poll.stop()
                poll.deleteLater()
                on_done(report(idle))

        poll.timeout.connect(check)
        poll.start()
        return None

    @property
    def closed(self) -> bool:
        return self._closed


class _Stream:
    """One followed stream: a reader thread, a bounded buffer, batches posted to the GUI."""

    def __init__(self, tasks: TaskManager, handle: TaskHandle, open_stream, on_items, on_end, interval_ms: int, max_buffered: int):
        self._tasks = tasks
        self._handle = handle
        self._open_stream = open_stream
        self._on_items = on_items
        self._on_end = on_end
        self._interval_s = interval_ms / 1000
        self._buffer: collections.deque = collections.deque(maxlen=max_buffered)
        self._lock = threading.Lock()
        self._flush_pending = False
        self._last_flush = 0.0
        self._thread = threading.Thread(target=self._read, name=f"umt-follow-{handle.description}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _read(self) -> None:  # reader thread
        error = None
        stop = self._handle.cancel_event
        try:
            for item in self._open_stream(stop):
                if stop.is_set():
                    break
                with self._lock:
                    self._buffer.append(item)
                    schedule = not self._flush_pending
                    self._flush_pending = True
                if schedule:
                    self._tasks.call_in_gui(self._schedule_flush)
        except Exception as exc:  # noqa: BLE001 - the stream's end, told to on_end
            error = exc
        self._tasks.call_in_gui(self._end, error)

    def _schedule_flush(self) -> None:  # GUI thread
        wait_ms = int(max(0.0, self._interval_s - (time.monotonic() - self._last_flush)) * 1000)
        if wait_ms:
            QTimer.singleShot(wait_ms, self._flush)   # a burst waits for the next batch
        else:
            self._flush()

    def _flush(self) -> None:  # GUI thread
        with self._lock:
            items = list(self._buffer)
            self._buffer.clear()
            self._flush_pending = False
        self._last_flush = time.monotonic()
        if items and not self._handle.cancelled:
            self._on_items(items)

    def _end(self, error: BaseException | None) -> None:  # GUI thread
        self._flush()
        if not self._handle.cancelled and self._on_end is not None:
            self._on_end(error)
        self._tasks._finish(self._handle)


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
        if join_timeout_s and self._thread.is_alive() and threading.current_thread() is not self._thread:
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
