"""A Mastodon double: a small real HTTP server on 127.0.0.1 that keeps the documented contract of
the calls the channel makes (no Mastodon server installs here).

- POST /api/v1/statuses: Idempotency-Key remembered per account for an hour, answered with the
  original status; 422 {"error": …} over the character limit (URLs count 23) or with unprocessed
  media; every answer carries X-RateLimit-Limit/Remaining/Reset (an ISO time), 429 when spent.
- POST /api/v2/media: 200 when processed at once, else 202 with url null; GET /api/v1/media/:id
  answers 206 while processing, then 200.
- GET /api/v2/instance (configuration.statuses.max_characters), GET /api/v1/accounts/verify_credentials.
- 401 {"error": "The access token is invalid"} for an unknown token."""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

IDEMPOTENCY_TTL = timedelta(hours=1)
URL = re.compile(r"https?://\S+")


@dataclass
class AccountState:
    username: str
    statuses: list[dict] = field(default_factory=list)
    remembered: dict[str, tuple[datetime, dict]] = field(default_factory=dict)   # Idempotency-Key → status
    used: int = 0
    window_ends: datetime | None = None


class MastodonDouble:
    def __init__(self, max_characters: int = 500, rate_limit: int = 300, rate_window: timedelta = timedelta(minutes=5),
                 processing_polls: int = 2) -> None:
        self.max_characters = max_characters
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.processing_polls = processing_polls     # media over 1 KB: 202, then 206 this many times
        self.clock_offset = timedelta()              # tests move the double's time forward
        self.fail_next: list[int] = []               # statuses to answer the next status posts with
        self.hold = threading.Event()                # while set, a status post is stored but not answered
        self.held = threading.Event()                # set when a held post arrived
        self.release = threading.Event()
        self.accounts: dict[str, AccountState] = {}
        self.media: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.idempotency_keys: list[str | None] = []    # of every status post, in order
        self._ids = itertools.count(109_000_000_000_000_001)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "MastodonDouble":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def add_account(self, username: str, token: str) -> AccountState:
        self.accounts[token] = AccountState(username)
        return self.accounts[token]

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.clock_offset

    def statuses(self, username: str) -> list[dict]:
        return next(a.statuses for a in self.accounts.values() if a.username == username)

    # --- the contract -------------------------------------------------------------------------

    def _rate(self, account: AccountState) -> tuple[bool, dict[str, str]]:
        now = self.now()
        if account.window_ends is None or now >= account.window_ends:
            account.used, account.window_ends = 0, now + self.rate_window
        account.used += 1
        allowed = account.used <= self.rate_limit
        headers = {"X-RateLimit-Limit": str(self.rate_limit),
                   "X-RateLimit-Remaining": str(max(0, self.rate_limit - account.used)),
                   "X-RateLimit-Reset": account.window_ends.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
        return allowed, headers

    def _length(self, text: str) -> int:
        return len(URL.sub("x" * 23, text))

    def _status(self, account: AccountState, form: dict[str, Any], key: str | None) -> tuple[int, dict]:
        now = self.now()
        if key and key in account.remembered:
            when, status = account.remembered[key]
            if now - when < IDEMPOTENCY_TTL:
                return 200, status
        text = str(form.get("status") or "")
        media_ids = [str(m) for m in form.get("media_ids") or []]
        if not text and not media_ids:
            return 422, {"error": "Validation failed: Text can't be blank"}
        if self._length(text) > self.max_characters:
            return 422, {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"}
        if any(self.media.get(m, {}).get("account") != account.username for m in media_ids):
            return 422, {"error": "Validation failed: Media attachments are invalid"}
        if any(self.media[m]["polls_left"] > 0 for m in media_ids):
            return 422, {"error": "Cannot attach files that have not finished processing. Try again in a moment!"}
        status_id = str(next(self._ids))
        status = {"id": status_id, "created_at": now.isoformat(), "content": f"<p>{text}</p>", "text": text,
                  "url": f"{self.url}/@{account.username}/{status_id}", "visibility": form.get("visibility", "public"),
                  "media_attachments": [self._media_json(m) for m in media_ids]}
        account.statuses.append(status)
        if key:
            account.remembered[key] = (now, status)
        return 200, status

    def _media_json(self, media_id: str) -> dict:
        item = self.media[media_id]
        ready = item["polls_left"] <= 0
        return {"id": media_id, "type": "image", "description": item["description"],
                "url": f"{self.url}/system/{media_id}.png" if ready else None}

    def _handler(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json; charset=utf-8", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _account(self) -> AccountState | None:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                return double.accounts.get(token)

            def _form(self) -> dict[str, Any]:
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = self.headers.get("Content-Type") or ""
                if kind.startswith("application/json"):
                    return json.loads(data or b"{}")
                if kind.startswith("multipart/form-data"):
                    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + data)
                    return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                            for part in message.iter_parts()}
                return {}

            def do_GET(self) -> None:
                double.requests.append(("GET", self.path))
                if self.path == "/api/v2/instance":
                    return self._answer(200, {"domain": "double.test", "version": "4.3.0", "configuration": {
                        "statuses": {"max_characters": double.max_characters, "max_media_attachments": 4,
                                     "characters_reserved_per_url": 23},
                        "media_attachments": {"image_size_limit": 16_777_216}}})
                account = self._account()
                if account is None:
                    return self._answer(401, {"error": "The access token is invalid"})
                if self.path == "/api/v1/accounts/verify_credentials":
                    return self._answer(200, {"id": "1", "username": account.username, "acct": account.username})
                if match := re.fullmatch(r"/api/v1/media/(\d+)", self.path):
                    item = double.media.get(match.group(1))
                    if item is None or item["account"] != account.username:
                        return self._answer(404, {"error": "Record not found"})
                    item["polls_left"] -= 1
                    return self._answer(206 if item["polls_left"] > 0 else 200, double._media_json(match.group(1)))
                self._answer(404, {"error": "Not found"})

            def do_POST(self) -> None:
                double.requests.append(("POST", self.path))
                form = self._form()
                account = self._account()
                if account is None:
                    return self._answer(401, {"error": "The access token is invalid"})
                with double._lock:
                    allowed, rate = double._rate(account)
                    if not allowed:
                        return self._answer(429, {"error": "Too many requests"}, rate)
                    if self.path == "/api/v2/media":
                        file = form.get("file") or b""
                        if not file:
                            return self._answer(422, {"error": "Validation failed: File can't be blank"}, rate)
                        media_id = str(next(double._ids))
                        polls = double.processing_polls + 1 if len(file) > 1024 else 0
                        double.media[media_id] = {"account": account.username, "polls_left": polls,
                                                  "description": (form.get("description") or b"").decode()}
                        return self._answer(202 if polls else 200, double._media_json(media_id), rate)
                    if self.path != "/api/v1/statuses":
                        return self._answer(404, {"error": "Not found"}, rate)
                    if double.fail_next:
                        return self._answer(double.fail_next.pop(0), {"error": "Something went wrong"}, rate)
                    double.idempotency_keys.append(self.headers.get("Idempotency-Key"))
                    code, body = double._status(account, form, self.headers.get("Idempotency-Key"))
                if double.hold.is_set():        # stored; the answer waits (a sender killed mid-send)
                    double.held.set()
                    double.release.wait(timeout=60)
                self._answer(code, body, rate)

        return Handler
