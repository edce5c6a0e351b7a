"""A pass-through HTTP proxy on 127.0.0.1 in front of a real server, which can hold the answer to
one kind of request after the server has handled it: a sender killed while waiting for it is a
sender killed mid-send, after the service took the post."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from umt.gateway.publishing import web

SKIPPED_HEADERS = {"host", "content-length", "connection", "transfer-encoding"}


class HoldingProxy:
    def __init__(self, upstream: str, hold_path: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.hold_path = hold_path          # e.g. "/xrpc/com.atproto.repo.putRecord"
        self.holding = threading.Event()    # set: hold answers to hold_path
        self.held = threading.Event()       # set once such a request reached the server
        self.release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "HoldingProxy":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in SKIPPED_HEADERS}
                answer = web.request(self.command, proxy.upstream + self.path, data=body or None, headers=headers)
                if proxy.holding.is_set() and self.path.startswith(proxy.hold_path):
                    proxy.held.set()
                    proxy.release.wait(timeout=60)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    if name.lower() not in SKIPPED_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = _forward

        return Handler
