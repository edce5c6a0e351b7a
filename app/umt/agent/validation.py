"""Reading task inputs: every bad value becomes an InputError that names its dotted field path.

Unknown fields are ignored on purpose: the gateway forwards whole database rows (with ids and
timestamps) as brands and campaigns, and those extra keys are not mistakes."""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import Any

_MISSING = object()


class InputError(Exception):
    """A task input the agent cannot use; becomes a 4xx reply with this code, message and field."""

    def __init__(self, field: str, message: str, code: str = "invalid_value", status: int = 422):
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        self.status = status

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


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


class Fields:
    """One JSON object of a task input; `path` is where it sits in the whole input."""

    def __init__(self, data: Any, path: str = ""):
        if not isinstance(data, dict):
            raise InputError(path, f"must be an object, got {_kind(data)}", "wrong_type")
        self.data = data
        self.path = path

    def where(self, name: str | int) -> str:
        return f"{self.path}.{name}" if self.path else str(name)

    def _get(self, name: str, default: Any) -> Any:
        value = self.data.get(name)
        if value is None:
            if default is _MISSING:
                raise InputError(self.where(name), "is required", "missing_field")
            return default
        return value

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def text(self, name: str, default: Any = _MISSING, *, max_length: int = 5000,
             allow_empty: bool = False, choices: tuple[str, ...] | None = None) -> Any:
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        return check_text(value, self.where(name), max_length=max_length, allow_empty=allow_empty, choices=choices)

    def integer(self, name: str, default: Any = _MISSING, *, minimum: int | None = None,
                maximum: int | None = None) -> Any:
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(self.where(name), f"must be a whole number, got {_kind(value)}", "wrong_type")
        _check_range(value, self.where(name), minimum, maximum)
        return value

    def number(self, name: str, default: Any = _MISSING, *, minimum: float | None = None,
               maximum: float | None = None, above: float | None = None, below: float | None = None) -> Any:
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(self.where(name), f"must be a number, got {_kind(value)}", "wrong_type")
        _check_range(value, self.where(name), minimum, maximum)
        if above is not None and not value > above:
            raise InputError(self.where(name), f"must be greater than {above}", "out_of_range")
        if below is not None and not value < below:
            raise InputError(self.where(name), f"must be less than {below}", "out_of_range")
        return float(value)

    def boolean(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if not isinstance(value, bool):
            raise InputError(self.where(name), f"must be true or false, got {_kind(value)}", "wrong_type")
        return value

    def items(self, name: str, default: Any = _MISSING, *, min_items: int = 0, max_items: int = 1000) -> Any:
        """The raw list under `name` and each item's path; callers check the items."""
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, list):
            raise InputError(self.where(name), f"must be a list, got {_kind(value)}", "wrong_type")
        if len(value) < min_items:
            raise InputError(self.where(name), f"needs at least {min_items} item(s)", "too_few")
        if len(value) > max_items:
            raise InputError(self.where(name), f"takes at most {max_items} items", "too_many")
        return [(item, f"{self.where(name)}.{index}") for index, item in enumerate(value)]

    def texts(self, name: str, *, min_items: int = 0, max_items: int = 100, max_length: int = 2000) -> list[str]:
        if not self.has(name) and min_items == 0:
            return []
        listed = self.items(name, min_items=min_items, max_items=max_items)
        return [check_text(item, path, max_length=max_length) for item, path in listed]

    def objects(self, name: str, default: Any = _MISSING, *, min_items: int = 0, max_items: int = 1000) -> Any:
        listed = self.items(name, default, min_items=min_items, max_items=max_items)
        if listed is default and default is not _MISSING:
            return default
        return [Fields(item, path) for item, path in listed]

    def object(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        return Fields(value, self.where(name))

    def moment(self, name: str, default: Any = _MISSING) -> Any:
        """An ISO-8601 date-time as an aware UTC datetime; one without an offset is taken as UTC."""
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        return parse_moment(value, self.where(name))

    def day_or_moment(self, name: str, default: Any = _MISSING) -> Any:
        """An ISO date (a calendar day) or an ISO date-time, returned as given: date or datetime."""
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        text = check_text(value, self.where(name), max_length=40)
        if len(text) == 10:
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise InputError(self.where(name), f"is not an ISO date: {text!r}", "bad_date") from None
        return parse_moment(text, self.where(name))

    def channel(self, name: str) -> str:
        """A channel the agent has rules for, by its key or a common alias (twitter, email, ...)."""
        from umt.agent.channels import CHANNEL_KEYS, resolve_channel

        text = self.text(name, max_length=50)
        key = resolve_channel(text)
        if key is None:
            raise InputError(self.where(name), f"{text!r} is not a channel the agent knows; use one of "
                             f"{', '.join(CHANNEL_KEYS)}", "unknown_channel")
        return key

    def timezone(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        return parse_timezone(value, self.where(name))


def check_text(value: Any, path: str, *, max_length: int = 5000, allow_empty: bool = False,
               choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str):
        raise InputError(path, f"must be a string, got {_kind(value)}", "wrong_type")
    value = value.strip()
    if not value and not allow_empty:
        raise InputError(path, "must not be empty", "empty")
    if len(value) > max_length:
        raise InputError(path, f"is {len(value)} characters long; the limit is {max_length}", "too_long")
    if choices is not None and value not in choices:
        raise InputError(path, f"must be one of {', '.join(choices)}; got {value!r}", "not_allowed")
    return value


def _check_range(value: float, path: str, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise InputError(path, f"must be at least {minimum}, got {value}", "out_of_range")
    if maximum is not None and value > maximum:
        raise InputError(path, f"must be at most {maximum}, got {value}", "out_of_range")


def parse_moment(value: Any, path: str) -> datetime:
    text = check_text(value, path, max_length=40)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError(path, f"is not an ISO-8601 date-time: {text!r}", "bad_datetime") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_timezone(value: Any, path: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = check_text(value, path, max_length=64)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(path, f"is not an IANA time zone name (like Europe/Berlin): {name!r}", "bad_timezone") from None
