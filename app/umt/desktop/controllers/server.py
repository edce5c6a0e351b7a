"""The server connection: the workspace talks to a umt server (its gateways behind TLS) instead of
this computer's stack, and the control center shows that server's health, read-only.

`connect` checks the address and the certificate first (off the GUI thread): only a server that
answers as a umt gateway over a trusted TLS connection takes over the session; a certificate that
is not trusted is refused with a plain sentence. While connected, the server's /ready is polled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QTimer, Signal

from umt.client import ApiError, GatewayClient, GatewayUnreachable, UntrustedCertificate
from umt.desktop.controllers.problem import Problem
from umt.desktop.controllers.session import SessionController

HEALTH_INTERVAL_MS = 10_000


@dataclass(frozen=True)
class ServerHealth:
    """What the control center shows of a server: where, whom we trust, and how it is."""

    url: str
    trust: str                  # "the system's trust store" or the pinned file's path
    status: str                 # "ready", "degraded" (no agent: data works, jobs wait), "not ready", "unreachable"
    checks: dict[str, Any] = field(default_factory=dict)   # /ready's checks: database, agent
    version: str = ""
    message: str = ""           # why it is not ready or not reachable


def server_address(text: str) -> str:
    """The server's https address from what the owner typed ("umt.example.com:8443" is fine).

    Raises ValueError with a sentence for anything else: plain http would send the password in clear."""
    text = text.strip().rstrip("/")
    if not text:
        raise ValueError("Enter the server's address, for example https://umt.example.com.")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme != "https":
        raise ValueError("The address must start with https://: the connection to a server is always encrypted.")
    if not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise ValueError("Enter the server's address only, for example https://umt.example.com:8443.")
    try:
        parts.port
    except ValueError:
        raise ValueError("The port in the address is not a number from 1 to 65535.") from None
    return text


def trust_for(certificate: str) -> bool | str:
    """requests' `verify` for a pinned certificate file, or the system's trust store ('')."""
    if not certificate:
        return True
    path = Path(certificate).expanduser()
    if not path.is_file():
        raise ValueError(f"The certificate file {path} does not exist.")
    return str(path)


class ServerController(QObject):
    sig_connected = Signal(str, str)
    """Connected to the server at this address, trusting this certificate file ('': the system's store)."""

    sig_connect_failed = Signal(str)
    """Connecting failed: a sentence for the owner (an untrusted certificate, no answer, a bad address)."""

    sig_disconnected = Signal()
    """Back to this computer's stack."""

    sig_health_changed = Signal(object)
    """The connected server's health (a ServerHealth), or None when no server is connected."""

    def __init__(self, session: SessionController, client_factory: Callable[..., GatewayClient] = GatewayClient,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._client_factory = client_factory
        self._health: ServerHealth | None = None
        self._verify: bool | str = True  # the connected server's trust (requests' `verify`)
        self._attempt = 0                # +1 per connect/disconnect: older answers are stale
        self._timer = QTimer(self)
        self._timer.setInterval(HEALTH_INTERVAL_MS)
        self._timer.timeout.connect(self.refresh_health)

    @property
    def health(self) -> ServerHealth | None:
        return self._health

    def connect_to(self, address: str, certificate: str = "") -> None:
        """Checks the server (a umt gateway answering over trusted TLS), then uses it."""
        try:
            url, verify = server_address(address), trust_for(certificate)
        except ValueError as exc:
            self.sig_connect_failed.emit(str(exc))
            return
        self._attempt += 1
        attempt = self._attempt

        def probe() -> Any:  # worker thread
            with self._client_factory(url, verify=verify) as client:
                about = client.about()
                return about, client.ready()

        self._session.tasks.run(probe, lambda result: self._on_probe_done(attempt, url, certificate, verify, result),
                                lambda exc: self._on_probe_failed(attempt, exc), "connect to the server")

    def disconnect(self) -> None:
        self._attempt += 1
        self._timer.stop()
        self._set_health(None)
        self._session.use_local_stack()
        self.sig_disconnected.emit()

    def refresh_health(self) -> None:
        health = self._health
        if health is None:
            return
        attempt, verify = self._attempt, self._verify

        def ready() -> Any:  # worker thread
            with self._client_factory(health.url, verify=verify) as client:
                return client.ready()

        self._session.tasks.run(ready, lambda answer: self._on_ready(attempt, answer),
                                lambda exc: self._on_ready_failed(attempt, exc), "ask the server how it is",
                                key="server-health")

    # --- answers (GUI thread) -------------------------------------------------------------------
    def _on_probe_done(self, attempt: int, url: str, certificate: str, verify, result) -> None:
        if attempt != self._attempt:
            return
        about, ready = result
        self._verify = verify
        self._set_health(_health(url, certificate, ready, getattr(about, "version", "")))
        self._session.use_server(url, verify)
        self._timer.start()
        self.sig_connected.emit(url, certificate)

    def _on_probe_failed(self, attempt: int, exc: BaseException) -> None:
        if attempt != self._attempt:
            return
        if isinstance(exc, UntrustedCertificate):
            message = exc.message
        elif isinstance(exc, GatewayUnreachable):
            message = "The server does not answer at this address. Check the address and that the server runs."
        elif isinstance(exc, ApiError):   # something answered, but not as a umt gateway does
            message = f"No umt server answers at this address: {Problem.from_error(exc).message}"
        else:
            message = Problem.from_error(exc).message
        self.sig_connect_failed.emit(message)

    def _on_ready(self, attempt: int, answer: dict) -> None:
        if attempt == self._attempt and self._health is not None:
            self._set_health(_health(self._health.url, _certificate(self._health), answer, self._health.version))

    def _on_ready_failed(self, attempt: int, exc: BaseException) -> None:
        if attempt == self._attempt and self._health is not None:
            message = exc.message if isinstance(exc, UntrustedCertificate) else "The server does not answer."
            self._set_health(ServerHealth(self._health.url, self._health.trust, "unreachable", {},
                                          self._health.version, message))

    def _set_health(self, health: ServerHealth | None) -> None:
        if health != self._health:
            self._health = health
            self.sig_health_changed.emit(health)


SYSTEM_TRUST = "the system's trust store"


def _certificate(health: ServerHealth) -> str:
    return "" if health.trust == SYSTEM_TRUST else health.trust


def _health(url: str, certificate: str, ready: dict, version: str) -> ServerHealth:
    status = str(ready.get("status", "not ready"))
    checks = dict(ready.get("checks") or {})
    failing = [name for name, value in checks.items() if value not in ("ok", True)]
    message = ""
    if status == "degraded":
        message = (f"The server's {' and '.join(failing) or 'agent'} does not answer: your data works, "
                   "drafts, scores and other jobs wait until it is back.")
    elif status != "ready":
        message = f"Not ready: {', '.join(failing) or 'the server says so'}."
    return ServerHealth(url, certificate or SYSTEM_TRUST, status, checks, version, message)


__all__ = ["ServerController", "ServerHealth", "server_address", "trust_for"]
