"""Migrations: an old database with data in it upgrades without losing anything, and a database
migrated from nothing has exactly the schema the code queries."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from tests.gateway.conftest import OWNER
from umt.client import GatewayClient
from umt.contract import ContentVersion
from umt.gateway import migrations, tables
from umt.gateway.db import make_engine


def _fill_version_1(engine) -> None:
    """Rows as a version-1 gateway wrote them (before content versions, experiments and jobs)."""
    now = tables.utcnow()
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO brands (name, voice, audience, banned_words, hashtags, sample_posts, created_at, updated_at) "
            "VALUES ('Acme', 'warm', 'makers', '[\"cheap\"]', '[]', '[]', :now, :now)"), {"now": now})
        connection.execute(text(
            "INSERT INTO content_items (brand_id, channel, title, body, status, scores, created_at, updated_at) "
            "VALUES (1, 'x', 'Old post', 'old body', 'approved', '{}', :now, :now)"), {"now": now})
        connection.execute(text(
            "INSERT INTO metrics (content_id, day, impressions, clicks, engagements, conversions, spend) "
            "VALUES (1, '2026-01-05', 10, 2, 1, 0, 1.25)"))


def test_a_version_1_database_upgrades_keeping_its_data(database_url, signing_key, isolated_data, gateway_settings):
    engine = make_engine(database_url)
    migrations.upgrade(engine, target=1)
    assert migrations.current_version(engine) == 1
    assert "jobs" not in inspect(engine).get_table_names()
    _fill_version_1(engine)
    engine.dispose()

    # A current gateway opens the old database: it migrates on start and serves the old rows.
    from tests.gateway.conftest import Gateway

    gateway = Gateway(gateway_settings)
    try:
        with GatewayClient(gateway.url) as client:
            client.setup_owner(**OWNER)
            assert client.brands.get(1).banned_words == ["cheap"]
            item = client.content.get(1)
            assert (item.title, item.status, item.version) == ("Old post", "approved", 1)
            assert client.content.versions(1) == [
                ContentVersion(id=1, content_id=1, version=1, title="Old post", body="old body",
                               created_at=item.updated_at)]
            assert client.metrics.get(1).spend == 1.25
            assert client.content.update(1, body="new body").version == 2  # new features work on old rows
            assert client.experiments.create(name="New").id == 1
    finally:
        gateway.stop()
    assert migrations.current_version(gateway.engine) == migrations.LATEST


def test_upgrading_twice_changes_nothing(database_url):
    engine = make_engine(database_url)
    assert migrations.upgrade(engine) == 0
    assert migrations.upgrade(engine) == migrations.LATEST
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all() == list(
            range(1, migrations.LATEST + 1))
    engine.dispose()


def test_a_newer_database_is_refused(database_url):
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": migrations.LATEST + 1})
    with pytest.raises(RuntimeError, match="newer than this gateway"):
        migrations.upgrade(engine)
    engine.dispose()


def test_migrated_schema_matches_the_tables_the_code_uses(database_url):
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    inspector = inspect(engine)
    for table in tables.metadata.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            if not column.primary_key:
                assert columns[column.name]["nullable"] == column.nullable, (table.name, column.name)
        foreign = {(fk["constrained_columns"][0], fk["referred_table"]) for fk in inspector.get_foreign_keys(table.name)}
        assert foreign == {(fk.parent.name, fk.column.table.name) for fk in table.foreign_keys}, table.name
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(table.name) if i["name"].startswith("ix_")}
        assert indexes == {i.name: [c.name for c in i.columns] for i in table.indexes}, table.name
    engine.dispose()


def test_the_analytics_indexes_serve_a_range_of_days(database_url):
    """Step 3's covering index: SQLite reads a range of days' sums from the index alone."""
    engine = make_engine(database_url)
    migrations.upgrade(engine, target=2)
    assert "ix_metrics_day_totals" not in {i["name"] for i in inspect(engine).get_indexes("metrics")}
    migrations.upgrade(engine)
    assert {"ix_metrics_day_totals"} <= {i["name"] for i in inspect(engine).get_indexes("metrics")}
    assert {"ix_content_items_channel"} <= {i["name"] for i in inspect(engine).get_indexes("content_items")}
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            plan = " ".join(str(row[-1]) for row in connection.execute(text(
                "EXPLAIN QUERY PLAN SELECT day, SUM(impressions), SUM(spend) FROM metrics "
                "WHERE day >= '2026-01-01' AND day <= '2026-03-31' GROUP BY day")))
        assert "COVERING INDEX ix_metrics_day_totals" in plan, plan
    engine.dispose()


def test_a_failed_step_leaves_the_database_as_it_was(database_url, monkeypatch):
    engine = make_engine(database_url)
    migrations.upgrade(engine, target=1)

    def broken(connection):
        migrations.step_2_versions_experiments_jobs(connection)
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrations, "STEPS", [migrations.STEPS[0], broken])
    with pytest.raises(RuntimeError, match="power cut"):
        migrations.upgrade(engine, target=2)
    assert migrations.current_version(engine) == 1
    assert "jobs" not in inspect(engine).get_table_names()  # the step's DDL was rolled back too
    monkeypatch.undo()
    migrations.upgrade(engine)
    assert migrations.current_version(engine) == migrations.LATEST
    engine.dispose()


def test_sqlite_runs_with_wal_and_foreign_keys(isolated_data):
    engine = make_engine(f"sqlite:///{isolated_data / 'check.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
