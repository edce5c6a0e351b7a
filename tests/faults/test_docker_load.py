"""50 concurrent clients for 60 s against the gateway in its container."""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from datetime import date, timedelta

import pytest
import requests

from tests.faults.docker_stack import running_stack
from tests.gateway.conftest import OWNER
from umt.client import ApiError, GatewayClient

CLIENTS = 50
SECONDS = 60
MIB = 1024**2


@pytest.mark.docker
@pytest.mark.faults
def test_fifty_clients_for_a_minute_get_no_5xx_and_memory_levels_off_under_the_limit(tmp_path, monkeypatch):
    """Promise: 50 clients at once for 60 s (reads, writes, analytics, no pauses) against the
    gateway in its container get no 5xx and no dropped connection; the container's memory stays
    under its limit and levels off (the last 20 s no more than 10 % above the 20 s before)."""
    with running_stack(tmp_path, monkeypatch) as (backend, stack):
        gateway = stack.services["gateway"]
        url = f"http://127.0.0.1:{gateway.health_port}"
        token = GatewayClient(url).setup_owner(**OWNER).token
        limit = gateway.limits.memory_bytes
        statuses: Counter = Counter()
        failures: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def count(response, *_, **__):
            with lock:
                statuses[response.status_code // 100 * 100] += 1

        def client_loop(number: int) -> None:
            session = requests.Session()
            session.hooks["response"].append(count)
            client = GatewayClient(url, token, session=session, timeout=(5, 60), retry_seconds=0)
            today, turn = date.today(), 0
            while not stop.is_set():
                turn += 1
                try:
                    if turn % 3 == 0:
                        item = client.content.create(title=f"client {number} post {turn}", channel="x",
                                                     body="Load " * 40)
                        client.content.get(item.id)
                    elif turn % 3 == 1:
                        client.content.list(limit=20)
                    else:
                        client.analytics.totals(today - timedelta(days=30), today)
                except ApiError as exc:
                    with lock:
                        failures.append(f"{type(exc).__name__}: {exc}"[:200])

        threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(CLIENTS)]
        samples: list[tuple[float, int]] = []
        backend.stats()
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while time.monotonic() - started < SECONDS:
            time.sleep(2)  # the sampling period of the measurement, not a wait for a condition
            gateway_stats = {s.name: s for s in backend.stats()}["gateway"]
            samples.append((time.monotonic() - started, gateway_stats.memory_bytes))
        stop.set()
        for thread in threads:
            thread.join(timeout=90)

    assert failures == [], f"{len(failures)} failed calls, first: {failures[:3]}"
    assert statuses[500] == 0 and sum(statuses.values()) > CLIENTS * 10, statuses
    peak = max(memory for _, memory in samples)
    assert peak < limit, f"peak {peak / MIB:.1f} MiB, limit {limit / MIB:.0f} MiB"
    middle = statistics.fmean(m for t, m in samples if SECONDS - 40 <= t < SECONDS - 20)
    last = statistics.fmean(m for t, m in samples if t >= SECONDS - 20)
    assert last <= middle * 1.10, f"still growing: {middle / MIB:.1f} MiB, then {last / MIB:.1f} MiB"
    print(f"{sum(statuses.values())} requests {dict(statuses)}; memory {middle / MIB:.1f} -> {last / MIB:.1f} "
          f"MiB, peak {peak / MIB:.1f} of {limit / MIB:.0f} MiB")
