"""A real local HTTP server standing in for a webhook receiver (Discord, Slack, Zapier, n8n): it
records every request and answers from a script the test sets (status, headers, body; or holds
the request open until the test lets it go)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.conftest import free_port


@dataclass
class Answer:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None   # the answer waits until this is set


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float = 0.0   # time.monotonic() when it arrived

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class WebhookTarget:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.received: list[Received] = []
        self.script: list[Answer] = []         # answers for the next requests, in order
        # Answers for the next requests to one path, first: for deliveries sent concurrently.
        self.script_by_path: dict[str, list[Answer]] = {}
        self.default = Answer(200, {"ok": True})
        self.arrived = threading.Event()       # set when a request has arrived
        self._lock = threading.Lock()
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                   self.rfile.read(length), time.monotonic())
                with target._lock:
                    target.received.append(request)
                    for_path = target.script_by_path.get(self.path.split("?")[0])
                    if for_path:
                        answer = for_path.pop(0)
                    else:
                        answer = target.script.pop(0) if target.script else target.default
                target.arrived.set()
                if answer.hold is not None:
                    answer.hold.wait(60)
                body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass   # the client went away (a killed gateway)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "WebhookTarget":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def posts(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.method == "POST"]

    def event_ids(self) -> list[str]:
        """The Idempotency-Key of every event POSTed (pings of "test connection" left out)."""
        return [r.headers.get("idempotency-key", "") for r in self.posts()
                if not r.headers.get("idempotency-key", "").startswith("ping-")]
