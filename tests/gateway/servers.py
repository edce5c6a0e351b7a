"""Real servers on loopback for the gateway tests: the gateway itself and a fake agent that
speaks the agent's HTTP contract. Both run under uvicorn in a background thread."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

import uvicorn


class ThreadedServer:
    """`options` go to uvicorn.Config: ssl_certfile and ssl_keyfile make it a real TLS server."""

    def __init__(self, app, port: int, **options) -> None:
        self.port = port
        scheme = "https" if options.get("ssl_certfile") else "http"
        self.url = f"{scheme}://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                http="httptools", loop="asyncio", timeout_graceful_shutdown=1, **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "ThreadedServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def serving(app, port: int) -> Iterator[ThreadedServer]:
    server = ThreadedServer(app, port).start()
    try:
        yield server
    finally:
        server.stop()
