"""Moving: a SQLite backup from the laptop restored into a server's (empty) PostgreSQL database.

A logical copy: the backup's database is brought to this umt's schema (its own migrations, on the
unpacked copy), the PostgreSQL database gets the same schema (the same migrations), then every
table is copied in foreign-key order through the gateway's own table definitions (so dates, JSON
and amounts keep their types), the id sequences are set past the copied ids, and the rows are
counted on both sides. One transaction: a failed move leaves the database as it was.

For the `umt` command only: it imports the gateway's SQLAlchemy tables, which the desktop never
loads (pyproject.toml's contracts)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import func, select, text

from umt import secrets
from umt.backup import archive, snapshot
from umt.backup.archive import BackupError
from umt.backup.operations import ProgressCallback, check_restorable, no_progress, restore_postgres_backup
from umt.gateway import migrations, tables
from umt.gateway.db import make_engine, normalize_url
from umt.runtime.model import Progress

BATCH = 5000


def move_into_postgres(path: Path, url: str, *, passphrase: str | None = None,
                       progress: ProgressCallback = no_progress) -> dict[str, int]:
    """Copies the backup at `path` into the PostgreSQL database at `url`; returns rows per table
    (equal on both sides, or BackupError). The keys go to this computer's keyring. A backup of a
    PostgreSQL gateway (pg_dump's) is restored with pg_restore instead."""
    url = normalize_url(url)
    if not url.startswith("postgresql"):
        raise BackupError(f"--database-url must name a PostgreSQL database (postgresql://…), not {url.split(':')[0]}:…")
    progress(Progress(f"Checking {path.name}", 0.0))
    manifest, values = check_restorable(path, passphrase)
    if manifest.database != "sqlite":
        restore_postgres_backup(path, url, passphrase=passphrase, progress=progress)
        restored = _counted(make_engine(url))
        if restored != {name: manifest.tables.get(name) for name in restored}:
            raise BackupError("the restored PostgreSQL database does not hold the rows the backup counts")
        return restored
    with tempfile.TemporaryDirectory(prefix="umt-move-") as work:
        copy = Path(work) / archive.SQLITE_MEMBER
        archive.extract_database(path, manifest, copy)
        _, counted = snapshot.inspect_sqlite(copy)
        if counted != manifest.tables:
            raise BackupError("the database in this backup does not hold the rows its manifest counts: it is damaged")
        source = make_engine(f"sqlite:///{copy}")
        target = make_engine(url)
        try:
            progress(Progress("Bringing the backup to this umt's schema", 0.1))
            migrations.upgrade(source)
            progress(Progress("Creating the schema in PostgreSQL", 0.2))
            _refuse_unless_empty(target)
            migrations.upgrade(target)
            moved = _copy_tables(source, target, progress)
        finally:
            source.dispose()
            target.dispose()
    for name, value in values.items():
        secrets.set_secret(name, value)
    progress(Progress(f"Moved {sum(moved.values())} rows in {len(moved)} tables; counted on both sides", 1.0))
    return moved


def _data_tables():
    return [table for table in tables.metadata.sorted_tables if table.name != "schema_version"]


def _refuse_unless_empty(target) -> None:
    from sqlalchemy import inspect

    present = set(inspect(target).get_table_names())
    with target.connect() as connection:
        holding = [t.name for t in _data_tables()
                   if t.name in present and connection.execute(select(func.count()).select_from(t)).scalar_one()]
    if holding:
        raise BackupError(f"the PostgreSQL database already holds data (in {', '.join(holding)}): moving needs an "
                          f"empty database, so nothing is overwritten")


def _copy_tables(source, target, progress: ProgressCallback) -> dict[str, int]:
    data_tables = _data_tables()     # parents before children: every foreign key finds its row
    moved = {}
    with source.connect() as reader, target.begin() as writer:
        for index, table in enumerate(data_tables):
            progress(Progress(f"Copying {table.name}", 0.25 + 0.65 * index / len(data_tables)))
            rows = reader.execute(select(table)).mappings()
            while batch := [dict(row) for row in rows.fetchmany(BATCH)]:
                writer.execute(table.insert(), batch)
            expected = reader.execute(select(func.count()).select_from(table)).scalar_one()
            copied = writer.execute(select(func.count()).select_from(table)).scalar_one()
            if copied != expected:
                raise BackupError(f"{table.name}: {copied} rows arrived in PostgreSQL of {expected}; nothing was kept")
            moved[table.name] = copied
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                # The next id the gateway makes must follow the copied ones.
                writer.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                    f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 1), "
                                    f"(SELECT MAX(id) IS NOT NULL FROM \"{table.name}\"))"))
    return moved


def _counted(engine) -> dict[str, int]:
    try:
        with engine.connect() as connection:
            return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in _data_tables()}
    finally:
        engine.dispose()
