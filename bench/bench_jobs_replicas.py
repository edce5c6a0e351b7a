"""Jobs per second with one and with three gateway processes on one PostgreSQL database, and the
duplicate count (agent executions beyond one per job: must be 0), printed as JSON.

    eval "$(bash tools/start-postgres.sh)"
    .venv/bin/python bench/bench_jobs_replicas.py [--jobs 600] [--replicas 1,3] [--postgres-url ADMIN_URL]

Each gateway has its own real agent process (tests/gateway/counting_agent.py: the agent with a
log line per task it receives, which is how executions are counted). The jobs are score tasks,
each with its own text, submitted over HTTP by 8 client threads spread over the gateways; the
time is from the first submission until the last job is done. A fresh database per run."""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from bench_gateway import free_port  # noqa: E402 - the bench folder is not a package

MARKER = re.compile(r"bench-job-(\d+)-end")


def fresh_database(admin_url: str) -> str:
    name = f"umt_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def start(module: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", module], env=env, cwd=ROOT, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{env['UMT_PORT']}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise SystemExit(f"{module} exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(url + "/health", timeout=1).ok:
                return process, url
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{module} did not start")
        time.sleep(0.1)


def run(admin_url: str, replicas: int, jobs: int, workers: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="umt-bench-replicas-"))
    database_url = fresh_database(admin_url)
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UMT_SIGNING_KEY")}
    # Shared by the replicas, as the signing key: each must read what another encrypted.
    base.update(UMT_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT), UMT_CHANNEL_KEY=secrets.token_urlsafe(32))
    key = secrets.token_urlsafe(32)
    processes, urls, logs = [], [], []
    try:
        for number in range(replicas):
            logs.append(folder / f"agent-{number}.executions")
            agent, agent_url = start("tests.gateway.counting_agent", {
                **base, "UMT_PORT": str(free_port()), "UMT_TEST_AGENT_LOG": str(logs[-1])}, folder / f"agent-{number}.log")
            gateway, url = start("umt.gateway", {
                **base, "UMT_PORT": str(free_port()), "DATABASE_URL": database_url, "UMT_AGENT_URL": agent_url,
                "UMT_SIGNING_KEY": key, "UMT_DATA_DIR": str(folder / f"gateway-{number}"),
                "UMT_SECRETS_DIR": str(folder / "no-secrets"), "UMT_JOB_WORKERS": str(workers)},
                folder / f"gateway-{number}.log")
            processes += [agent, gateway]
            urls.append(url)
        token = requests.post(urls[0] + "/api/v1/auth/setup", timeout=10, json={
            "email": "bench@example.com", "name": "Bench", "password": "a long password"}).json()["token"]
        sessions = [requests.Session() for _ in urls]
        for session in sessions:
            session.headers["Authorization"] = f"Bearer {token}"

        def submit(number: int) -> int:
            replica = number % len(urls)
            reply = sessions[replica].post(urls[replica] + "/api/v1/jobs", timeout=30, json={"kind": "score", "input": {
                "text": f"Spring sale, bench-job-{number}-end: three colours and free returns.", "channel": "linkedin"}})
            reply.raise_for_status()
            return reply.json()["id"]

        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(submit, range(jobs)))
        submitted = time.perf_counter() - started
        with psycopg.connect(database_url) as connection:
            while True:
                done = connection.execute("SELECT COUNT(*) FROM jobs WHERE status IN ('done', 'failed', 'cancelled')"
                                          ).fetchone()[0]
                if done == jobs:
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            statuses = dict(connection.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall())
            retried = connection.execute("SELECT COUNT(*) FROM jobs WHERE attempts > 1").fetchone()[0]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    executions = collections.Counter()
    for log in logs:
        if log.exists():
            executions.update(int(n) for n in MARKER.findall(log.read_text()))
    return {"gateways": replicas, "job_workers_each": workers, "jobs": len(ids), "statuses": statuses,
            "seconds": round(elapsed, 2), "jobs_per_second": round(jobs / elapsed, 1),
            "submission_seconds": round(submitted, 2),
            "agent_executions": sum(executions.values()), "jobs_never_executed": jobs - len(executions),
            "duplicates": sum(count - 1 for count in executions.values()), "jobs_retried": retried}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=600)
    parser.add_argument("--replicas", default="1,3")
    parser.add_argument("--job-workers", type=int, default=2)
    parser.add_argument("--postgres-url", default=os.environ.get("UMT_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    if not args.postgres_url:
        raise SystemExit("needs PostgreSQL: eval \"$(bash tools/start-postgres.sh)\" or --postgres-url")
    runs = [run(args.postgres_url, int(n), args.jobs, args.job_workers) for n in args.replicas.split(",")]
    print(json.dumps({"database": "postgresql", "task": "score", "load_average": os.getloadavg(), "runs": runs},
                     indent=2))


if __name__ == "__main__":
    main()
