"""The one error shape of the API: {"error": {"code", "message", "field"}} with a 4xx status."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Raised anywhere in the gateway; the app turns it into the JSON error reply."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, *,
                 details: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "field": self.field}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class ValidationFailed(ApiError):
    def __init__(self, field: str | None, message: str, *, details: Any = None) -> None:
        super().__init__(422, "invalid", message, field, details=details)


class NotFound(ApiError):
    def __init__(self, what: str, field: str | None = "id") -> None:
        super().__init__(404, "not_found", f"{what} not found", field)


class Conflict(ApiError):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(409, code, message, field)


class Unauthorized(ApiError):
    def __init__(self, message: str = "a valid bearer token is required", code: str = "unauthorized",
                 field: str | None = "Authorization") -> None:
        super().__init__(401, code, message, field, headers={"WWW-Authenticate": "Bearer"})
