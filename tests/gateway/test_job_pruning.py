"""Finished jobs are deleted after the retention period, on a real SQLite file (and PostgreSQL
where available) with backdated rows: done, failed and cancelled jobs older than the cutoff go, in batches; newer and unfinished
ones stay. The gateway's runner does it by itself once started."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from tests.runtime.helpers import wait_for
from umt.gateway import migrations, tables
from umt.gateway.db import make_engine
from umt.gateway.jobs import prune_finished
from umt.gateway.settings import GatewaySettings


def _backdated_jobs(engine) -> dict[str, int]:
    """One job per (status, age): the ids by label."""
    now = tables.utcnow()
    rows = {"done 40 days": ("done", 40), "failed 31 days": ("failed", 31), "cancelled 90 days": ("cancelled", 90),
            "done 29 days": ("done", 29), "done today": ("done", 0), "queued 40 days": ("queued", None),
            "running 40 days": ("running", None)}
    ids = {}
    with engine.begin() as connection:
        for label, (status, age) in rows.items():
            created = now - timedelta(days=40)
            finished = None if age is None else now - timedelta(days=age)
            ids[label] = connection.execute(insert(tables.jobs).values(
                kind="utm", input={}, status=status, progress=0.0, step=status, attempts=1, created_at=created,
                updated_at=finished or created, finished_at=finished)).inserted_primary_key[0]
    return ids


def _left(engine) -> set[int]:
    with engine.connect() as connection:
        return set(connection.execute(select(tables.jobs.c.id)).scalars())


def test_finished_jobs_older_than_the_cutoff_are_deleted_in_batches(database_url):
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    ids = _backdated_jobs(engine)
    for _ in range(5):  # more old rows than one batch holds
        _backdated_jobs(engine)
    deleted = prune_finished(engine, tables.utcnow() - timedelta(days=30), batch=4)
    assert deleted == 6 * 3
    kept = {label for label, job_id in ids.items() if job_id in _left(engine)}
    assert kept == {"done 29 days", "done today", "queued 40 days", "running 40 days"}
    assert len(_left(engine)) == 6 * 4
    assert prune_finished(engine, tables.utcnow() - timedelta(days=30), batch=4) == 0
    engine.dispose()


def test_the_gateway_prunes_by_itself_with_its_retention_setting(gateway, owner):
    ids = _backdated_jobs(gateway.engine)
    gateway.restart(job_retention_days=30.5, job_prune_interval_seconds=0.05)
    wait_for(lambda: ids["failed 31 days"] not in _left(gateway.engine), what="the old jobs to be pruned")
    assert _left(gateway.engine) == {ids[label] for label in ("done 29 days", "done today", "queued 40 days",
                                                              "running 40 days")}
    old = _backdated_jobs(gateway.engine)  # and again at the next interval
    wait_for(lambda: old["done 40 days"] not in _left(gateway.engine), what="the next pruning")
    assert owner.list_jobs(status="cancelled").total == 0


def test_the_retention_comes_from_the_environment():
    assert GatewaySettings.from_env({}).job_retention_days == 30
    assert GatewaySettings.from_env({"UMT_JOB_RETENTION_DAYS": "7.5"}).job_retention_days == 7.5


def test_the_stack_passes_the_owners_retention_to_the_gateway():
    from pathlib import Path

    from umt.runtime.stackfile import load_stack

    stack_file = Path(__file__).parents[2] / "stacks" / "default" / "compose.yaml"
    for env, expected in (({}, "30"), ({"UMT_JOB_RETENTION_DAYS": "7"}, "7")):
        gateway = load_stack(stack_file, env).services["gateway"]
        assert GatewaySettings.from_env(gateway.environment).job_retention_days == float(expected)
