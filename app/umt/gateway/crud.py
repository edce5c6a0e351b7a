"""Create, read, update, delete, list with filters and pagination, for every resource alike.
A `Resource` names its table, its contract records, its filters and its references; resource
specific rules enter through the `check` and `after_write` hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement

from umt.gateway.db import iso, reading, writing
from umt.gateway.errors import Conflict, NotFound, ValidationFailed
from umt.gateway.tables import utcnow

# A filter turns a query value (a field of the resource's query record) into a WHERE clause.
Filter = Callable[[Table, Any], ColumnElement]


@dataclass
class Resource:
    name: str            # URL segment, e.g. "brands"
    singular: str        # for messages, e.g. "brand"
    table: Table
    input: type          # the contract record clients send on create
    patch: type          # ... and on update (any subset of the input's fields)
    reply: type          # the record the API returns
    query: type          # the list's query-string parameters: pagination and the filters
    filters: dict[str, Filter] = field(default_factory=dict)
    references: dict[str, Table] = field(default_factory=dict)  # field → table its id must exist in
    order_by: str = "id"
    defaults: Callable[[], dict[str, Any]] = dict  # server-set columns on create
    check: Callable[[Connection, dict, Any], None] | None = None  # (connection, merged values, old row)
    after_write: Callable[[Connection, int, dict, Any], None] | None = None
    timestamps: bool = True


_AS_JSON: dict[type, Callable[[Any], Any]] = {datetime: iso, date: date.isoformat, Decimal: float}


def to_json(row, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The row as JSON data. `fields`: the result's column names, when converting many rows of one
    result (a row builds them anew each time it is asked)."""
    # A lookup by exact type instead of isinstance chains: a list of 50 items converts ~700 values.
    out = dict(zip(fields or row._fields, row))
    for key, value in out.items():
        convert = _AS_JSON.get(type(value))
        if convert is not None:
            out[key] = convert(value)
    return out


class Crud:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The unfiltered list of each resource, built once: building a statement costs more than
        # running it on SQLite (~0.2 ms each; see bench/bench_concurrency.py).
        self._plain_lists: dict[str, tuple[Any, Any]] = {}

    def _statements(self, resource: Resource, conditions: list) -> tuple[Any, Any]:
        table = resource.table
        if not conditions and resource.name in self._plain_lists:
            return self._plain_lists[resource.name]
        statements = (select(table).where(*conditions).order_by(table.c[resource.order_by], table.c.id)
                      .limit(bindparam("limit")).offset(bindparam("offset")),
                      select(func.count()).select_from(table).where(*conditions))
        if not conditions:
            self._plain_lists[resource.name] = statements
        return statements

    def list(self, resource: Resource, query: Any) -> dict[str, Any]:
        table = resource.table
        conditions = [where(table, value) for name, where in resource.filters.items()
                      if (value := getattr(query, name)) is not None]
        limit, offset = query.limit, query.offset
        rows_statement, count_statement = self._statements(resource, conditions)
        with reading(self.engine) as connection:
            result = connection.execute(rows_statement, {"limit": limit, "offset": offset})
            fields, rows = tuple(result.keys()), result.all()
            total = connection.execute(count_statement).scalar_one()
        return {"items": [to_json(r, fields) for r in rows], "total": total, "limit": limit, "offset": offset}

    def get(self, resource: Resource, item_id: int) -> dict[str, Any]:
        with reading(self.engine) as connection:
            return to_json(self.row(connection, resource, item_id))

    def row(self, connection: Connection, resource: Resource, item_id: int):
        row = connection.execute(select(resource.table).where(resource.table.c.id == item_id)).first()
        if row is None:
            raise NotFound(resource.singular)
        return row

    def create(self, resource: Resource, values: dict[str, Any]) -> dict[str, Any]:
        values = {**resource.defaults(), **values}
        if resource.timestamps:
            values["created_at"] = values["updated_at"] = utcnow()
        with self._writing(resource) as connection:
            self._validate(connection, resource, values, None)
            item_id = connection.execute(insert(resource.table).values(**values)).inserted_primary_key[0]
            if resource.after_write:
                resource.after_write(connection, item_id, values, None)
            return to_json(self.row(connection, resource, item_id))

    def update(self, resource: Resource, item_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        with self._writing(resource) as connection:
            old = self.row(connection, resource, item_id)
            merged = {**old._mapping, **changes}
            self._validate(connection, resource, merged, old)
            if resource.timestamps:
                changes = {**changes, "updated_at": utcnow()}
            connection.execute(update(resource.table).where(resource.table.c.id == item_id).values(**changes))
            if resource.after_write:
                resource.after_write(connection, item_id, changes, old)
            return to_json(self.row(connection, resource, item_id))

    def delete(self, resource: Resource, item_id: int) -> None:
        with writing(self.engine) as connection:
            deleted = connection.execute(resource.table.delete().where(resource.table.c.id == item_id)).rowcount
        if not deleted:
            raise NotFound(resource.singular)

    def _validate(self, connection: Connection, resource: Resource, values: dict, old) -> None:
        for name, target in resource.references.items():
            ref = values.get(name)
            if ref is not None and connection.execute(select(target.c.id).where(target.c.id == ref)).first() is None:
                raise ValidationFailed(name, f"no {target.name.rstrip('s').replace('_', ' ')} has id {ref}")
        if resource.check:
            resource.check(connection, values, old)

    def _writing(self, resource: Resource):
        return _IntegrityAsConflict(self.engine, resource)


class _IntegrityAsConflict:
    """A transaction in which a unique-constraint clash becomes a 409 instead of a 500."""

    def __init__(self, engine: Engine, resource: Resource) -> None:
        self.context = writing(engine)
        self.resource = resource

    def __enter__(self) -> Connection:
        return self.context.__enter__()

    def __exit__(self, kind, error, traceback) -> bool:
        try:
            self.context.__exit__(kind, error, traceback)
        except IntegrityError:
            error = error or IntegrityError("", {}, Exception())
        if isinstance(error, IntegrityError):
            raise Conflict("duplicate", f"this {self.resource.singular} clashes with an existing one "
                                        "(a value that must be unique is taken)") from None
        return False
