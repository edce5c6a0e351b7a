"""Row leases on a real SQLite file (and PostgreSQL where the suite has one): one claimer per row,
even from many threads; an expired lease is taken over; a taken-over worker cannot record."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select, update

from umt.gateway import leases
from umt.gateway.tables import utcnow


def _table(engine):
    metadata = MetaData()
    table = Table("work", metadata, Column("id", Integer, primary_key=True), Column("status", String(20)),
                  *leases.lease_columns())
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(table), [{"status": "queued"} for _ in range(60)])
    return table


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'leases.db'}", connect_args={"timeout": 30})
    yield engine
    engine.dispose()


def test_each_row_is_claimed_by_one_of_many_concurrent_claimers(engine):
    table = _table(engine)
    claimed: dict[str, list[int]] = {}

    def worker(name: str) -> None:
        mine = claimed.setdefault(name, [])
        while rows := leases.claim(engine, table, table.c.status == "queued", owner=name, seconds=60, limit=3,
                                   values={"status": "running"}):
            mine += [row.id for row in rows]

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [row_id for ids in claimed.values() for row_id in ids]
    assert sorted(everything) == list(range(1, 61))   # every row once, none twice


def test_an_expired_lease_is_taken_over_and_the_old_owner_can_no_longer_record(engine):
    table = _table(engine)
    ready = table.c.status.in_(("queued", "running"))
    [first] = leases.claim(engine, table, ready, owner="dead", seconds=60, values={"status": "running"})
    assert leases.claim(engine, table, table.c.id == first.id, owner="other", seconds=60) == []  # still held
    with engine.begin() as connection:   # time passes: the lease runs out
        connection.execute(update(table).where(table.c.id == first.id)
                           .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    [taken] = leases.claim(engine, table, table.c.id == first.id, owner="other", seconds=60)
    assert taken.lease_owner == "other"
    assert not leases.renew(engine, table, first.id, owner="dead", seconds=60)
    with engine.begin() as connection:
        recorded = connection.execute(update(table).where(leases.held_by(table, first.id, "dead"))
                                      .values(status="done", **leases.release_values())).rowcount
    assert recorded == 0
    assert leases.renew(engine, table, first.id, owner="other", seconds=60)
    with engine.begin() as connection:
        assert connection.execute(select(table.c.status).where(table.c.id == first.id)).scalar() == "running"


def test_owner_names_are_unique():
    assert leases.new_owner() != leases.new_owner()
