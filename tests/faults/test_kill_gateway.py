"""kill -9 of the gateway under concurrent writes."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.faults.processes import GatewayProcess
from tests.gateway.conftest import OWNER
from tests.runtime.helpers import wait_for
from umt.client import GatewayClient

WRITERS = 6
KILLS = 4


@pytest.mark.faults
def test_every_write_that_got_a_2xx_survives_a_kill_and_none_is_stored_twice(isolated_data):
    """Promise: after `kill -9` of the native gateway in the middle of concurrent writes and a
    restart, every write that was answered 2xx is in the database, each exactly once, and nothing
    else is: writes cut off by the kill were retried by umt.client with their Idempotency-Key."""
    gateway = GatewayProcess(isolated_data).start()
    database = sqlite3.connect(f"file:{isolated_data / 'umt.db'}?mode=ro", uri=True, check_same_thread=False)
    token = GatewayClient(gateway.url).setup_owner(**OWNER).token
    stored: list[tuple[int, str]] = []   # (id, title) of every write answered 2xx
    failures: list[BaseException] = []
    replays = Counter()
    stop = threading.Event()
    lock = threading.Lock()

    def count_replays(response, *_, **__):
        if response.headers.get("Idempotent-Replayed"):
            replays["replayed"] += 1

    def write(writer: int) -> None:
        session = requests.Session()
        session.hooks["response"].append(count_replays)
        client = GatewayClient(gateway.url, token, session=session, retry_seconds=60)
        number = 0
        while not stop.is_set():
            title = f"writer {writer} item {number}"
            try:
                item = client.content.create(title=title, channel="linkedin", body="x" * 500)
            except BaseException as exc:  # noqa: BLE001 - any failure is the test's verdict
                failures.append(exc)
                return
            with lock:
                stored.append((item.id, title))
            number += 1

    threads = [threading.Thread(target=write, args=(n,), daemon=True) for n in range(WRITERS)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(KILLS):
            target = len(stored) + 40
            wait_for(lambda: len(stored) >= target or failures, timeout_s=120, what="40 more writes")
            # The worst moment: a write is committed but its reply has not reached the client.
            wait_for(lambda: _committed_but_unanswered(database, stored, lock) or failures, timeout_s=60,
                     every_s=0.0005, what="a committed write whose reply is still on its way")
            gateway.kill()
            gateway.start()
        target = len(stored) + 40
        wait_for(lambda: len(stored) >= target or failures, timeout_s=120, what="writes after the last restart")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        gateway.stop()
        database.close()
    assert not failures, failures[0]
    assert not any(thread.is_alive() for thread in threads)

    engine = create_engine(f"sqlite:///{isolated_data / 'umt.db'}")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, title FROM content_items")).all()
    engine.dispose()
    titles = Counter(title for _, title in rows)
    assert [t for t, n in titles.items() if n > 1] == [], "a retried write was stored twice"
    assert sorted(stored) == sorted((r.id, r.title) for r in rows), "a 2xx write is missing, or an extra one is there"
    # At least one write was cut off after its commit and answered from the stored reply on retry
    # (without the key that retry would have stored it twice).
    assert replays["replayed"] >= 1
    print(f"{len(stored)} writes, {KILLS} kills, {replays['replayed']} retried writes answered from the stored reply")


def _committed_but_unanswered(database: sqlite3.Connection, stored: list, lock: threading.Lock) -> bool:
    with lock:
        answered = {title for _, title in stored}
    newest = database.execute("SELECT title FROM content_items ORDER BY id DESC LIMIT 8").fetchall()
    return any(title not in answered for (title,) in newest)
