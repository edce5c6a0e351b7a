"""A small validation layer: field types that check JSON input, name the bad field, and describe
themselves as JSON Schema for the OpenAPI document (so the document cannot drift from the code).

pydantic would do this too, at several times the memory; the API's needs are this small."""

from __future__ import annotations

import math
from dataclasses import dataclass, field as dataclass_field
from datetime import date, datetime, timezone
from typing import Any

from umt.gateway.errors import ValidationFailed

_MISSING = object()
# SQL INTEGER (PostgreSQL's is 32-bit): ids and counts stay below it, or the database would refuse
# the value with an error instead of the API with a 422.
MAX_INT = 2**31 - 1


class Field:
    """One value's type and limits. `parse` returns the clean Python value or raises."""

    json_type = "string"

    def __init__(self, *, required: bool = False, nullable: bool = False, default: Any = _MISSING,
                 description: str = "") -> None:
        self.required = required
        self.nullable = nullable
        self.default = default
        self.description = description

    def parse(self, value: Any, path: str) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise ValidationFailed(path, "must not be null")
        return self.check(value, path)

    def check(self, value: Any, path: str) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def parse_text(self, text: str, path: str) -> Any:
        """Parse a query-string or CSV value (always text)."""
        return self.parse(text, path)

    def json_schema(self) -> dict[str, Any]:
        schema = self.own_schema()
        if self.nullable:
            schema = {**schema, "nullable": True}
        if self.description:
            schema["description"] = self.description
        return schema

    def own_schema(self) -> dict[str, Any]:
        return {"type": self.json_type}


class Str(Field):
    def __init__(self, *, min_length: int = 0, max_length: int = 200, pattern: str | None = None, **kw) -> None:
        super().__init__(**kw)
        self.min_length, self.max_length, self.pattern = min_length, max_length, pattern

    def check(self, value, path):
        if not isinstance(value, str):
            raise ValidationFailed(path, "must be a string")
        if "\x00" in value:
            raise ValidationFailed(path, "must not contain NUL characters")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape in the JSON
                raise ValidationFailed(path, "must be valid Unicode text") from None
        if len(value) < self.min_length:
            raise ValidationFailed(path, "must not be empty" if self.min_length == 1
                                   else f"must be at least {self.min_length} characters")
        if len(value) > self.max_length:
            raise ValidationFailed(path, f"must be at most {self.max_length} characters")
        if self.pattern:
            import re

            if not re.fullmatch(self.pattern, value):
                raise ValidationFailed(path, f"must match {self.pattern}")
        return value

    def own_schema(self):
        schema: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.pattern:
            schema["pattern"] = f"^{self.pattern}$"
        return schema


class Email(Str):
    def __init__(self, **kw) -> None:
        super().__init__(min_length=3, max_length=254, **kw)

    def check(self, value, path):
        value = super().check(value, path).strip().lower()
        local, at, domain = value.partition("@")
        if not at or not local or "." not in domain or any(c.isspace() for c in value):
            raise ValidationFailed(path, "must be an email address")
        return value

    def own_schema(self):
        return {"type": "string", "format": "email", "maxLength": self.max_length}


class Enum(Field):
    def __init__(self, *choices: str, **kw) -> None:
        super().__init__(**kw)
        self.choices = choices

    def check(self, value, path):
        if value not in self.choices:
            raise ValidationFailed(path, "must be one of " + ", ".join(self.choices))
        return value

    def own_schema(self):
        return {"type": "string", "enum": list(self.choices)}


class Int(Field):
    json_type = "integer"

    def __init__(self, *, minimum: int | None = None, maximum: int | None = MAX_INT, **kw) -> None:
        super().__init__(**kw)
        self.minimum, self.maximum = minimum, maximum

    def check(self, value, path):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationFailed(path, "must be an integer")
        return self.check_range(value, path)

    def check_range(self, value, path):
        if self.minimum is not None and value < self.minimum:
            raise ValidationFailed(path, f"must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise ValidationFailed(path, f"must be at most {self.maximum}")
        return value

    def parse_text(self, text, path):
        try:
            number = int(text.strip())
        except ValueError:
            raise ValidationFailed(path, "must be an integer") from None
        return self.parse(number, path)

    def own_schema(self):
        schema: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


class Number(Int):
    json_type = "number"

    def check(self, value, path):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValidationFailed(path, "must be a finite number")
        return self.check_range(value, path)

    def parse_text(self, text, path):
        try:
            number = float(text.strip())
        except ValueError:
            raise ValidationFailed(path, "must be a number") from None
        return self.parse(number, path)

    def own_schema(self):
        return {**super().own_schema(), "type": "number"}


class Money(Number):
    """An amount in cents precision that fits NUMERIC(14, 2): rounded first, then range-checked."""

    def __init__(self, **kw) -> None:
        super().__init__(minimum=0, maximum=10**12 - 0.01, **kw)

    def check(self, value, path):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            value = round(value, 2)
        return super().check(value, path)


class Bool(Field):
    json_type = "boolean"

    def check(self, value, path):
        if not isinstance(value, bool):
            raise ValidationFailed(path, "must be true or false")
        return value


class DateTime(Field):
    """An ISO 8601 time; naive times are taken as UTC. Returned as an aware UTC datetime."""

    def check(self, value, path):
        if not isinstance(value, str):
            raise ValidationFailed(path, "must be an ISO 8601 date-time string")
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValidationFailed(path, "must be an ISO 8601 date-time such as 2026-05-01T09:30:00Z") from None
        if not 1900 <= parsed.year <= 9000:
            raise ValidationFailed(path, "year must be between 1900 and 9000")
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)

    def own_schema(self):
        return {"type": "string", "format": "date-time"}


