"""The database engine: SQLite by default (WAL, foreign keys on), PostgreSQL through DATABASE_URL.

Durability (SQLite): every write the gateway answers with a 2xx is on disk, through a `kill -9`
of the gateway and through a power cut (tests/faults/test_kill_gateway.py checks the kill).
- journal_mode=WAL: a commit appends to the write-ahead log; readers keep their snapshot and
  never block the writer; a crash mid-transaction leaves the log's uncommitted tail unused.
- synchronous=FULL: the log is fsynced at every commit, before the reply is sent. With WAL,
  NORMAL would already survive a process kill (the appended log sits in the operating system's
  page cache, which outlives the process) but a power cut or an OS crash could take the last
  commits since the previous checkpoint: on a laptop a flat battery is exactly that. FULL costs
  one fsync per commit (measured 2.2 ms against 0.04 ms on the development disk); the gateway's
  writes are human-paced and a bulk import is one transaction, so we pay it.
- Each migration step, and each request with an Idempotency-Key, is one transaction."""

from __future__ import annotations

import importlib.util
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"


def normalize_url(url: str) -> str:
    """PostgreSQL URLs without a driver use psycopg 3, the one driver we support."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class DatabaseUnsupported(RuntimeError):
    pass


class DatabaseDamaged(RuntimeError):
    """The SQLite file cannot be read: the gateway refuses to start rather than serve or migrate it."""


def check_sqlite_file(url: str) -> None:
    """Refuses a damaged SQLite database file before anything opens it for writing, naming the file."""
    import sqlite3
    from pathlib import Path

    if not url.startswith("sqlite:///"):
        return
    path = Path(url[len("sqlite:///"):])
    if not path.is_file():
        return      # a first start: the migrations create it
    try:
        connection = sqlite3.connect(path, timeout=10)
        try:
            verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        verdict = str(exc)
    if verdict != "ok":
        raise DatabaseDamaged(f"the database file {path} is damaged ({verdict}). It was left as it is. Restore the "
                              f"newest backup (umt restore PATH, or Restore… in the app's Control center)")


def with_secret_password(url: str, secrets_dir: Path) -> str:
    """A PostgreSQL URL without a password takes it from the `database_password` secret file (a
    Compose secret on a server), so the password never sits in an environment variable."""
    url = normalize_url(url)
    secret = secrets_dir / "database_password"
    if not url.startswith("postgresql") or not secret.is_file():
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.password:
        return url
    password = secret.read_text(encoding="utf-8").strip()
    return parsed.set(password=password).render_as_string(hide_password=False)


def make_engine(url: str, connections: int = 10) -> Engine:
    """`connections`: how many the pool keeps open, as many as threads may use it at once (the
    request threads and the job runner's): with fewer, every request over the limit opens and
    closes a connection of its own (for PostgreSQL a TCP connection and a password exchange)."""
    url = normalize_url(url)
    if not url.startswith(("sqlite:", "postgresql+psycopg:")):
        raise DatabaseUnsupported(f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, not {url.split(':')[0]}:…")
    if url.startswith("postgresql"):
        if importlib.util.find_spec("psycopg") is None:
            raise DatabaseUnsupported(
                "DATABASE_URL names PostgreSQL, but the psycopg driver is not installed here: the service "
                "image ships SQLite only; install `psycopg[binary]` next to umt to use PostgreSQL")
    if not url.startswith("sqlite"):
        # No pre-ping: it costs a round trip per request (~0.5 ms of the list's 5 ms). A connection
        # that went stale (server restart) fails one request with 503, and SQLAlchemy then
        # replaces the whole pool.
        return create_engine(url, pool_size=connections, max_overflow=5, pool_recycle=1800)
    engine = create_engine(url, pool_size=connections, max_overflow=5,
                           connect_args={"timeout": 10, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin, so DDL in a migration
        # step is transactional too (the recipe from SQLAlchemy's SQLite dialect docs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")  # see the module docstring
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        shared = request_transaction.get()
        if shared is not None and connection is not shared and not connection.get_execution_options().get(
                "umt_reading"):
            # A second write transaction would wait for the request's own, which holds SQLite's
            # write lock until the request ends: say so at once instead of failing after 10 s.
            raise RuntimeError("a write inside a request with an Idempotency-Key opened its own transaction; "
                               "write through umt.gateway.db.writing(engine)")
        if connection.get_execution_options().get("umt_reading"):
            connection.exec_driver_sql("BEGIN")  # a WAL snapshot: readers never wait for a writer
        else:
            # IMMEDIATE takes the write lock up front: a deferred transaction that later writes
            # can fail at once with "database is locked" instead of waiting for the busy timeout.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def reading(engine: Engine, *, snapshot: bool = False) -> Connection:
    """A connection for reads only. Writes go through `writing(engine)`.

    On SQLite its reads share one WAL snapshot. On PostgreSQL (READ COMMITTED) each statement sees
    its own; `snapshot=True` asks for one REPEATABLE READ snapshot for all of them (an export)."""
    connection = engine.connect()
    if snapshot and engine.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ", umt_reading=True)
    return connection.execution_options(umt_reading=True)


# The transaction a request with an Idempotency-Key runs in (gateway/idempotency.py): the writes of
# its handler and the remembered reply commit together, or not at all.
request_transaction: ContextVar[Connection | None] = ContextVar("umt_request_transaction", default=None)
# What waits for that transaction's commit (a worker to wake); the list is shared with the worker
# threads the handler runs in (they get a copy of the context, holding the same list).
_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar("umt_after_commit", default=None)


@contextmanager
def owning_request_transaction(connection: Connection) -> Iterator[list[Callable[[], None]]]:
    """Makes `connection`'s transaction the request's own (for `writing`); yields the callbacks to
    run once its owner committed it."""
    pending: list[Callable[[], None]] = []
    tokens = request_transaction.set(connection), _after_commit.set(pending)
    try:
        yield pending
    finally:
        request_transaction.reset(tokens[0])
        _after_commit.reset(tokens[1])


def when_committed(function: Callable[[], None]) -> None:
    """Calls `function` now, or, inside a request's own transaction, once that is committed (never
    if it is rolled back): e.g. to wake a worker that will look for the rows just written."""
    pending = _after_commit.get()
    if pending is None:
        function()
    else:
        pending.append(function)


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: the request's own when it has one (committed by its owner), else a new one."""
    shared = request_transaction.get()
    if shared is not None and shared.engine is engine:
        yield shared
        return
    with engine.begin() as connection:
        yield connection


def is_disk_full(error: DBAPIError) -> bool:
    """The write failed because the disk (or the database's quota) is full."""
    original = error.orig
    if getattr(original, "sqlite_errorcode", None) == SQLITE_FULL:
        return True
    return getattr(original, "sqlstate", None) == POSTGRES_DISK_FULL or "database or disk is full" in str(original)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything the gateway stores is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite's: UTC already
        return value.isoformat() + "Z"
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
