"""Deliveries: one per content item per channel account (queued → sending → sent | failed |
unknown, or cancelled), how they are queued, listed, retried and cancelled, and how the outbox
records what a channel answered. Blocking code: routes call it through a worker thread."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from umt.contract.publishing import RETRYABLE_DELIVERY_STATUSES
from umt.gateway import leases, tables as t
from umt.gateway.db import as_utc, iso, reading, writing
from umt.gateway.errors import Conflict, NotFound, ValidationFailed
from umt.gateway.publishing import registry
from umt.gateway.publishing.base import Post
from umt.gateway.publishing.channel_accounts import ChannelAccounts

D = t.deliveries
# Content in these states may be published (a draft is approved first).
PUBLISHABLE = ("approved", "scheduled", "published")
LIVE = ("queued", "sending", "sent", "unknown")


def delivery_json(row) -> dict[str, Any]:
    """The reply for one delivery (not its key or lease: those are the outbox's business)."""
    return {"id": row.id, "content_id": row.content_id, "channel_id": row.channel_id, "status": row.status,
            "due_at": iso(row.due_at), "attempts": row.attempts, "next_attempt_at": iso(row.next_attempt_at),
            "sent_at": iso(row.sent_at), "remote_id": row.remote_id, "link": row.link, "last_error": row.last_error,
            "details": row.details or {}, "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}


def post_for(connection: Connection, row, attempt: int) -> Post:
    item = connection.execute(select(t.content_items).where(t.content_items.c.id == row.content_id)).one()
    hashtags: tuple[str, ...] = ()
    if item.brand_id is not None:
        brand = connection.execute(select(t.brands.c.hashtags).where(t.brands.c.id == item.brand_id)).first()
        hashtags = tuple(brand.hashtags or ()) if brand else ()
    return Post(delivery_id=row.id, key=row.key, attempt=attempt, content_id=item.id, title=item.title,
                body=item.body, due_at=as_utc(row.due_at), hashtags=hashtags, earlier=dict(row.details or {}))


class Deliveries:
    """Writes go through `db.writing`: in a request with an Idempotency-Key they are part of the
    request's transaction. Routes wake the outbox after the commit (`db.when_committed`)."""

    def __init__(self, engine: Engine, accounts: ChannelAccounts) -> None:
        self.engine = engine
        self.accounts = accounts

    def publish(self, content_id: int, channel_ids: list[int], at: datetime | None) -> list[dict[str, Any]]:
        """Queues the item for each account; checks first that it can go to every one of them (a
        422 lists each channel's problems, and nothing is queued)."""
        now = t.utcnow()
        # Checked before the write transaction: a channel's checks may ask its server (Mastodon's
        # character limit), and SQLite's one write lock must not wait on the network.
        with reading(self.engine) as connection:
            item = self._publishable(connection, content_id)
            due = as_utc(at) or as_utc(item.scheduled_at) or now
            accounts = [self._account(channel_id, connection) for channel_id in dict.fromkeys(channel_ids)]
        problems: dict[str, list[str]] = {}
        for account in accounts:
            draft = Post(delivery_id=0, key="check", attempt=1, content_id=item.id, title=item.title,
                         body=item.body, due_at=due)
            found = registry.channel_for(account.kind).problems(draft, account)
            if found:
                problems[str(account.id)] = found
        if problems:
            summary = "; ".join(p for found in problems.values() for p in found)
            raise ValidationFailed("channel_ids", f"the post cannot go everywhere: {summary}", details=problems)
        with writing(self.engine) as connection:
            item = self._publishable(connection, content_id)   # again: it may have changed meanwhile
            for channel_id in dict.fromkeys(channel_ids):
                existing = connection.execute(select(D).where(D.c.content_id == content_id,
                                                              D.c.channel_id == channel_id)).first()
                if existing is None:
                    connection.execute(insert(D).values(
                        content_id=content_id, channel_id=channel_id, status="queued",
                        key=f"umt-{content_id}-{channel_id}-{secrets.token_hex(6)}", due_at=due, attempts=0,
                        next_attempt_at=due, details={}, created_at=now, updated_at=now))
                elif existing.status in ("cancelled", "queued"):
                    # Queued again (or re-timed) in place: same row, same key.
                    connection.execute(update(D).where(D.c.id == existing.id, D.c.status == existing.status).values(
                        status="queued", due_at=due, next_attempt_at=due, updated_at=now))
                # sending, sent, failed, unknown: kept as they are (retry is its own call)
            if item.status == "approved":
                connection.execute(update(t.content_items).where(t.content_items.c.id == content_id).values(
                    status="scheduled", scheduled_at=due, updated_at=now))
            rows = connection.execute(select(D).where(D.c.content_id == content_id,
                                                      D.c.channel_id.in_(channel_ids)).order_by(D.c.id)).all()
        return [delivery_json(r) for r in rows]

    def _account(self, channel_id: int, connection: Connection):
        try:
            return self.accounts.account(channel_id, connection)
        except NotFound:
            raise ValidationFailed("channel_ids", f"no channel has id {channel_id}") from None

    @staticmethod
    def _publishable(connection: Connection, content_id: int):
        item = connection.execute(select(t.content_items).where(t.content_items.c.id == content_id)).first()
        if item is None:
            raise NotFound("content item")
        if item.status not in PUBLISHABLE:
            raise Conflict("not_approved", f"a {item.status} item cannot be published; approve it first", "status")
        return item

    def list(self, query: Any) -> dict[str, Any]:
        conditions = []
        for name, column in (("content_id", D.c.content_id), ("channel_id", D.c.channel_id), ("status", D.c.status)):
            if getattr(query, name) is not None:
                conditions.append(column == getattr(query, name))
        if query.due_from is not None:
            conditions.append(D.c.due_at >= as_utc(query.due_from))
        if query.due_to is not None:
            conditions.append(D.c.due_at <= as_utc(query.due_to))
        with reading(self.engine) as connection:
            rows = connection.execute(select(D).where(*conditions).order_by(D.c.due_at, D.c.id)
                                      .limit(query.limit).offset(query.offset)).all()
            total = connection.execute(select(func.count()).select_from(D).where(*conditions)).scalar_one()
        return {"items": [delivery_json(r) for r in rows], "total": total, "limit": query.limit,
                "offset": query.offset}

    def retry(self, delivery_id: int) -> dict[str, Any]:
        """A failed or unknown delivery goes again now, with the same key (so the channel finds
        what an earlier try may have published). Its account must be connected."""
        with writing(self.engine) as connection:
            row = self._row(connection, delivery_id)
            if row.status not in RETRYABLE_DELIVERY_STATUSES:
                raise Conflict("not_retryable", f"a {row.status} delivery cannot be retried; only "
                                                f"{' or '.join(RETRYABLE_DELIVERY_STATUSES)} ones", "status")
            self._requeue(connection, row)
            row = self._row(connection, delivery_id)
        return delivery_json(row)

    def retry_failed(self, content_id: int) -> list[dict[str, Any]]:
        """Only the item's failed deliveries go again (sent ones, and unknown ones the owner has
        to check first, are left alone)."""
        with writing(self.engine) as connection:
            if connection.execute(select(t.content_items.c.id).where(t.content_items.c.id == content_id)).first() is None:
                raise NotFound("content item")
            failed = connection.execute(select(D).where(D.c.content_id == content_id, D.c.status == "failed")).all()
            for row in failed:
                self._requeue(connection, row)
            rows = connection.execute(select(D).where(D.c.id.in_([r.id for r in failed])).order_by(D.c.id)).all()
        return [delivery_json(r) for r in rows]

    def cancel(self, delivery_id: int) -> dict[str, Any]:
        with writing(self.engine) as connection:
            row = self._row(connection, delivery_id)
            # The status and a free lease in the WHERE clause: a delivery the outbox has just
            # claimed is not cancelled under its feet.
            done = connection.execute(update(D).where(D.c.id == delivery_id, D.c.status == "queued",
                                                      leases.is_free(D)).values(
                status="cancelled", next_attempt_at=None, updated_at=t.utcnow())).rowcount
            if not done:
                raise Conflict("not_cancellable", f"a {row.status} delivery cannot be cancelled; only queued ones",
                               "status")
            return delivery_json(self._row(connection, delivery_id))

    def _requeue(self, connection: Connection, row) -> None:
        account = connection.execute(select(t.channel_accounts.c.status).where(
            t.channel_accounts.c.id == row.channel_id)).one()
        if account.status != "connected":
            raise Conflict("needs_reconnect", "reconnect the channel first; its deliveries then go by themselves",
                           "channel_id")
        now = t.utcnow()
        connection.execute(update(D).where(D.c.id == row.id, D.c.status == row.status).values(
            status="queued", next_attempt_at=now, last_error=None, updated_at=now))

    def _row(self, connection: Connection, delivery_id: int):
        row = connection.execute(select(D).where(D.c.id == delivery_id)).first()
        if row is None:
            raise NotFound("delivery")
        return row

    # --- for the outbox ------------------------------------------------------------------------

    @staticmethod
    def due_condition(now: datetime):
        """Ready to claim: queued and due, on a connected account (leases.claim adds "lease free")."""
        connected = select(t.channel_accounts.c.id).where(t.channel_accounts.c.status == "connected")
        return and_(D.c.status == "queued", D.c.due_at <= now,
                    or_(D.c.next_attempt_at.is_(None), D.c.next_attempt_at <= now), D.c.channel_id.in_(connected))

    @staticmethod
    def interrupted_condition():
        """Left `sending` by a worker that died (leases.claim adds "lease expired")."""
        return D.c.status == "sending"

    def next_due(self) -> datetime | None:
        """The soonest time a queued delivery on a connected account becomes due."""
        connected = select(t.channel_accounts.c.id).where(t.channel_accounts.c.status == "connected")
        when = func.coalesce(D.c.next_attempt_at, D.c.due_at)
        with reading(self.engine) as connection:
            soonest = connection.execute(select(func.min(when))
                                         .where(D.c.status == "queued", D.c.channel_id.in_(connected))).scalar()
            lease = connection.execute(select(func.min(D.c.lease_expires_at)).where(D.c.status == "sending")).scalar()
        times = [as_utc(x) for x in (soonest, lease) if x is not None]
        return min(times) if times else None

    def mark_content_published(self, connection: Connection, content_id: int) -> None:
        """Every live delivery of the item is sent: the item is published (at the first send)."""
        # The item's row lock orders two workers finishing its last deliveries at once (PostgreSQL):
        # the second counts after the first has committed, so one of them sees none open.
        connection.execute(select(t.content_items.c.id).where(t.content_items.c.id == content_id).with_for_update())
        open_count = connection.execute(select(func.count()).select_from(D).where(
            D.c.content_id == content_id, D.c.status.not_in(("sent", "cancelled")))).scalar_one()
        first = connection.execute(select(func.min(D.c.sent_at)).where(D.c.content_id == content_id,
                                                                       D.c.status == "sent")).scalar()
        if open_count == 0 and first is not None:
            connection.execute(update(t.content_items).where(
                t.content_items.c.id == content_id, t.content_items.c.status == "scheduled").values(
                status="published", published_at=first, updated_at=t.utcnow()))


def backoff_seconds(attempts: int, base: float, maximum: float, server_said: float | None) -> float:
    """Exponential backoff (base · 2^(attempts-1), capped), but never sooner than the server asked."""
    own = min(base * 2 ** max(0, attempts - 1), maximum)
    return max(own, server_said or 0.0)


def after(seconds: float) -> datetime:
    return t.utcnow() + timedelta(seconds=seconds)
