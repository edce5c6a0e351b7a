"""Typed errors of the gateway client: one class per thing a caller reacts to differently."""

from __future__ import annotations

from typing import Any, Mapping


class ApiError(Exception):
    """The gateway answered with an error: its status, code, message and the field at fault."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, details: Any = None) -> None:
        super().__init__(f"{message} ({code}, HTTP {status}" + (f", field {field})" if field else ")"))
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details


class Unauthorized(ApiError):
    """Missing, wrong, expired or revoked credentials: sign in again."""


class NotFound(ApiError):
    pass


class ValidationFailed(ApiError):
    """The request was refused as invalid; `field` names the culprit, `details` may list rows."""


class Conflict(ApiError):
    """The request clashes with the current state (an illegal status move, a duplicate, ...)."""


class Locked(ApiError):
    """Too many failed sign-ins; `retry_after` says how many seconds to wait."""

    def __init__(self, *args, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class GatewayUnreachable(ApiError):
    """No answer: the gateway is not running, not listening there, or too slow."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "unreachable", message)


class UntrustedCertificate(GatewayUnreachable):
    """The server's TLS certificate is not trusted (unknown authority, wrong name, expired): the
    connection was refused before anything was sent."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The server's certificate is not trusted: {reason}")
        self.code = "untrusted_certificate"
        self.reason = reason


class JobFailed(ApiError):
    """A job ended as failed; `job` holds the final record with its error."""

    def __init__(self, job) -> None:
        error = job.error
        if error is None:
            super().__init__(0, "job_failed", "the job failed")
        else:
            super().__init__(0, error.code, error.message, error.field, details=error.details)
        self.job = job


def error_from_response(status: int, body: Any, headers: Mapping[str, str]) -> ApiError:
    """`headers` must look names up case-insensitively, as requests' headers do."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {"code": "http_error", "message": f"HTTP {status}"}
    args = (status, str(error.get("code", "http_error")), str(error.get("message", f"HTTP {status}")),
            error.get("field"))
    details = error.get("details")
    if status == 401:
        return Unauthorized(*args, details=details)
    if status == 404:
        return NotFound(*args, details=details)
    if status == 409:
        return Conflict(*args, details=details)
    if status == 429:
        retry = headers.get("Retry-After")
        return Locked(*args, details=details, retry_after=float(retry) if retry and retry.isdigit() else None)
    if status in (400, 413, 415, 422):
        return ValidationFailed(*args, details=details)
    return ApiError(*args, details=details)
