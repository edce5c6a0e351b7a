"""The session controller: the one owner of the GatewayClient and of who is signed in.

Every workspace section talks to the gateway through `SessionController.call`, which runs the call
off the GUI thread (desktop/tasks.py) and handles an expired session HERE, once: a 401 signs the
owner out and emits `sig_session_expired` (the app asks to sign in again over the current page, so
nothing typed is lost). The call that met the 401 waits and runs again once the owner has signed
in again, so a Save pressed as the session ran out still saves; only if the owner signs out
instead (or the stack stops) does its error handler hear of the 401.

The client exists while the stack's gateway runs (`follow_stack` or `set_gateway_url`), or while
connected to a server (`use_server`: its https address and whom to trust; the stack is not
followed until `use_local_stack`). A session
token survives a stack restart in memory, and across app starts only in the OS keyring ("Remember
me on this computer", umt.secrets), read and written on workers like every keyring call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from umt import secrets
from umt.client import GatewayClient, GatewayUnreachable, JobFailed, Unauthorized
from umt.desktop.controllers.problem import Problem
from umt.desktop.controllers.stack_state import Phase
from umt.desktop.tasks import TaskHandle, TaskManager

ClientFactory = Callable[[str], GatewayClient]
STREAM_READ_TIMEOUT_S = 30.0     # a quiet job stream is reopened after this (and `stop` looked at)


@dataclass(frozen=True)
class SessionState:
    gateway_url: str | None        # None while the stack is not running
    setup_required: bool | None    # None while unknown
    signed_in: bool
    user: object | None            # the signed-in account (the client's record)
    message: str = ""              # one line for the UI ("The stack is stopped", "Session expired…")
    session_expired: bool = False  # signed out by a 401: pages stay as they are while a dialog asks again
    can_start: bool = False        # the stack is stopped or failed: a page may offer Start
    remember_available: bool = False  # a keyring that protects secrets exists: "Remember me" may be offered


SIGNED_OUT = SessionState(None, None, False, None, "The stack is stopped. Start it to sign in.", can_start=True)


@dataclass
class _WaitingCall:
    """A call that met the expiry: run `again` once signed in again (None for a stream: its
    on_error hears instead), or give `error` to on_error when no new session comes."""

    again: Callable[[], None] | None
    on_error: Callable[[BaseException], None] | None
    description: str
    error: BaseException | None = None


@dataclass(frozen=True)
class _Probe:
    setup_required: bool
    user: Any
    token: str | None
    expires_at: str
    remember_available: bool
    from_keyring: bool = False


class SessionController(QObject):
    sig_state_changed = Signal(object)
    """The session changed (a SessionState), on the GUI thread."""

    sig_session_expired = Signal()
    """A call got 401 while signed in: the UI asks to sign in again and keeps what is being edited."""

    def __init__(self, tasks: TaskManager, client_factory: ClientFactory = GatewayClient,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._client_factory = client_factory
        self._client: GatewayClient | None = None
        self._state = SIGNED_OUT
        self._token: str | None = None          # the session, kept across a stack restart
        self._expires_at = ""
        self._remember = False
        self._generation = 0                    # +1 at each sign-in or sign-out: older 401s are stale
        self._waiting: list[_WaitingCall] = []  # calls that met the expiry, run again after signing in
        self._key_serials: dict[str, int] = {}  # per key, the newest call's number (a retry must be the newest)
        self.last_email = ""                    # for "sign in again": the account that was signed in
        self._stack = None                      # the StackController followed, if any
        self._verify: bool | str | None = None  # a server's TLS trust (None: this computer's stack)

    # --- what the views and sections read ------------------------------------------------------
    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def tasks(self) -> TaskManager:
        return self._tasks

    @property
    def client(self) -> GatewayClient | None:
        """For controllers only (views hold no client); None while the stack is not running."""
        return self._client

    # --- the stack ---------------------------------------------------------------------------------
    def follow_stack(self, stack) -> None:
        """Takes the gateway's URL from a StackController whenever its state changes."""
        self._stack = stack
        stack.sig_state_changed.connect(lambda state: self._on_stack_state_changed(stack, state))
        self._on_stack_state_changed(stack, stack.state)

    @property
    def on_server(self) -> bool:
        """Connected to a server's gateway rather than this computer's stack."""
        return self._verify is not None

    def use_server(self, url: str, verify: bool | str) -> None:
        """The workspace talks to a server's gateway at `url` from now on, trusting `verify`
        (True: the system's trust store; a path: a pinned certificate file); a session with
        this computer's stack ends here."""
        if self._verify != verify or self._client is None or self._client.base_url != url.rstrip("/"):
            self._drop_token()
            self.set_gateway_url(None, "Connecting to the server…", can_start=False)
        self._verify = verify
        self.set_gateway_url(url)

    def use_local_stack(self) -> None:
        """Back to this computer's stack (after `use_server`): its gateway, when it runs."""
        if self._verify is None:
            return
        self._verify = None
        self._drop_token()
        self.set_gateway_url(None)
        if self._stack is not None:
            self._on_stack_state_changed(self._stack, self._stack.state)

    def _on_stack_state_changed(self, stack, state) -> None:
        if self._verify is not None:
            return      # connected to a server: the local stack's comings and goings are not ours
        if state.phase in (Phase.RUNNING, Phase.DEGRADED) and stack.gateway_url:
            self.set_gateway_url(stack.gateway_url)
        elif state.phase == Phase.STARTING:
            self.set_gateway_url(None, "The stack is starting…", can_start=False)
        elif state.phase == Phase.STOPPING:
            self.set_gateway_url(None, "The stack is stopping.", can_start=False)
        elif state.phase == Phase.ERROR:
            self.set_gateway_url(None, f"The stack could not start. {state.title}. {state.detail}".strip(), can_start=True)
        else:
            self.set_gateway_url(None)

    def set_gateway_url(self, url: str | None, message: str = "", *, can_start: bool = True) -> None:
        """The gateway's address, or None while the stack does not run (with a line saying why)."""
        if url is None or self._client is None or self._client.base_url != url.rstrip("/"):
            self._fail_waiting_calls()
        if url is None:
            if self._client is not None:
                self._client.close()
                self._client = None
            self._set_state(SessionState(None, None, False, None,
                                         message or "The stack is stopped. Start it to sign in.",
                                         can_start=can_start, remember_available=self._state.remember_available))
            return
        if self._client is not None and self._client.base_url == url.rstrip("/"):
            return
        if self._client is not None:
            self._client.close()
        self._client = (self._client_factory(url) if self._verify is None
                        else self._client_factory(url, verify=self._verify))
        self._client.token = self._token
        self.refresh()

    def refresh(self) -> None:
        """Asks the gateway afresh whether setup is needed and who is signed in (after a failure)."""
        client = self._client
        if client is None:
            return
        self._set_state(SessionState(client.base_url, None, False, None, "Connecting to the gateway…",
                                     remember_available=self._state.remember_available))
        token = self._token
        server = self._server_key()
        self._tasks.run(lambda: self._probe(client, token, server), lambda probe: self._on_probe_done(client, probe),
                        lambda exc: self._on_probe_failed(client, exc), "reach the gateway")

    @staticmethod
    def _probe(client: GatewayClient, token: str | None, server: str) -> _Probe:  # worker thread
        remember_available = secrets.can_remember_session()
        if client.setup_required():
            return _Probe(True, None, None, "", remember_available)
        expires_at, from_keyring = "", False
        if token is None and remember_available:
            remembered = secrets.remembered_session(server)
            if remembered is not None:
                (token, expires_at), from_keyring = remembered, True
        if token is None:
            return _Probe(False, None, None, "", remember_available)
        probe_client = GatewayClient(client.base_url, token, timeout=client.timeout, session=client.http)
        try:
            user = probe_client.me()
        except Unauthorized:
            if from_keyring:    # remembered, but no longer valid: forget it
                secrets.forget_session(server)
            return _Probe(False, None, None, "", remember_available)
        return _Probe(False, user, token, expires_at, remember_available, from_keyring)

    def _on_probe_done(self, client: GatewayClient, probe: _Probe) -> None:
        if client is not self._client:
            return      # the stack moved on meanwhile
        if probe.token is None:
            self._token, self._remember = None, False
        elif probe.from_keyring:
            self._token, self._expires_at, self._remember = probe.token, probe.expires_at, True
        client.token = self._token
        self._generation += 1
        signed_in = probe.user is not None
        if signed_in:
            self.last_email = _field(probe.user, "email") or self.last_email
        message = ("Create the owner account to begin." if probe.setup_required
                   else "" if signed_in else "Sign in to continue.")
        self._set_state(SessionState(client.base_url, probe.setup_required, signed_in, probe.user, message,
                                     remember_available=probe.remember_available))

    def _on_probe_failed(self, client: GatewayClient, exc: BaseException) -> None:
        if client is not self._client:
            return
        self._set_state(replace(self._state, message=Problem.from_error(exc).message))

    # --- calls ---------------------------------------------------------------------------------
    def call(self, fn: Callable[[GatewayClient], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None, *, key: str | None = None,
             description: str = "", unauthorized_is_expiry: bool = True) -> TaskHandle:
        """Runs fn(client) off the GUI thread; on_done(result) or on_error(exc) on the GUI thread.

        A 401 is handled here once (signed out, sig_session_expired) and not passed to on_error:
        the call waits and runs again once the owner has signed in again (on_error gets the 401
        only if they sign out instead, or the stack stops). Sign-in itself passes
        `unauthorized_is_expiry=False` (a wrong password is a 401 too). With `key`, a newer call
        with the same key supersedes the older: its callbacks never run. Returns the task's
        handle (cancel() it and no callback runs)."""
        description = description or getattr(fn, "__name__", "call the gateway")
        client = self._client
        serial = None
        if key is not None:
            serial = self._key_serials[key] = self._key_serials.get(key, 0) + 1

        def work() -> Any:  # worker thread
            if client is None:
                raise GatewayUnreachable("the stack is not running; start it first")
            return fn(client)

        def again() -> None:
            if key is None or self._key_serials.get(key) == serial:   # not superseded meanwhile
                self.call(fn, on_done, on_error, key=key, description=description)

        retry = _WaitingCall(again, on_error, description) if unauthorized_is_expiry else None
        failed = self._error_handler(self._generation, on_error, description, retry)
        return self._tasks.run(work, on_done, failed, description, key=key)

    def _error_handler(self, generation: int, on_error: Callable[[BaseException], None] | None, description: str,
                       retry: "_WaitingCall | None" = None) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:  # GUI thread
            if isinstance(exc, Unauthorized) and retry is not None and self._on_unauthorized(generation):
                retry.error = exc
                self._waiting.append(retry)
            elif on_error is not None:
                on_error(exc)
            else:
                self._tasks.sig_task_failed.emit(description, exc)

        return failed

    def follow_job(self, job_id: int, on_event: Callable[[Any], None], on_done: Callable[[Any], None],
                   on_error: Callable[[BaseException], None]) -> TaskHandle:
        """Streams a job's changes (its server-sent events) through the task helper's follower:
        each change on the GUI thread, the final job to on_done, a failed one to on_error as
        JobFailed; a 401 is handled as in `call`. `cancel()` the handle and nothing more is heard."""
        client = self._client
        last: list[Any] = []
        failed = self._error_handler(self._generation, on_error, f"follow job {job_id}",
                                     _WaitingCall(None, on_error, f"follow job {job_id}"))

        def on_items(jobs: list) -> None:
            last[:] = jobs[-1:]
            for job in jobs:
                on_event(job)

        def on_end(error: BaseException | None) -> None:
            if error is None and last and last[0].status == "failed":
                error = JobFailed(last[0])
            if error is None and not (last and last[0].finished):
                error = GatewayUnreachable(f"the stream of job {job_id} ended before the job did")
            if error is not None:
                failed(error)
            else:
                on_done(last[0])

        return self._tasks.follow(lambda stop: _job_changes(client, job_id, stop), on_items, on_end,
                                  f"job {job_id}")

    # --- the signed-in state (the account controller and sign-out use these) ---------------------
    def adopt_session(self, token: str, expires_at: Any, user: Any, remember: bool) -> None:
        """Signed in: `user` is the account's record; with `remember`, the token goes to the keyring."""
        expires_at = expires_at.isoformat() if hasattr(expires_at, "isoformat") else str(expires_at or "")
        self._token, self._expires_at, self._remember = token, expires_at, remember
        if self._client is not None:
            self._client.token = token
        self._generation += 1
        self.last_email = _field(user, "email") or self.last_email
        self._set_state(SessionState(self._state.gateway_url, False, True, user, "",
                                     remember_available=self._state.remember_available))
        self._run_waiting_calls()
        if remember:
            server = self._server_key()
            self._tasks.run(lambda: secrets.remember_session(token, expires_at, server), None, self._on_keyring_failed,
                            "remember the session")
        else:
            self._forget_remembered()

    def signed_out(self, message: str = "Signed out.") -> None:
        """Forgets the session here and in the keyring (after the gateway revoked it, or not)."""
        self._drop_token()
        self._set_state(SessionState(self._state.gateway_url, self._state.setup_required, False, None, message,
                                     remember_available=self._state.remember_available))
        self._fail_waiting_calls()
        self._forget_remembered()

    @property
    def remembered(self) -> bool:
        return self._remember

    def _drop_token(self) -> None:
        self._token, self._expires_at, self._remember = None, "", False
        if self._client is not None:
            self._client.token = None
        self._generation += 1

    def _on_unauthorized(self, generation: int) -> bool:
        """True when the call waits for the owner to sign in again (False: its handler hears of it)."""
        if self._state.session_expired:
            if generation == self._generation:
                self.sig_session_expired.emit()     # a call made since: ask again (the dialog may be closed)
            return True                             # made before or after the expiry: it waits
        if not self._state.signed_in:
            return False                            # signed out: nothing to wait for
        if generation != self._generation:
            return False                            # made with an older session than the current one
        self._drop_token()
        self._set_state(SessionState(self._state.gateway_url, False, False, None,
                                     "Your session has expired. Sign in again to go on.", session_expired=True,
                                     remember_available=self._state.remember_available))
        self._forget_remembered()
        self.sig_session_expired.emit()
        return True

    def _run_waiting_calls(self) -> None:
        waiting, self._waiting = self._waiting, []
        for call in waiting:
            if call.again is not None:
                call.again()
            else:
                self._fail([call])     # a stream is not reopened by itself: its owner decides

    def _fail(self, calls: "list[_WaitingCall]") -> None:
        for call in calls:
            if call.on_error is not None:
                call.on_error(call.error)
            else:
                self._tasks.sig_task_failed.emit(call.description, call.error)

    def _fail_waiting_calls(self) -> None:
        """No renewed session is coming (signed out, the stack stopped): the waiting calls' handlers
        hear of the 401 after all, so a page is not left waiting."""
        waiting, self._waiting = self._waiting, []
        self._fail(waiting)

    def _server_key(self) -> str:
        """Whose remembered session: '' for this computer's stack, else the server's address."""
        return self._client.base_url if self._verify is not None and self._client is not None else ""

    def _forget_remembered(self) -> None:
        server = self._server_key()
        self._tasks.run(lambda: secrets.forget_session(server), None, self._on_keyring_failed, "forget the session")

    def _on_keyring_failed(self, exc: BaseException) -> None:
        self._tasks.sig_task_failed.emit("use the keyring", exc)

    def _set_state(self, state: SessionState) -> None:
        if state != self._state:
            self._state = state
            self.sig_state_changed.emit(state)


def _field(record: Any, name: str) -> Any:
    """A field of a client record, dict or typed (the client is becoming typed): one place to adapt."""
    if record is None:
        return None
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def _job_changes(client: GatewayClient | None, job_id: int, stop: threading.Event):
    """Each change of a job until it ends or `stop` is set (worker thread): the current record,
    then its events; a stream that breaks off (a gateway restart) is reopened."""
    if client is None:
        raise GatewayUnreachable("the stack is not running; start it first")
    job = client.get_job(job_id)
    yield job
    while not job.finished and not stop.is_set():
        try:
            for job in client.job_events(job_id, read_timeout=STREAM_READ_TIMEOUT_S):
                yield job
                if job.finished or stop.is_set():
                    return
        except GatewayUnreachable:
            if stop.wait(0.2):      # broken off: look again shortly, unless told to stop
                return
            job = client.get_job(job_id)
            yield job


__all__ = ["SessionController", "SessionState"]
