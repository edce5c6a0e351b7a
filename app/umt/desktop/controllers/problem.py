"""A failed call (or a failed job's error record) in words a view can show: the views never see the
client's error types."""

from __future__ import annotations

from dataclasses import dataclass

from umt.client import GatewayUnreachable, Locked, UntrustedCertificate
from umt.client.errors import ApiError
from umt.contract import JobError


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
        if isinstance(exc, UntrustedCertificate):
            return cls(_sentence(exc.message), None, None, exc.code)
        if isinstance(exc, GatewayUnreachable):
            return cls("The gateway does not answer. Is the stack running?", None, None, exc.code)
        if isinstance(exc, ApiError):
            return cls(_sentence(exc.message), _form_field(exc.field), None, exc.code)
        if isinstance(exc, OSError):
            return cls(f"{exc.strerror or exc}.", None, None, "os_error")
        return cls(f"Something went wrong: {exc}", None, None, type(exc).__name__)

    @classmethod
    def from_job_error(cls, error: JobError | None) -> "Problem":
        """Why a job failed, from its error record (None: the job gave no reason)."""
        if error is None:
            return cls("The job failed.", None, None, "job_failed")
        return cls(_sentence(error.message or "the job failed"), _form_field(error.field), None, error.code)


def _form_field(path: str | None) -> str | None:
    # A job's input names its fields `input.<name>`: the form that sent it knows `<name>`.
    return path.removeprefix("input.") if path else path


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return "The gateway refused the request."
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
