"""The agent's two failures: an input it cannot use (a 4xx naming the field) and a task that
could not be done although the input was fine (a 502). Inputs are checked by umt.contract."""

from __future__ import annotations


class InputError(Exception):
    """A task input the agent cannot use; becomes a 4xx reply with this code, message and field."""

    def __init__(self, field: str, message: str, code: str = "invalid", status: int = 422):
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        self.status = status

    @classmethod
    def from_contract(cls, error) -> "InputError":
        """From umt.contract's ContractError."""
        return cls(error.field or "", error.message)

    def as_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": self.field or None}}


class TaskFailed(Exception):
    """The input was fine but the task could not be done, e.g. the LLM endpoint is down: a 502."""

    def __init__(self, message: str, code: str, status: int = 502):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def as_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": None}}
