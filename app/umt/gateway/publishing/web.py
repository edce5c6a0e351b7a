"""The one HTTP helper the channels share (standard library only: the image stays small).

Unlike urllib's default, an HTTP error status is an answer, not an exception: channels classify it.
A failure to connect raises `Unreachable` (nothing was sent); a timeout after the request went
out raises `NoAnswer` (it may have been taken)."""

from __future__ import annotations

import json as jsonlib
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any

USER_AGENT = "umt-publisher/1"
DEFAULT_TIMEOUT = 20.0


class Unreachable(Exception):
    """The request never reached the service (refused connection, DNS, TLS handshake): safe to retry."""


class NoAnswer(Exception):
    """The request may have reached the service, but no answer came back in time."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        try:
            return jsonlib.loads(self.body or b"null")
        except ValueError:
            return None

    def text(self, limit: int = 500) -> str:
        return self.body.decode("utf-8", "replace")[:limit]

    def header_seconds(self, *names: str) -> float | None:
        """The first of these headers holding a number of seconds (Retry-After, RateLimit-Reset…)."""
        for name in names:
            value = self.headers.get(name)
            try:
                return max(0.0, float(value)) if value is not None else None
            except ValueError:
                continue
        return None


def request(method: str, url: str, *, json: Any = None, data: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT,
            context: ssl.SSLContext | None = None) -> Response:
    if not url.lower().startswith(("http://", "https://")):
        raise Unreachable(f"not a web address: {url}")
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    if json is not None:
        data = jsonlib.dumps(json).encode()
        all_headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as answer:  # noqa: S310 - http(s) only
            return Response(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.headers, error.read())
    except urllib.error.URLError as error:
        if isinstance(error.reason, (socket.timeout, TimeoutError)):
            raise NoAnswer(f"no answer from {url} within {timeout:g} s") from error
        raise Unreachable(f"could not reach {url}: {error.reason}") from error
    except (socket.timeout, TimeoutError) as error:
        raise NoAnswer(f"no answer from {url} within {timeout:g} s") from error
    except (ConnectionError, OSError) as error:   # reset mid-answer: it may have been taken
        raise NoAnswer(f"the connection to {url} broke: {error}") from error
