"""Row leases: how a worker claims a row (a job, an outbox delivery) so that exactly one gateway
process works on it, even when several share one PostgreSQL database, and how a dead process's
rows are taken over once their lease has expired.

A leasable table has two columns, `lease_owner` and `lease_expires_at` (see `lease_columns`). A
row is free when it has no lease or its lease has expired. `claim` picks free rows that are
ready, with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (concurrent claimers skip each
other's rows instead of waiting), and stamps them in the same transaction; on SQLite, which has
one writer at a time, a conditional UPDATE per row does the same. A worker holding a row renews
its lease while it works (`renew`) and clears it when it records the result (`release_values`).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, or_, select, update
from sqlalchemy.engine import Engine, Row
from sqlalchemy.sql.elements import ColumnElement

from umt.gateway.tables import lease_columns, utcnow  # noqa: F401 - lease_columns: part of this API


def new_owner() -> str:
    """A name for this worker process, unique across restarts and hosts (it shows in the database)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def is_free(table: Table) -> ColumnElement[bool]:
    now = utcnow()
    return or_(table.c.lease_owner.is_(None), table.c.lease_expires_at.is_(None), table.c.lease_expires_at < now)


def claim(engine: Engine, table: Table, ready: ColumnElement[bool], *, owner: str, seconds: float,
          limit: int = 1, order_by: Any = None, values: dict[str, Any] | None = None) -> list[Row]:
    """Leases up to `limit` free rows matching `ready` to `owner` for `seconds`, also setting
    `values` on them (e.g. status="running"); returns the claimed rows as they are now."""
    expires = utcnow() + timedelta(seconds=seconds)
    stamp = {"lease_owner": owner, "lease_expires_at": expires, **(values or {})}
    order = order_by if order_by is not None else table.c.id
    with engine.begin() as connection:
        query = select(table.c.id).where(ready, is_free(table)).order_by(order).limit(limit)
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        candidates = connection.execute(query).scalars().all()
        claimed = [row_id for row_id in candidates
                   if connection.execute(update(table).where(table.c.id == row_id, ready, is_free(table))
                                         .values(**stamp)).rowcount]
        if not claimed:
            return []
        return list(connection.execute(select(table).where(table.c.id.in_(claimed)).order_by(order)).all())


def renew(engine: Engine, table: Table, row_id: Any, *, owner: str, seconds: float) -> bool:
    """Extends the lease; False when this owner no longer holds it (it expired and was taken over,
    or the row was finished or cancelled meanwhile): the worker must then stop and record nothing."""
    with engine.begin() as connection:
        return bool(connection.execute(update(table).where(table.c.id == row_id, table.c.lease_owner == owner)
                                       .values(lease_expires_at=utcnow() + timedelta(seconds=seconds))).rowcount)


def held_by(table: Table, row_id: Any, owner: str) -> ColumnElement[bool]:
    """The WHERE clause a worker adds to the UPDATE that records its result, so that a worker whose
    lease was taken over records nothing."""
    return (table.c.id == row_id) & (table.c.lease_owner == owner)


def release_values() -> dict[str, Any]:
    """The values that clear a lease, to add to that UPDATE."""
    return {"lease_owner": None, "lease_expires_at": None}
