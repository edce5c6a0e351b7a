"""The open export: everything the owner made as one zip archive of JSON and CSV files with a
README of the format, and the import that restores such an archive into an empty install.

The JSON files are the archive's truth (the import reads them); each has a CSV twin for
spreadsheets. Ids are the exporting install's; the import gives every row a new id and rewrites
the references with the same mapping, all in one transaction: everything or nothing. Accounts,
sessions and jobs are not part of it: the owner signs in to the new install as its own owner.
Channel accounts travel without their credentials: imported, they wait for a reconnect."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Date, DateTime, Numeric, Table, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError

import umt
from umt.contract import STATUSES, ContractError, convert
from umt.gateway import migrations, resources, tables as t
from umt.gateway.crud import Resource, to_json
from umt.gateway.db import reading
from umt.gateway.errors import ApiError, Conflict
from umt.gateway.exports import to_csv

FORMAT = "umt-archive"
FORMAT_VERSION = 1
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024  # a zip bomb is refused before anything is unpacked


@dataclass(frozen=True)
class Part:
    """One file pair of the archive: `name`.json and `name`.csv, from `table`."""
    name: str
    table: Table
    references: dict[str, str]           # column → the part whose ids it holds
    resource: Resource | None = None     # its contract input checks the owner's fields on import
    omitted: tuple[str, ...] = ()        # columns never written out (secrets, leases)
    on_import: dict[str, Any] = field(default_factory=dict)  # values an imported row gets instead

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.table.columns if c.name not in self.omitted]


# In dependency order: a part only refers to parts before it.
PARTS = (
    Part("brands", t.brands, {}, resources.brands),
    Part("campaigns", t.campaigns, {"brand_id": "brands"}, resources.campaigns),
    Part("content", t.content_items, {"brand_id": "brands", "campaign_id": "campaigns"}, resources.content),
    Part("content_versions", t.content_versions, {"content_id": "content"}),
    Part("experiments", t.experiments, {"campaign_id": "campaigns", "content_id": "content"}, resources.experiments),
    Part("metrics", t.metrics, {"content_id": "content"}, resources.metrics),
    Part("channel_accounts", t.channel_accounts, {}, omitted=("credentials_encrypted",),
         on_import={"status": "needs_reconnect",
                    "last_error": "imported from an archive without its credentials: reconnect it"}),
    Part("recipients", t.recipients, {"channel_id": "channel_accounts"}),
    Part("deliveries", t.deliveries, {"content_id": "content", "channel_id": "channel_accounts"},
         omitted=("lease_owner", "lease_expires_at")),
)

README = """# A umt archive (format {format_version})

Everything one umt install held of the owner's work, written by umt {version} on {exported_at}.
Open the CSV files in a spreadsheet; read the JSON files with any program. `umt import` (or
POST /api/v1/import/archive) restores the archive into an empty umt install.

## Files

- `manifest.json`: {{"format": "umt-archive", "format_version", "umt_version", "schema_version",
  "exported_at", "counts": {{file name: rows}}}}.
- For each kind of data, `NAME.json` (`{{"items": [row, ...]}}`) and `NAME.csv` (a header row, then
  one line per row; lists and objects as JSON text; empty cell = no value; a text starting with
  = + - @ is written with a leading ' so that a spreadsheet does not run it as a formula). The
  JSON file is the one the import reads.

| file | one row is | refers to |
|---|---|---|
{table}

Every row has the `id` it had in the exporting install; the columns ending in `_id` hold such ids
(empty when the referred row was deleted). An import gives the rows new ids and rewrites these
references consistently. Times are UTC in ISO 8601 (`2026-03-01T09:00:00Z`), days `YYYY-MM-DD`,
money a decimal number with two places.

## Columns

{columns}

Not in the archive: the owner's account, password and two-factor secret, sessions, agent jobs,
and the channel accounts' credentials (an imported channel account asks to be reconnected; its
queued deliveries go out once it is).
"""

_MEANING = {"brands": "a brand with its voice kit", "campaigns": "a campaign",
            "content": "a content item (post) in its current version",
            "content_versions": "one saved version of a content item's text",
            "experiments": "an A/B test and its variants", "metrics": "one day of one content item's figures",
            "channel_accounts": "a place posts go out to (its credentials are NOT in the archive)",
            "recipients": "a newsletter's subscriber", "deliveries": "one content item sent (or to be sent) "
                                                                     "to one channel account"}


def _readme(manifest: dict[str, Any]) -> str:
    table = "\n".join(f"| `{p.name}.json` / `.csv` | {_MEANING[p.name]} | "
                      f"{', '.join(f'`{c}` → {target}' for c, target in p.references.items()) or '-'} |"
                      for p in PARTS)
    columns = "\n".join(f"- `{p.name}`: " + ", ".join(f"`{c}`" for c in p.columns) for p in PARTS)
    return README.format(format_version=FORMAT_VERSION, version=manifest["umt_version"],
                         exported_at=manifest["exported_at"], table=table, columns=columns)


def export_archive(engine: Engine) -> bytes:
    """The zip archive's bytes, from one consistent read of the database."""
    parts: dict[str, list[dict[str, Any]]] = {}
    with reading(engine, snapshot=True) as connection:
        for part in PARTS:
            rows = connection.execute(select(part.table).order_by(part.table.c.id)).all()
            parts[part.name] = [{k: v for k, v in to_json(row).items() if k not in part.omitted} for row in rows]
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "umt_version": umt.__version__,
                "schema_version": migrations.LATEST,
                "exported_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
                "counts": {name: len(rows) for name, rows in parts.items()}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", _readme(manifest))
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        for part in PARTS:
            rows = parts[part.name]
            archive.writestr(f"{part.name}.json", json.dumps({"items": rows}, ensure_ascii=False, indent=1))
            archive.writestr(f"{part.name}.csv", to_csv(rows, part.columns))
    return buffer.getvalue()


