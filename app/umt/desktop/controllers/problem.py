"""A failed call in words a view can show: the views never see the client's error types."""

from __future__ import annotations

from dataclasses import dataclass

from umt.client import GatewayUnreachable, Locked
from umt.client.errors import ApiError


@dataclass(frozen=True)
class Problem:
    """Its message (the gateway's own words, as a sentence), the field at fault, and for a lockout
    the seconds to wait."""

    message: str
    field: str | None = None
    retry_after: float | None = None   # locked out: seconds to wait before the next try
    code: str = ""

    @classmethod
    def from_error(cls, exc: BaseException) -> "Problem":
        if isinstance(exc, Locked):
            return cls(_sentence(exc.message), exc.field, exc.retry_after, exc.code)
        if isinstance(exc, GatewayUnreachable):
            return cls("The gateway does not answer. Is the stack running?", None, None, exc.code)
        if isinstance(exc, ApiError):
            return cls(_sentence(exc.message), exc.field, None, exc.code)
        if isinstance(exc, OSError):
            return cls(f"{exc.strerror or exc}.", None, None, "os_error")
        return cls(f"Something went wrong: {exc}", None, None, type(exc).__name__)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return "The gateway refused the request."
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