class Date(Field):
    def check(self, value, path):
        if not isinstance(value, str):
            raise ValidationFailed(path, "must be a date string YYYY-MM-DD")
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationFailed(path, "must be a date YYYY-MM-DD") from None
        if not 1900 <= parsed.year <= 9000:
            raise ValidationFailed(path, "year must be between 1900 and 9000")
        return parsed

    def own_schema(self):
        return {"type": "string", "format": "date"}


class List(Field):
    json_type = "array"

    def __init__(self, item: Field, *, max_items: int = 100, unique: bool = False, **kw) -> None:
        super().__init__(**kw)
        self.item, self.max_items, self.unique = item, max_items, unique

    def check(self, value, path):
        if not isinstance(value, list):
            raise ValidationFailed(path, "must be a list")
        if len(value) > self.max_items:
            raise ValidationFailed(path, f"must have at most {self.max_items} items")
        items = [self.item.parse(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if self.unique and len({repr(i) for i in items}) != len(items):
            raise ValidationFailed(path, "must not repeat items")
        return items

    def own_schema(self):
        schema = {"type": "array", "items": self.item.json_schema(), "maxItems": self.max_items}
        if self.unique:
            schema["uniqueItems"] = True
        return schema


class AnyObject(Field):
    """A free-form JSON object (agent task input and results)."""

    json_type = "object"

    def check(self, value, path):
        if not isinstance(value, dict):
            raise ValidationFailed(path, "must be a JSON object")
        return value

    def own_schema(self):
        return {"type": "object", "additionalProperties": True}


@dataclass
class Schema(Field):
    """A JSON object with known fields. Unknown fields are refused, so typos do not pass silently."""

    name: str = ""
    fields: dict[str, Field] = dataclass_field(default_factory=dict)

    def __post_init__(self) -> None:
        Field.__init__(self)

    def parse(self, value: Any, path: str = "", *, partial: bool = False) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationFailed(path or None, "must be a JSON object")
        unknown = sorted(set(value) - set(self.fields))
        if unknown:
            raise ValidationFailed(_join(path, unknown[0]), "is not a known field")
        clean: dict[str, Any] = {}
        for key, spec in self.fields.items():
            where = _join(path, key)
            if key in value:
                clean[key] = spec.parse(value[key], where)
            elif partial:
                continue
            elif spec.required:
                raise ValidationFailed(where, "is required")
            elif spec.default is not _MISSING:
                clean[key] = spec.default() if callable(spec.default) else spec.default
        if partial and not clean:
            raise ValidationFailed(path or None, "must change at least one field")
        return clean

    def parse_query(self, params) -> dict[str, Any]:
        """Query-string parameters: every value is text, unknown ones are refused."""
        unknown = sorted(set(params.keys()) - set(self.fields))
        if unknown:
            raise ValidationFailed(unknown[0], "is not a known query parameter")
        clean: dict[str, Any] = {}
        for key, spec in self.fields.items():
            if key in params:
                clean[key] = spec.parse_text(params[key], key)
            elif spec.required:
                raise ValidationFailed(key, "is required")
            elif spec.default is not _MISSING:
                clean[key] = spec.default
        return clean

    def json_schema(self) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{self.name}"}

    def component(self) -> dict[str, Any]:
        required = [k for k, f in self.fields.items() if f.required]
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {k: f.json_schema() for k, f in self.fields.items()},
            "additionalProperties": False,
        }
        if required:
            schema["required"] = required
        return schema

    def nested(self) -> list["Schema"]:
        found = []
        for spec in self.fields.values():
            inner = spec.item if isinstance(spec, List) else spec
            if isinstance(inner, Schema):
                found += [inner, *inner.nested()]
        return found


def obj(schema_name: str, /, **fields: Field) -> Schema:
    return Schema(name=schema_name, fields=fields)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
