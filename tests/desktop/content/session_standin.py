"""A real SessionController-compatible object (BRIEF's interface) for the Content studio's tests,
bench and screenshots until `controllers/session.py` is on main: TaskManager + a signed-in
GatewayClient, with `key` supersession by a generation counter per key, and `follow_job` on a
thread of its own."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from umt.client import GatewayClient
from umt.client.errors import Unauthorized
from umt.desktop.tasks import TaskManager


@dataclass(frozen=True)
class SessionState:
    gateway_url: str | None
    setup_required: bool | None
    signed_in: bool
    user: object | None
    message: str = ""


class _Following:
    def __init__(self) -> None:
        self.cancelled = threading.Event()

    def cancel(self) -> None:
        self.cancelled.set()


class StandInSession(QObject):
    sig_state_changed = Signal(object)
    """A SessionState, on the GUI thread."""

    sig_session_expired = Signal()
    """A call got 401."""

    def __init__(self, tasks: TaskManager, client: GatewayClient, parent: QObject | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.client = client
        self._generations: dict[str, int] = {}
        self.state = SessionState(client.base_url, False, True, None)
        self.calls = 0

    def call(self, fn, on_done=None, on_error=None, *, key: str | None = None, description: str = "") -> None:
        self.calls += 1
        generation = None
        if key is not None:
            generation = self._generations[key] = self._generations.get(key, 0) + 1

        def current() -> bool:
            return key is None or self._generations.get(key) == generation

        def done(value) -> None:
            if current() and on_done is not None:
                on_done(value)

        def failed(error) -> None:
            if not current():
                return
            if isinstance(error, Unauthorized):
                self.state = SessionState(self.client.base_url, False, False, None, "Session expired")
                self.sig_state_changed.emit(self.state)
                self.sig_session_expired.emit()
            elif on_error is not None:
                on_error(error)
            else:
                raise error

        self.tasks.run(lambda: fn(self.client), done, failed, description)

    def follow_job(self, job_id, on_event, on_done, on_error) -> _Following:
        """As the real one: the final job to on_done, a failed one to on_error as JobFailed."""
        handle = _Following()

        def gui(fn, value) -> None:
            self.tasks.call_in_gui(lambda: None if handle.cancelled.is_set() else fn(value))

        def follow() -> None:
            try:
                job = self.client.wait_job(job_id, timeout=120, on_progress=lambda event: gui(on_event, event))
            except Exception as error:  # noqa: BLE001 - delivered to the caller
                gui(on_error, error)
            else:
                gui(on_done, job)

        threading.Thread(target=follow, name=f"umt-follow-job-{job_id}", daemon=True).start()
        return handle
