"""The contract's building blocks: the record base classes, the constrained value types, and the
one decoder that turns msgspec's errors into the project's (a field path such as
`input.variants[0].exposures` and a message a person can read: "must be at least 0")."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from msgspec import UNSET, Meta, UnsetType

T = TypeVar("T")

# SQL INTEGER (PostgreSQL's is 32-bit): ids and counts stay below it, or the database would refuse
# the value with an error instead of the API with a 422.
MAX_INT = 2**31 - 1
Id = Annotated[int, Meta(ge=1, le=MAX_INT)]
Count = Annotated[int, Meta(ge=0, le=MAX_INT)]
BigCount = Annotated[int, Meta(ge=0, le=10**12)]
# An amount in cents precision that fits NUMERIC(14, 2); rounded to cents on input.
Money = Annotated[float, Meta(ge=0, le=10**12 - 0.01)]
CHANNEL_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
Channel = Annotated[str, Meta(min_length=1, max_length=40, pattern=CHANNEL_PATTERN,
                              description="a channel name such as linkedin, instagram, x, email, blog")]


def text(max_length: int, min_length: int = 0, **meta: Any) -> Any:
    """A string type with limits (a helper so each field reads as one line)."""
    return Annotated[str, Meta(min_length=min_length, max_length=max_length, **meta)]


class Record(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What the API sends back. Unknown fields are refused here too: the client and the gateway
    ship together, so a field one side does not know is a bug the tests should see."""

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self, builtin_types=(datetime, date))


class Input(Record):
    """What the API (or the agent) is sent. Beyond the types and limits msgspec checks, every
    text is checked for NUL characters and lone surrogates (a database cannot store them), and
    date-times without an offset are taken as UTC."""

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str):
                _check_text(name, value)
            elif isinstance(value, datetime):
                setattr(self, name, as_utc(name, value))
            elif isinstance(value, date):
                _check_year(name, value)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, str):
                        _check_text(f"{name}[{index}]", item)
                    elif isinstance(item, datetime):
                        value[index] = as_utc(f"{name}[{index}]", item)


