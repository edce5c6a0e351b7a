"""The database engine: SQLite by default (WAL, foreign keys on), PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timezone

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine


def normalize_url(url: str) -> str:
    """PostgreSQL URLs without a driver use psycopg 3, the one driver we support."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class DatabaseUnsupported(RuntimeError):
    pass


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
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        if connection.get_execution_options().get("umt_reading"):
            connection.exec_driver_sql("BEGIN")  # a WAL snapshot: readers never wait for a writer
        else:
            # IMMEDIATE takes the write lock up front: a deferred transaction that later writes
            # can fail at once with "database is locked" instead of waiting for the busy timeout.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def reading(engine: Engine, *, snapshot: bool = False) -> Connection:
    """A connection for reads only. Writes go through `engine.begin()`.

    On SQLite its reads share one WAL snapshot. On PostgreSQL (READ COMMITTED) each statement sees
    its own; `snapshot=True` asks for one REPEATABLE READ snapshot for all of them (an export)."""
    connection = engine.connect()
    if snapshot and engine.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ", umt_reading=True)
    return connection.execution_options(umt_reading=True)


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
