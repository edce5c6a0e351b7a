"""Three gateway processes on one PostgreSQL database, each with its own real agent process,
under load: hundreds of jobs submitted over HTTP, one gateway killed with SIGKILL mid-way. Every
job is done, none is lost, and each was executed by an agent exactly once, except the few the
killed gateway held at the moment it died: those are taken over by another gateway after their
lease expired, and run once more there (the agent's own log counts the executions)."""

from __future__ import annotations

import collections
import json
import os
import re
import secrets
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, func, select

from tests.conftest import free_port
from tests.gateway.conftest import OWNER, fresh_postgres_database
from tests.runtime.helpers import wait_for
from umt.agent.tasks import TASKS, read_input
from umt.gateway import tables
from umt.gateway.db import as_utc, normalize_url

pytestmark = pytest.mark.postgres
JOBS = 300
LEASE_SECONDS = 2.0
MARKER = re.compile(r"job-(\d+)-end")
ROOT = Path(__file__).resolve().parents[2]


def _start(module: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", module], env=env, cwd=ROOT, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{env['UMT_PORT']}"

    def healthy() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return requests.get(url + "/health", timeout=1).ok
        except requests.ConnectionError:
            return False

    wait_for(healthy, timeout_s=60, every_s=0.1, what=f"{module} on {url}")
    return process, url


def _text(number: int) -> str:
    return f"Our spring sale starts Monday: job-{number}-end. Three new colours, free returns, and a gift for you."


def _executions(logs: list[Path]) -> list[collections.Counter]:
    counts = []
    for log in logs:
        found = collections.Counter()
        if log.exists():
            for line in log.read_text().splitlines():
                found.update(int(n) for n in MARKER.findall(line))
        counts.append(found)
    return counts


def test_three_gateways_one_killed_every_job_done_exactly_once(isolated_data):
    database_url, drop = fresh_postgres_database(os.environ["UMT_TEST_POSTGRES_URL"])
    engine = create_engine(normalize_url(database_url))
    processes: list[subprocess.Popen] = []
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UMT_SIGNING_KEY")}
    base.update(UMT_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    signing_key = secrets.token_urlsafe(32)  # shared: a token from one replica is good at all of them
    agent_logs = [isolated_data / f"agent-{n}.executions" for n in range(3)]
    try:
        gateways = []
        for number in range(3):
            agent, agent_url = _start("tests.gateway.counting_agent", {
                **base, "UMT_PORT": str(free_port()), "UMT_TEST_AGENT_LOG": str(agent_logs[number]),
                # The victim's agent is slow, so that it still holds a job when the test kills it
                # (with fast agents everywhere it could have finished all its jobs by then).
                "UMT_TEST_AGENT_DELAY": "1.0" if number == 2 else "0.05"},
                isolated_data / f"agent-{number}.log")
            # One at a time: the first one migrates the database (issue 13 §1 adds the advisory lock).
            gateway, url = _start("umt.gateway", {
                **base, "UMT_PORT": str(free_port()), "DATABASE_URL": database_url, "UMT_AGENT_URL": agent_url,
                "UMT_SIGNING_KEY": signing_key, "UMT_DATA_DIR": str(isolated_data / f"gateway-{number}"),
                "UMT_SECRETS_DIR": str(isolated_data / "no-secrets"), "UMT_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
                "UMT_JOB_WORKERS": "2"}, isolated_data / f"gateway-{number}.log")
            processes += [agent, gateway]
            gateways.append((gateway, url))
        token = requests.post(gateways[0][1] + "/api/v1/auth/setup", json=OWNER, timeout=10).json()["token"]
        sessions = []
        for _ in gateways:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            sessions.append(session)
        victim, victim_url = gateways[2]
        alive = [0, 1, 2]
        submitted: dict[int, int] = {}   # job id → its number
        held_at_kill: dict[int, object] = {}
        killed_at = None
        for number in range(JOBS):
            replica = alive[number % len(alive)]
            reply = sessions[replica].post(gateways[replica][1] + "/api/v1/jobs", timeout=10, json={
                "kind": "score", "input": {"text": _text(number), "channel": "linkedin"}})
            assert reply.status_code == 202, reply.text
            submitted[reply.json()["id"]] = number
            if number == JOBS // 3:
                # Kill it while it holds a job: wait until it has one running under its lease.
                owner_like = f"%:{victim.pid}:%"
                running_there = (select(tables.jobs.c.id, tables.jobs.c.lease_expires_at)
                                 .where(tables.jobs.c.status == "running", tables.jobs.c.lease_owner.like(owner_like)))

                def holds_one():
                    # It has done some of its share (its agent logged a task) and holds a job now.
                    if not sum(_executions([agent_logs[2]])[0].values()):
                        return False
                    with engine.connect() as connection:
                        return connection.execute(running_there).first() is not None

                wait_for(holds_one, timeout_s=30, every_s=0.005, what="the victim gateway to run a job")
                victim.send_signal(signal.SIGKILL)
                victim.wait(timeout=10)
                killed_at = tables.utcnow()
                with engine.connect() as connection:
                    held_at_kill = {row.id: as_utc(row.lease_expires_at) for row in connection.execute(running_there)}
                alive = [0, 1]

        def all_finished():
            with engine.connect() as connection:
                return connection.execute(select(func.count()).select_from(tables.jobs).where(
                    tables.jobs.c.status.in_(("done", "failed", "cancelled")))).scalar_one() == JOBS

        wait_for(all_finished, timeout_s=240, every_s=0.2, what="every job to finish")
        with engine.connect() as connection:
            rows = {row.id: row for row in connection.execute(select(tables.jobs))}
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()
        drop()

    assert sorted(rows) == sorted(submitted)                          # none lost, none invented
    assert {row.status for row in rows.values()} == {"done"}, collections.Counter(r.status for r in rows.values())
    parse, run = TASKS["score"].load()
    for job_id, row in rows.items():                                  # each one's own, correct result
        expected = run(parse(read_input("score", {"text": _text(submitted[job_id]), "channel": "linkedin"})),
                       lambda *_: None)
        assert json.loads(json.dumps(expected)) == row.result, job_id

    by_agent = _executions(agent_logs)
    total = sum(by_agent, collections.Counter())
    assert sorted(total) == sorted(submitted.values())                # every job reached an agent
    assert sum(by_agent[2].values()) > 0                              # the victim did its share before dying
    assert held_at_kill, "the victim held no job when it was killed"
    for job_id, row in rows.items():
        number = submitted[job_id]
        if job_id not in held_at_kill:
            assert (total[number], row.attempts) == (1, 1), (job_id, total[number], row.attempts)  # exactly once
            continue
        # Taken over: claimed again by a survivor only after the dead one's lease ran out, run there once.
        assert row.attempts == 2 and total[number] in (1, 2), (job_id, total[number], row.attempts)
        assert by_agent[0][number] + by_agent[1][number] == 1
        assert as_utc(row.started_at) >= held_at_kill[job_id] - timedelta(milliseconds=50)
    assert killed_at is not None