class Page(Record, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Invalid(ValueError):
    """Raised inside a record's __post_init__: `field` is relative to the record (msgspec adds
    where the record sits); the decoder turns it into a ContractError."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"@{field or ''}|{message}")


class ContractError(ValueError):
    """A value that does not fit the contract: `field` is the path to it (None: the whole body)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def as_utc(field: str, value: datetime) -> datetime:
    _check_year(field, value)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _check_year(field: str, value: date) -> None:
    if not 1900 <= value.year <= 9000:
        raise Invalid(field, "year must be between 1900 and 9000")


def _check_text(field: str, value: str) -> None:
    if "\x00" in value:
        raise Invalid(field, "must not contain NUL characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape in the JSON
            raise Invalid(field, "must be valid Unicode text") from None


def unique(field: str, values: list) -> None:
    if len(set(values)) != len(values):
        raise Invalid(field, "must not repeat items")


# --- decoding ------------------------------------------------------------------------------

def decode_json(raw: bytes, type: Any, *, prefix: str = "") -> Any:
    """JSON bytes into `type`; malformed JSON raises msgspec.DecodeError (not a ContractError)."""
    try:
        return msgspec.json.decode(raw, type=type)
    except msgspec.ValidationError as error:
        raise contract_error(error, type, prefix) from None


def convert(value: Any, type: Any, *, prefix: str = "", from_text: bool = False,
            unknown: str = "is not a known field") -> Any:
    """Python data (or, with from_text, a query string's text values) into `type`."""
    try:
        return msgspec.convert(value, type=type, strict=not from_text)
    except msgspec.ValidationError as error:
        raise contract_error(error, type, prefix, unknown) from None


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_TYPE_NAMES = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true or false",
               "array": "a list", "object": "a JSON object", "datetime": "an ISO 8601 date-time",
               "date": "a date YYYY-MM-DD", "null": "null"}
_BOUND_WORDS = {">=": "at least", "<=": "at most", ">": "greater than", "<": "less than"}


def contract_error(error: msgspec.ValidationError, root: Any, prefix: str = "",
                   unknown: str = "is not a known field") -> ContractError:
    match = _AT.match(str(error))
    message, path = match["message"], (match["path"] or "").lstrip(".")
    if message.startswith("@"):  # an Invalid from a __post_init__
        field, _, message = message[1:].partition("|")
        return ContractError(_join(prefix, _join(path, field)) or None, message)
    found = re.fullmatch(r"Object missing required field `(.+)`", message, re.DOTALL)
    if found:
        return ContractError(_join(prefix, _member(path, found[1])), "is required")
    found = re.fullmatch(r"Object contains unknown field `(.+)`", message, re.DOTALL)
    if found:
        return ContractError(_join(prefix, _member(path, found[1])), unknown)
    where = _join(prefix, path) or None
    return ContractError(where, _human(message, root, path))


def _human(message: str, root: Any, path: str) -> str:
    found = re.fullmatch(r"Expected `(.+?)`, got `(.+?)`", message)
    if found:
        wanted = [part.strip() for part in found[1].split("|")]
        if found[2] == "null" and "null" not in wanted:
            return "must not be null"
        names = [_TYPE_NAMES.get(part, part) for part in wanted if part != "null"]
        return "must be " + " or ".join(names)
    found = re.fullmatch(r"Expected `(str|array)` of length (>=|<=) (\d+)", message)
    if found:
        kind, bound, number = found[1], found[2], int(found[3])
        if kind == "str":
            if bound == ">=" and number == 1:
                return "must not be empty"
            return f"must be {_BOUND_WORDS[bound]} {number} characters"
        return f"must have {_BOUND_WORDS[bound]} {number} item" + ("" if number == 1 else "s")
    found = re.fullmatch(r"Expected `(?:int|float)` (>=|<=|>|<) (\S+)", message)
    if found:
        return f"must be {_BOUND_WORDS[found[1]]} {_number(found[2])}"
    found = re.fullmatch(r"Expected `str` matching regex '\^?(.*?)\$?'", message)
    if found:
        return f"must match {found[1]}"
    if message.startswith("Invalid enum value") or message.startswith("Invalid value"):
        choices = _choices(root, path)
        return "must be one of " + ", ".join(choices) if choices else "is not an allowed value"
    if "RFC3339 encoded datetime" in message:
        return "must be an ISO 8601 date-time such as 2026-05-01T09:30:00Z"
    if "RFC3339 encoded date" in message:
        return "must be a date YYYY-MM-DD"
    return message[:1].lower() + message[1:]


def _number(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else text


def _join(path: str, key: str) -> str:
    if not key:
        return path
    if not path or key.startswith("["):
        return f"{path}{key}"
    return f"{path}.{key}"


def _member(path: str, name: str) -> str:
    """A field name (as sent: it may hold any character) after a path."""
    return f"{path}.{name}" if path else name


_SEGMENT = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def _choices(root: Any, path: str) -> list[str]:
    """The allowed values at `path`: a Literal's or an enum's, or a tagged union's tags."""
    info = msgspec.inspect.type_info(root)
    segments = [m[1] or int(m[2]) for m in _SEGMENT.finditer(path)]
    for index, segment in enumerate(segments):
        info = _step(info, segment, last=index == len(segments) - 1)
        if info is None:
            return []
    if isinstance(info, list):  # the tags of a union
        return info
    for candidate in _options(info):
        if isinstance(candidate, msgspec.inspect.LiteralType):
            return [str(v) for v in candidate.values]
        if isinstance(candidate, msgspec.inspect.EnumType):
            return [str(m.value) for m in candidate.cls]
    return []


def _options(info) -> list:
    return list(info.types) if isinstance(info, msgspec.inspect.UnionType) else [info]


def _step(info, segment, last: bool):
    for candidate in _options(info):
        if isinstance(segment, int) and isinstance(candidate, (msgspec.inspect.ListType, msgspec.inspect.SetType)):
            return candidate.item_type
        if isinstance(segment, str) and isinstance(candidate, msgspec.inspect.StructType):
            if last and candidate.tag_field == segment:
                return [str(o.tag) for o in _options(info) if isinstance(o, msgspec.inspect.StructType)]
            for field in candidate.fields:
                if field.encode_name == segment:
                    return field.type
        if isinstance(segment, str) and isinstance(candidate, msgspec.inspect.DictType):
            return candidate.value_type
    return None




def listed(item: Any, max_items: int, min_items: int = 0) -> Any:
    """A list type with a length limit."""
    return Annotated[list[item], Meta(min_length=min_items or None, max_length=max_items)]


def patch_of(record: type) -> type:
    """`record` with every field optional (left out = unchanged), for PATCH: its checks still
    apply to what is sent, and a patch must change at least one field."""
    hints = msgspec.structs.fields(record)

    def __post_init__(self) -> None:
        record.__post_init__(self)
        if all(getattr(self, f.name) is UNSET for f in hints):
            raise Invalid(None, "must change at least one field")

    fields = [(f.name, f.type | UnsetType, UNSET) for f in hints]
    return msgspec.defstruct(record.__name__.removesuffix("Input") + "Patch", fields, bases=(record,),
                             namespace={"__post_init__": __post_init__}, module=record.__module__,
                             kw_only=True, forbid_unknown_fields=True)

__all__ = ["BigCount", "Channel", "ContractError", "Count", "Id", "Input", "Invalid", "MAX_INT", "Money", "Page",
           "Record", "UNSET", "UnsetType", "as_utc", "contract_error", "convert", "decode_json", "listed", "patch_of", "text",
           "unique"]
