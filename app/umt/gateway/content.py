"""Content workflow: the status moves a content item may make, and its version history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from umt.contract.resources import TRANSITIONS
from umt.gateway import tables as t
from umt.gateway.crud import to_json
from umt.gateway.db import as_utc, reading, writing
from umt.gateway.errors import Conflict, NotFound, ValidationFailed


def transition(engine: Engine, item_id: int, status: str, scheduled_at: datetime | None) -> dict[str, Any]:
    items = t.content_items
    with writing(engine) as connection:
        item = connection.execute(select(items).where(items.c.id == item_id)).first()
        if item is None:
            raise NotFound("content item")
        allowed = TRANSITIONS[item.status]
        if status not in allowed:
            raise Conflict("illegal_transition",
                           f"a {item.status} item cannot become {status}; it can become: {', '.join(sorted(allowed))}",
                           "status")
        changes: dict[str, Any] = {"status": status, "updated_at": t.utcnow()}
        if scheduled_at is not None:
            if status != "scheduled":
                raise ValidationFailed("scheduled_at", "only a move to scheduled takes scheduled_at")
            changes["scheduled_at"] = scheduled_at
        if status == "scheduled" and (scheduled_at or item.scheduled_at) is None:
            raise ValidationFailed("scheduled_at", "scheduling needs a time: send scheduled_at")
        if status == "published":
            changes["published_at"] = t.utcnow()
        # The status in the WHERE clause makes concurrent moves from the same state safe.
        moved = connection.execute(update(items).where(items.c.id == item_id, items.c.status == item.status)
                                   .values(**changes)).rowcount
        if not moved:
            raise Conflict("concurrent_change", "the item changed meanwhile; reload and try again", "status")
        return to_json(connection.execute(select(items).where(items.c.id == item_id)).one())


def versions(engine: Engine, item_id: int) -> dict[str, Any]:
    with reading(engine) as connection:
        if connection.execute(select(t.content_items.c.id).where(t.content_items.c.id == item_id)).first() is None:
            raise NotFound("content item")
        rows = connection.execute(select(t.content_versions).where(t.content_versions.c.content_id == item_id)
                                  .order_by(t.content_versions.c.version)).all()
    return {"items": [to_json(r) for r in rows]}


def scheduled_items(engine: Engine, start: datetime | None, end: datetime | None) -> list:
    items = t.content_items
    query = select(items).where(items.c.status == "scheduled", items.c.scheduled_at.is_not(None))
    if start is not None:
        query = query.where(items.c.scheduled_at >= start)
    if end is not None:
        query = query.where(items.c.scheduled_at <= end)
    with reading(engine) as connection:
        rows = connection.execute(query.order_by(items.c.scheduled_at, items.c.id)).all()
    return [r for r in rows if as_utc(r.scheduled_at) is not None]