# --- import ------------------------------------------------------------------------------------

def _refuse(message: str, field: str | None = None) -> ApiError:
    return ApiError(422, "bad_archive", message, field)


def read_archive(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """The archive's rows per part; refuses anything that is not a readable umt archive."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ApiError(400, "not_an_archive", "the body is not a zip archive (send the file `umt export` wrote)",
                       "body") from None
    with archive:
        names = set(archive.namelist())
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise _refuse(f"the archive unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
        if "manifest.json" not in names:
            raise _refuse("the archive has no manifest.json: it was not written by umt", "manifest.json")
        manifest = _json(archive, "manifest.json")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _refuse("manifest.json does not name the umt-archive format", "manifest.json")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise _refuse(f"the archive is in format {version!r}, newer than this umt reads ({FORMAT_VERSION}); "
                          "upgrade umt first", "manifest.json")
        parts = {}
        for part in PARTS:
            file = f"{part.name}.json"
            if file not in names:
                raise _refuse(f"the archive has no {file}", file)
            content = _json(archive, file)
            if not isinstance(content, dict) or not isinstance(content.get("items"), list) or not all(
                    isinstance(row, dict) for row in content["items"]):
                raise _refuse(f'{file} is not {{"items": [row, ...]}}', file)
            parts[part.name] = content["items"]
    return parts


def _json(archive: zipfile.ZipFile, name: str) -> Any:
    try:
        return json.loads(archive.read(name))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse(f"{name} is not valid JSON: {exc}"[:300], name) from None


def _column_value(column, value: Any, where: str) -> Any:
    """A JSON value as the column stores it (times, days and money come as text or numbers)."""
    if value is None:
        return None
    try:
        if isinstance(column.type, DateTime):
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(column.type, Date):
            return date.fromisoformat(value)
        if isinstance(column.type, Numeric):
            return Decimal(str(value))
    except (AttributeError, TypeError, ValueError, InvalidOperation):
        raise _refuse(f"{where}: {column.name} is not a valid {column.type.__class__.__name__.lower()}: {value!r}",
                      column.name) from None
    return value


def import_archive(engine: Engine, data: bytes) -> dict[str, int]:
    """Restores the archive into this install, which must hold no brands, campaigns, content,
    experiments or metrics yet; returns the rows imported per part."""
    parts = read_archive(data)
    with engine.begin() as connection:
        held = {part.name: connection.execute(select(func.count()).select_from(part.table)).scalar_one()
                for part in PARTS}
        if any(held.values()):
            counts = ", ".join(f"{count} {name}" for name, count in held.items() if count)
            raise Conflict("not_empty", f"this install already holds data ({counts}); an archive is imported "
                                        "only into an empty install, so that nothing is mixed or overwritten")
        new_ids: dict[str, dict[int, int]] = {}
        for part in PARTS:
            new_ids[part.name] = _insert_part(connection, part, parts[part.name], new_ids)
    return {part.name: len(parts[part.name]) for part in PARTS}


def _insert_part(connection: Connection, part: Part, rows: list[dict[str, Any]],
                 new_ids: dict[str, dict[int, int]]) -> dict[int, int]:
    columns = {c.name: c for c in part.table.columns if c.name not in part.omitted}
    mapping: dict[int, int] = {}
    for index, row in enumerate(rows):
        where = f"{part.name}.json item {index}"
        unknown = sorted(set(row) - set(columns))
        if unknown:
            raise _refuse(f"{where}: unknown column {unknown[0]!r}", f"{part.name}.{unknown[0]}")
        old_id = row.get("id")
        if not isinstance(old_id, int) or isinstance(old_id, bool) or old_id in mapping:
            raise _refuse(f"{where}: id must be a whole number, once per file (it is {old_id!r})", f"{part.name}.id")
        if part.resource is not None:  # the owner's fields within the limits the API sets
            fields = part.resource.input.__struct_fields__
            try:
                convert({k: v for k, v in row.items() if k in fields and v is not None}, part.resource.input)
            except ContractError as error:
                raise _refuse(f"{where}: {error.field} {error.message}", f"{part.name}.{error.field}") from None
        if part.name == "content" and row.get("status") not in STATUSES:
            raise _refuse(f"{where}: status must be one of {', '.join(STATUSES)}", "content.status")
        values = {}
        for name, column in columns.items():
            if name == "id" or name not in row:
                continue
            value = row[name]
            if name in part.references and value is not None:
                target = new_ids[part.references[name]]
                if value not in target:
                    if not column.nullable:
                        raise _refuse(f"{where}: {name} {value} is not in {part.references[name]}.json",
                                      f"{part.name}.{name}")
                    value = None  # the referred row was not exported (deleted meanwhile): as a deletion does
                else:
                    value = target[value]
            values[name] = _column_value(column, value, where)
        values.update(part.on_import)
        missing = [c.name for c in columns.values()
                   if c.name not in values and c.name != "id" and not c.nullable and c.default is None]
        if missing:
            raise _refuse(f"{where}: {missing[0]} is missing", f"{part.name}.{missing[0]}")
        try:
            mapping[old_id] = connection.execute(insert(part.table).values(**values)).inserted_primary_key[0]
        except (IntegrityError, DataError) as exc:  # a constraint the checks above did not catch
            raise _refuse(f"{where} could not be stored: {str(exc.orig).splitlines()[0][:200]}",
                          part.name) from None
    return mapping
