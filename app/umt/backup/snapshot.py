"""Consistent copies of the gateway's database while it runs, and their verification.

SQLite: the online backup API (sqlite3.Connection.backup) copies a consistent snapshot even while
the gateway writes (WAL mode); the copy is then opened, integrity-checked and counted.
PostgreSQL: pg_dump, PostgreSQL's own tool, in its custom format (one consistent transaction)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Callable

from umt.backup.archive import BackupError

# The online backup copies in one step: one read transaction, which in WAL mode never holds off
# the gateway's writers. (In several steps, a write between two steps would restart the copy, and
# a busy gateway could keep restarting it.)
PAGES_PER_STEP = -1


def copy_sqlite(source: Path, target: Path, on_fraction: Callable[[float], None] = lambda f: None) -> None:
    """A consistent copy of a live SQLite database (its WAL included) into `target`."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source} yet: start the stack once first")
    target.unlink(missing_ok=True)
    try:
        # Opened as the gateway opens it (a read-only open fails on a WAL file whose -shm is
        # missing); the copy only reads, and the file is known to exist, so nothing is created.
        origin = sqlite3.connect(source, timeout=30)
        copy = sqlite3.connect(target)
        try:
            origin.execute("PRAGMA busy_timeout=30000")

            def progress(_status, remaining, total):
                on_fraction(1.0 - remaining / total if total else 1.0)

            origin.backup(copy, pages=PAGES_PER_STEP, progress=progress)
            copy.execute("PRAGMA journal_mode=DELETE")   # one self-contained file, no -wal beside it
        finally:
            copy.close()
            origin.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the database {source} cannot be read ({exc}): it may be damaged") from None


def inspect_sqlite(database: Path) -> tuple[int, dict[str, int]]:
    """(schema version, rows per table) of a database copy, after SQLite's integrity check.
    Raises BackupError when the file is not a sound database."""
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{database.name} cannot be opened as a database ({exc})") from None
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"{database.name} fails SQLite's integrity check: {verdict}")
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
        version = schema_version_of(connection) if "schema_version" in counts else 0
        return version, counts
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{database.name} is damaged: SQLite cannot read it ({exc})") from None
    finally:
        connection.close()


def schema_version_of(connection: sqlite3.Connection) -> int:
    return connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def sqlite_schema_version(database: Path) -> int | None:
    """The schema version of a gateway database file, None where there is no file (a first start).
    Raises BackupError for a file SQLite cannot read."""
    if not database.is_file():
        return None
    try:
        connection = sqlite3.connect(database, timeout=30)
        try:
            present = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
            return schema_version_of(connection) if present else 0
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the database {database} cannot be read ({exc}): it may be damaged") from None


def damage_of(database: Path) -> str | None:
    """What is wrong with a database file, in SQLite's words; None for a sound one (or none at all)."""
    if not database.is_file():
        return None
    try:
        connection = sqlite3.connect(database, timeout=30)
        try:
            verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if verdict == "ok" else verdict


# --- PostgreSQL ---------------------------------------------------------------------------------

def _libpq_url(url: str) -> str:
    """pg_dump speaks libpq URLs: postgresql://…, without SQLAlchemy's +driver."""
    scheme, _, rest = url.partition("://")
    return "postgresql://" + rest if scheme.startswith("postgres") else url


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"backing up a PostgreSQL database needs PostgreSQL's {name} on this computer's PATH")
    return found


def dump_postgres(url: str, target: Path) -> dict[str, int]:
    """pg_dump in its custom format, and the rows per table of the very snapshot it dumped: the
    counts are taken in a transaction whose exported snapshot pg_dump then reads (--snapshot)."""
    try:
        import psycopg
    except ImportError:
        raise BackupError("backing up PostgreSQL needs the psycopg driver: pip install 'umt[postgres]'") from None
    try:
        with psycopg.connect(_libpq_url(url)) as connection:
            connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
            names = [row[0] for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]
            counts = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
            result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                                     f"--snapshot={snapshot}", f"--file={target}", _libpq_url(url)],
                                    capture_output=True, text=True)
            connection.rollback()
    except psycopg.Error as exc:
        raise BackupError(f"the PostgreSQL database cannot be read: {exc}") from None
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return counts


def postgres_schema_version(counts: dict[str, int], url: str) -> int:
    import psycopg

    if "schema_version" not in counts:
        return 0
    with psycopg.connect(_libpq_url(url)) as connection:
        return connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def check_postgres_dump(dump: Path) -> list[str]:
    """The tables whose data the dump holds, read back with pg_restore --list (the dump opens)."""
    result = subprocess.run([_tool("pg_restore"), "--list", str(dump)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"the PostgreSQL dump cannot be read back: {result.stderr.strip()}")
    return sorted(line.split()[-2] for line in result.stdout.splitlines() if " TABLE DATA " in line)


def restore_postgres(url: str, dump: Path) -> None:
    result = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                             "--single-transaction", f"--dbname={_libpq_url(url)}", str(dump)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
