"""The gateway's one client of the agent: POST /v1/tasks/{kind} over keep-alive HTTP/1.1.

Used by the job runner (streaming NDJSON, so progress shows) and by synchronous scoring (one JSON
reply per keystroke pause, where a new TCP connection per call would be a good share of the
latency). Idle connections are kept in a small pool and dropped before the agent's server would
close them (uvicorn closes a connection idle for 5 s). A call can be cut from another thread with a
`Cancel`: closing the connection is how the agent learns that the client left, and it stops the
task at its next progress report."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from typing import Any, Callable
from urllib.parse import urlsplit

NDJSON = "application/x-ndjson"
# uvicorn's default keep-alive timeout is 5 s: reuse a connection only well inside it.
IDLE_SECONDS = 4.0
POOL_SIZE = 8


class AgentUnavailable(Exception):
    """The agent could not be reached, did not answer in time or stopped mid-task: worth retrying."""


class AgentUnreachable(AgentUnavailable):
    """No connection to the agent at all (it is down or restarting): the task never reached it."""


class TaskRefused(Exception):
    """The agent answered with an error: retrying would not help. `status` is the agent's HTTP status."""

    def __init__(self, error: dict[str, Any], status: int) -> None:
        super().__init__(error.get("message", "the agent refused the task"))
        self.error = error
        self.status = status


class CallCancelled(Exception):
    """The call was cut by its `Cancel` (a cancelled job, a stopping gateway)."""


class Cancel:
    """Stops one call from another thread by cutting its connection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None
        self.cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            connection = self._connection
        if connection is not None:
            _cut(connection)

    def _attach(self, connection: http.client.HTTPConnection | None) -> bool:
        """False when already cancelled (the call must not start)."""
        with self._lock:
            self._connection = connection
            return not self.cancelled


def _cut(connection: http.client.HTTPConnection) -> None:
    with contextlib.suppress(OSError, AttributeError):
        connection.sock.shutdown(socket.SHUT_RDWR)


class AgentClient:
    def __init__(self, agent_url: str, timeout: float) -> None:
        parts = urlsplit(agent_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self._lock = threading.Lock()
        self._idle: list[tuple[http.client.HTTPConnection, float]] = []  # (connection, idle since)
        self._closed = False

    def run(self, kind: str, payload: dict[str, Any], *, timeout: float | None = None,
            on_progress: Callable[[dict[str, Any]], None] | None = None, cancel: Cancel | None = None) -> Any:
        """The task's result. With on_progress the agent streams and each progress line is passed on
        (on_progress may raise to abandon the call). Raises AgentUnavailable, TaskRefused, CallCancelled."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "Accept": NDJSON if on_progress else "application/json"}
        cancel = cancel or Cancel()
        for attempt in (1, 2):
            connection, reused = self._take(timeout or self.timeout)
            reusable = False
            try:
                if connection.sock is None:
                    try:
                        connection.connect()  # now, so that a cancel from here on finds a socket to cut
                    except OSError as exc:
                        if cancel.cancelled:
                            raise CallCancelled() from None
                        raise AgentUnreachable(f"the agent is not answering: {type(exc).__name__}: {exc}") from None
                if not cancel._attach(connection):
                    raise CallCancelled()
                try:
                    connection.request("POST", f"{self.prefix}/v1/tasks/{kind}", body=body, headers=headers)
                    response = connection.getresponse()
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    if reused and attempt == 1 and not cancel.cancelled:
                        continue  # the agent closed the idle connection first: once more on a new one
                    raise
                try:
                    return _read(response, on_progress)
                finally:
                    reusable = response.isclosed() and not response.will_close
            except (OSError, http.client.HTTPException) as exc:
                if cancel.cancelled:
                    raise CallCancelled() from None
                if isinstance(exc, (TimeoutError, socket.timeout)):
                    raise AgentUnavailable("the agent is not answering (timed out)") from None
                raise AgentUnavailable(f"the agent is not answering: {type(exc).__name__}: {exc}") from None
            except AgentUnavailable:
                if cancel.cancelled:
                    raise CallCancelled() from None
                raise
            finally:
                cancel._attach(None)
                if reusable and not cancel.cancelled:
                    self._give(connection)
                else:
                    connection.close()
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection, _ in idle:
            connection.close()

    def _take(self, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        now = time.monotonic()
        with self._lock:
            while self._idle:
                connection, since = self._idle.pop()
                if now - since < IDLE_SECONDS and connection.sock is not None:
                    connection.sock.settimeout(timeout)
                    return connection, True
                connection.close()
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout), False

    def _give(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < POOL_SIZE:
                self._idle.append((connection, time.monotonic()))
                return
        connection.close()


def _read(response: http.client.HTTPResponse, on_progress) -> Any:
    """The result from a reply, read to its end so the connection can carry the next call."""
    if response.status >= 500:
        response.read()
        raise AgentUnavailable(f"the agent answered {response.status}")
    if on_progress is None or NDJSON not in (response.getheader("Content-Type") or ""):
        return _final(_json(response.read()), response.status)
    while True:
        line = response.readline()
        if not line:
            raise AgentUnavailable("the agent stopped before it finished the task")
        if not line.strip():
            continue
        message = _json(line)
        if "result" in message or "error" in message:
            response.read()  # the end of the chunked body
            return _final(message, response.status)
        on_progress(message)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        # NaN/Infinity (which Python's json writes) become null: they are not JSON, and what the
        # gateway stores and sends on must stay valid JSON.
        value = json.loads(raw, parse_constant=lambda _: None)
    except ValueError:
        raise AgentUnavailable("the agent sent something that is not JSON") from None
    if not isinstance(value, dict):
        raise AgentUnavailable("the agent sent JSON that is not an object")
    return value


def _final(message: dict[str, Any], status: int) -> Any:
    if "error" in message or status >= 400:
        error = message.get("error")
        if not isinstance(error, dict):
            error = {"code": "agent_error", "message": str(error or f"the agent answered {status}")}
        raise TaskRefused(error, status)
    if "result" not in message:
        raise AgentUnavailable("the agent's reply has no result")
    return message["result"]
