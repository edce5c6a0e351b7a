"""Exports (CSV, JSON, iCalendar) and the all-or-nothing CSV import of metrics."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine

from umt.contract import ContractError, MetricInput, convert
from umt.gateway import resources, tables as t
from umt.gateway.crud import Resource, to_json
from umt.gateway.db import as_utc, reading, writing
from umt.gateway.errors import ApiError

EXPORTABLE: dict[str, Resource] = {r.name: r for r in resources.ALL}
MAX_IMPORT_ROWS = 50_000
METRIC_COLUMNS = ("content_id", "day", "impressions", "clicks", "engagements", "conversions", "spend")


def export_rows(engine: Engine, resource: Resource) -> list[dict[str, Any]]:
    with reading(engine) as connection:
        rows = connection.execute(select(resource.table).order_by(resource.table.c.id)).all()
    return [to_json(r) for r in rows]


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # A spreadsheet would run it as a formula (CSV injection): a leading quote keeps it text.
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]], columns: Iterable[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = list(columns)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
    return buffer.getvalue()


# --- iCalendar (RFC 5545) ------------------------------------------------------------------

_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13)) | {127: None}


def _ical_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped; other control characters,
    which the format does not allow, dropped."""
    value = value.translate(_CONTROL)
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF and one space,
    never splitting a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current)
            current = b""
        current += encoded
    out.append(current)
    return "\r\n ".join(part.decode("utf-8") for part in out)


def _ical_time(value: datetime) -> str:
    return as_utc(value).strftime("%Y%m%dT%H%M%SZ")


def calendar(rows: list, host: str = "umt.local") -> str:
    now = _ical_time(t.utcnow())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Ultimate Marketing Team//umt//EN", "CALSCALE:GREGORIAN"]
    for row in rows:
        lines += [
            "BEGIN:VEVENT",
            f"UID:content-{row.id}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_ical_time(row.scheduled_at)}",
            "DURATION:PT15M",
            f"SUMMARY:{_ical_text(f'[{row.channel}] {row.title}')}",
            f"DESCRIPTION:{_ical_text(row.body)}",
            f"CATEGORIES:{_ical_text(row.channel)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


# --- metrics import ------------------------------------------------------------------------

def parse_metrics_csv(raw: bytes) -> list[dict[str, Any]]:
    """Every row checked before anything is written; all errors reported at once (up to 100)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "bad_csv", "the CSV must be UTF-8 text", "body") from None
    if "\x00" in text:
        raise ApiError(400, "bad_csv", "the CSV contains NUL bytes", "body")
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ApiError(400, "bad_csv", f"unreadable CSV: {exc}", "body") from None
    if not table or not [c for c in table[0] if c.strip()]:
        raise ApiError(400, "bad_csv", "the CSV is empty; the first line must name the columns", "body")
    header = [c.strip().lower() for c in table[0]]
    unknown = [c for c in header if c not in METRIC_COLUMNS]
    if unknown:
        raise ApiError(400, "bad_csv", f"unknown column {unknown[0]!r}; the columns are {', '.join(METRIC_COLUMNS)}",
                       unknown[0])
    for needed in ("content_id", "day"):
        if needed not in header:
            raise ApiError(400, "bad_csv", f"the column {needed} is required", needed)
    if len(set(header)) != len(header):
        raise ApiError(400, "bad_csv", "a column is named twice", "body")
    if len(table) - 1 > MAX_IMPORT_ROWS:
        raise ApiError(413, "too_many_rows", f"at most {MAX_IMPORT_ROWS} rows per import", "body")
    parsed, errors, seen = [], [], {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append({"row": number, "field": None, "message": f"has {len(cells)} cells, expected {len(header)}"})
            continue
        try:  # an empty cell of an optional column takes the column's default
            row = convert({column: cell.strip() for column, cell in zip(header, cells)
                           if cell.strip() or column in ("content_id", "day")}, MetricInput, from_text=True).to_dict()
        except ContractError as exc:
            errors.append({"row": number, "field": exc.field, "message": exc.message})
            continue
        key = (row["content_id"], row["day"])
        if key in seen:
            errors.append({"row": number, "field": "day",
                           "message": f"repeats content {key[0]} on {key[1]} (row {seen[key]})"})
            continue
        seen[key] = number
        parsed.append({**row, "_row": number})
    if errors:
        raise _import_failed(errors)
    if not parsed:
        raise ApiError(400, "bad_csv", "the CSV has a header but no rows", "body")
    return parsed


def import_metrics(engine: Engine, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert or replace each (content, day) row, in one transaction: all rows or none."""
    metrics = t.metrics
    with writing(engine) as connection:
        ids = {r["content_id"] for r in rows}
        existing_content = set(connection.execute(
            select(t.content_items.c.id).where(t.content_items.c.id.in_(ids))).scalars())
        errors = [{"row": r["_row"], "field": "content_id", "message": f"no content item has id {r['content_id']}"}
                  for r in rows if r["content_id"] not in existing_content]
        if errors:
            raise _import_failed(errors)
        present = {(r.content_id, r.day): r.id for r in connection.execute(
            select(metrics.c.id, metrics.c.content_id, metrics.c.day).where(metrics.c.content_id.in_(ids)))}
        new, changed = [], []
        for row in rows:
            values = {k: v for k, v in row.items() if k != "_row"}
            row_id = present.get((row["content_id"], row["day"]))
            if row_id is None:
                new.append(values)
            else:
                changed.append({**values, "_id": row_id})
        # One statement per kind, executed for many rows: 50,000 rows in about a second.
        if new:
            connection.execute(metrics.insert(), new)
        if changed:
            columns = [c for c in METRIC_COLUMNS if c not in ("content_id", "day")]
            connection.execute(metrics.update().where(metrics.c.id == bindparam("_id"))
                               .values({c: bindparam(c) for c in columns}), changed)
    return {"inserted": len(new), "updated": len(changed)}


def _import_failed(errors: list[dict[str, Any]]) -> ApiError:
    first = errors[0]
    return ApiError(422, "import_failed",
                    f"{len(errors)} row(s) are invalid, nothing was imported; row {first['row']}: "
                    f"{first['field'] or 'row'} {first['message']}", first["field"], details=errors[:100])
