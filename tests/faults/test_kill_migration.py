"""kill -9 of the gateway in the middle of a migration."""

from __future__ import annotations

import sqlite3

import pytest

from tests.faults.processes import GatewayProcess
from tests.runtime.helpers import wait_for
from umt.gateway import migrations
from umt.gateway.db import make_engine

ROWS = 50_000  # step 2 copies every post's text into its first version: seconds of work


def _database_at_step_1_with_many_posts(path) -> None:
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine, target=1)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) "
            "INSERT INTO content_items (channel, title, body, status, scores, created_at, updated_at) "
            "SELECT 'x', 'post ' || i, printf('%.1500c', 'w'), 'draft', '{}', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00' FROM n")
    engine.dispose()


def _state(path) -> dict:
    database = sqlite3.connect(path)
    try:
        tables = {name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {row[1] for row in database.execute("PRAGMA table_info(content_items)")}
        return {
            "integrity": database.execute("PRAGMA integrity_check").fetchall(),
            "version": database.execute("SELECT MAX(version) FROM schema_version").fetchone()[0],
            "posts": database.execute("SELECT COUNT(*) FROM content_items").fetchone()[0],
            "versions": (database.execute("SELECT COUNT(*) FROM content_versions").fetchone()[0]
                         if "content_versions" in tables else None),
            "has_version_column": "version" in columns,
            "tables": tables,
        }
    finally:
        database.close()


@pytest.mark.faults
def test_a_migration_killed_midway_leaves_the_database_untouched_and_runs_again(isolated_data):
    """Promise: a gateway killed (kill -9) while it migrates leaves the database exactly at the
    last completed step (each step is one transaction): here untouched at step 1, not half of
    step 2; the next start migrates it completely."""
    database = isolated_data / "umt.db"
    _database_at_step_1_with_many_posts(database)
    before = _state(database)
    gateway = GatewayProcess(isolated_data).start(wait=False)
    try:
        wait_for(lambda: "migrating the database to version 2" in gateway.output(), timeout_s=60, every_s=0.01,
                 what="the gateway to start step 2")
        gateway.kill()
    finally:
        gateway.stop()
    assert "migrating the database to version 3" not in gateway.output(), "step 2 ended before the kill"
    after_kill = _state(database)
    assert after_kill == before  # untouched: no new table, no new column, no half-copied versions
    assert after_kill["integrity"] == [("ok",)] and after_kill["version"] == 1 and after_kill["versions"] is None

    gateway.start()  # the next start does the whole migration
    gateway.stop()
    migrated = _state(database)
    assert migrated["integrity"] == [("ok",)] and migrated["version"] == migrations.LATEST
    assert migrated["posts"] == migrated["versions"] == ROWS and migrated["has_version_column"]
