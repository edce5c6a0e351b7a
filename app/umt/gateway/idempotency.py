"""Retries that never duplicate: a write sent with an `Idempotency-Key` header is done once; the
same key again (per user, within the retention time) is answered with the first reply.

How: the handler runs inside one database transaction that the request owns (`db.writing` hands
it to the handler's writes), and the reply is stored in that same transaction. So the write and
its remembered reply commit together or not at all: a gateway killed mid-write leaves neither,
and the retry does the write then; a gateway killed after the commit leaves both, and the retry
gets the stored reply.

Two requests with the same key at once: the second WAITS for the first and then gets its reply.
It waits on the database's own lock, not on anything of ours: SQLite's write transaction
(BEGIN IMMEDIATE) admits one request at a time, and on PostgreSQL the second insert of the same
(user, key) blocks until the first commits, then fails and we answer with the stored reply. We
chose waiting over a 409 "in progress" because a client retrying after a cut connection would
otherwise have to retry a 409 as well, and no stale "in progress" marker can outlive a killed
gateway (there is none: the key is written only with its reply).

On SQLite the requests with a key take their turn on an async lock before they open their
transaction: a request waiting for SQLite's write lock holds a worker thread, and if every worker
thread waited so, the request holding the lock could not get one to finish (anyio's 40 threads
against 50 concurrent writes did exactly that). Waiting on the async lock holds no thread.

Only 2xx replies are remembered: an error changed nothing (its transaction is rolled back), so
the retry is simply tried again."""

from __future__ import annotations

import contextlib
import hashlib
import time
import weakref
from datetime import timedelta
from typing import Awaitable, Callable

import anyio
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response

from umt.gateway import tables as t
from umt.gateway.db import as_utc, owning_request_transaction, reading
from umt.gateway.errors import ApiError, ValidationFailed

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
PRUNE_EVERY_SECONDS = 3600.0
keys = t.idempotency_keys
_last_pruned = 0.0
_sqlite_turns: "weakref.WeakKeyDictionary[Engine, anyio.Lock]" = weakref.WeakKeyDictionary()


def key_of(request: Request) -> str | None:
    """The request's key, or None without one; a malformed key is a 422 naming the header."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(33 <= ord(ch) <= 126 for ch in key):
        raise ValidationFailed(HEADER, f"must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (a UUID is ideal)")
    return key


def request_hash(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def run_once(request: Request, engine: Engine, user_id: int, key: str, retention: timedelta,
                   produce: Callable[[], Awaitable[Response]]) -> Response:
    """The stored reply for (user, key), or `produce()`'s reply, remembered if it is a 2xx."""
    digest = request_hash(request.method, request.url.path, await request.body())
    async with _turn(engine):
        return await _run_once(engine, user_id, key, digest, retention, produce)


def _turn(engine: Engine):
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    lock = _sqlite_turns.get(engine)
    if lock is None:
        lock = _sqlite_turns.setdefault(engine, anyio.Lock())
    return lock


async def _run_once(engine: Engine, user_id: int, key: str, digest: str, retention: timedelta,
                    produce: Callable[[], Awaitable[Response]]) -> Response:
    connection = await anyio.to_thread.run_sync(_begin, engine)
    scope = owning_request_transaction(connection)
    after_commit = scope.__enter__()
    try:
        stored = await anyio.to_thread.run_sync(_find, connection, user_id, key, retention)
        if stored is not None:
            await anyio.to_thread.run_sync(connection.rollback)
            return _replay(stored, digest)
        response = await produce()
        if not 200 <= response.status_code < 300:
            await anyio.to_thread.run_sync(connection.rollback)
            return response
        try:
            await anyio.to_thread.run_sync(_remember, connection, user_id, key, digest, response, retention)
        except IntegrityError:
            # PostgreSQL: a concurrent request with this key committed first. Ours is undone.
            await anyio.to_thread.run_sync(connection.rollback)
            stored = await anyio.to_thread.run_sync(_find_committed, engine, user_id, key)
            return _replay(stored, digest)
        for function in after_commit:
            function()
        return response
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(connection.rollback)
        raise
    finally:
        scope.__exit__(None, None, None)
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(connection.close)


def _begin(engine: Engine) -> Connection:
    connection = engine.connect()
    try:
        connection.begin()
    except BaseException:
        connection.close()
        raise
    return connection


def _find(connection: Connection, user_id: int, key: str, retention: timedelta):
    row = connection.execute(select(keys).where(keys.c.user_id == user_id, keys.c.key == key)).first()
    if row is not None and _expired(row, retention):
        connection.execute(delete(keys).where(keys.c.id == row.id))
        return None
    return row


def _find_committed(engine: Engine, user_id: int, key: str):
    with reading(engine) as connection:
        return connection.execute(select(keys).where(keys.c.user_id == user_id, keys.c.key == key)).one()


def _expired(row, retention: timedelta) -> bool:
    return as_utc(row.created_at) < t.utcnow() - retention


def _remember(connection: Connection, user_id: int, key: str, digest: str, response: Response,
              retention: timedelta) -> None:
    global _last_pruned
    now = t.utcnow()
    connection.execute(insert(keys).values(user_id=user_id, key=key, request_hash=digest,
                                           status_code=response.status_code, body=bytes(response.body),
                                           created_at=now))
    if time.monotonic() - _last_pruned > PRUNE_EVERY_SECONDS:
        _last_pruned = time.monotonic()
        connection.execute(delete(keys).where(keys.c.created_at < now - retention))
    connection.commit()


def _replay(row, digest: str) -> Response:
    if row.request_hash != digest:
        raise ApiError(422, "idempotency_key_reused",
                       "this Idempotency-Key was already used for a different request (another method, path or "
                       "body); send a new key for a new write", HEADER)
    headers = {"Idempotent-Replayed": "true"}
    if row.status_code == 204:
        return Response(status_code=204, headers=headers)
    return Response(row.body, status_code=row.status_code, media_type="application/json", headers=headers)
