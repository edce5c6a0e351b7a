"""Analytics benchmark, printed as JSON: a real `python -m umt.gateway` process is seeded through its
own API (1,000 content items over a year, 100,000 daily metric rows through the CSV import, the
gateway's bulk path), then each analytics aggregate is called repeatedly over 90-day ranges through
the HTTP API (one keep-alive connection on loopback) and its p50/p95 latency reported. The ranges
move through the year so that no single range is favoured.

    .venv/bin/python bench/bench_analytics.py [--requests 200] [--postgres URL]

SQLite always; PostgreSQL too when --postgres or UMT_TEST_POSTGRES_URL names a server (a fresh
database is created there and dropped afterwards; it is VACUUM ANALYZEd after seeding, as
autovacuum would do after 100,000 inserts: tools/start-postgres.sh turns autovacuum off).

Target (issue 10, section 1): p50 <= 20 ms for a 90-day aggregate over 100,000 metric rows."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

ITEMS, ROWS, YEAR_START = 1000, 100_000, date(2025, 1, 1)
CHANNELS = ("linkedin", "instagram", "x", "email", "blog")
KINDS = {
    "totals_by_day": ("totals", {"by": "day"}),
    "totals_by_week": ("totals", {"by": "week"}),
    "totals_by_channel": ("totals", {"by": "channel"}),
    "totals_by_campaign": ("totals", {"by": "campaign"}),
    "totals_by_content": ("totals", {"by": "content"}),
    "totals_by_day_one_brand": ("totals", {"by": "day", "brand_id": 2}),
    "top_content_by_engagements": ("top-content", {"measure": "engagements", "limit": 10}),
    "top_content_by_engagement_rate": ("top-content", {"measure": "engagement_rate", "limit": 10}),
    "heatmap_europe_berlin": ("heatmap", {"time_zone": "Europe/Berlin"}),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None, content_type: str = "application/json") -> tuple[int, dict]:
        data = body if isinstance(body, bytes) else None if body is None else json.dumps(body)
        self.connection.request(method, path, body=data, headers={**self.headers, "Content-Type": content_type})
        response = self.connection.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else {})

    def ok(self, method: str, path: str, body=None, content_type: str = "application/json") -> dict:
        status, reply = self.call(method, path, body, content_type)
        if status >= 300:
            raise SystemExit(f"{method} {path}: {status} {reply}")
        return reply


def start_gateway(database_url: str) -> tuple[subprocess.Popen, Http]:
    port = free_port()
    env = {**os.environ, "UMT_DATA_DIR": tempfile.mkdtemp(prefix="umt-bench-analytics-"), "UMT_PORT": str(port),
           "UMT_SIGNING_KEY": secrets.token_urlsafe(32),
           "UMT_CHANNEL_KEY": secrets.token_urlsafe(32), "UMT_AGENT_URL": f"http://127.0.0.1:{free_port()}",
           "DATABASE_URL": database_url, "UMT_LOG_LEVEL": "WARNING", "MALLOC_ARENA_MAX": "2"}
    process = subprocess.Popen([sys.executable, "-m", "umt.gateway"], env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            client = Http(port)
            if client.call("GET", "/health")[0] == 200:
                return process, client
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the gateway did not start")
            time.sleep(0.05)


def seed(client: Http, rng: random.Random) -> dict:
    """Through the API: brands, campaigns, content items (posted across the year), metrics by CSV."""
    session = client.ok("POST", "/api/v1/auth/setup",
                        {"email": "bench@example.com", "name": "Bench", "password": "a long password"})
    client.headers["Authorization"] = f"Bearer {session['token']}"
    brands = [client.ok("POST", "/api/v1/brands", {"name": f"Brand {n}"})["id"] for n in range(4)]
    campaigns = [client.ok("POST", "/api/v1/campaigns", {"name": f"Campaign {n}", "brand_id": brands[n % 4]})["id"]
                 for n in range(20)]
    started = time.monotonic()
    items = []
    for n in range(ITEMS):
        posted = datetime.combine(YEAR_START, datetime.min.time(), timezone.utc) + timedelta(
            minutes=rng.randrange(365 * 24 * 60))
        items.append(client.ok("POST", "/api/v1/content", {
            "channel": CHANNELS[n % len(CHANNELS)], "title": f"Post {n}", "brand_id": brands[n % 4],
            "campaign_id": campaigns[n % 20] if n % 10 else None,
            "scheduled_at": posted.isoformat().replace("+00:00", "Z")})["id"])
    items_seconds = time.monotonic() - started
    started = time.monotonic()
    per_item = ROWS // ITEMS
    rows = []
    for item in items:
        for day in rng.sample(range(365), per_item):
            impressions = rng.randrange(0, 5000)
            clicks = rng.randrange(0, impressions // 10 + 1)
            rows.append(f"{item},{YEAR_START + timedelta(days=day)},{impressions},{clicks},"
                        f"{rng.randrange(0, impressions // 5 + 1)},{rng.randrange(0, clicks // 5 + 1)},"
                        f"{rng.randrange(0, 5000) / 100:.2f}")
    header = "content_id,day,impressions,clicks,engagements,conversions,spend\n"
    for chunk in range(0, len(rows), 50_000):  # the import takes at most 50,000 rows at a time
        csv_text = header + "\n".join(rows[chunk:chunk + 50_000]) + "\n"
        client.ok("POST", "/api/v1/metrics/import", csv_text.encode(), "text/csv")
    return {"content_items": ITEMS, "metric_rows": len(rows), "seconds_creating_items": round(items_seconds, 1),
            "seconds_importing_metrics": round(time.monotonic() - started, 1)}


def cpu_ms(pid: int) -> float:
    """The process's user + system CPU time so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(client: Http, requests: int, rng: random.Random, pid: int) -> dict:
    # The floor: an authenticated request that reads one row (the same HTTP, token check, thread hop).
    timings = []
    for _ in range(requests):
        began = time.perf_counter()
        client.ok("GET", "/api/v1/auth/me")
        timings.append((time.perf_counter() - began) * 1000)
    results = {"floor_signed_in_request": {"p50_ms": round(statistics.median(timings), 2),
                                           "p95_ms": round(sorted(timings)[int(len(timings) * 0.95) - 1], 2)}}
    starts = [YEAR_START + timedelta(days=rng.randrange(0, 365 - 90)) for _ in range(16)]
    for name, (operation, params) in KINDS.items():
        paths = [f"/api/v1/analytics/{operation}?" + urlencode(
            {"start": s.isoformat(), "end": (s + timedelta(days=89)).isoformat(), **params}) for s in starts]
        for path in paths:  # warm-up, and a check that each answers
            reply = client.ok("GET", path)
        timings = []
        cpu_before = cpu_ms(pid)
        for n in range(requests):
            path = paths[n % len(paths)]
            began = time.perf_counter()
            status, reply = client.call("GET", path)
            timings.append((time.perf_counter() - began) * 1000)
            assert status == 200, reply
        cpu = (cpu_ms(pid) - cpu_before) / requests
        timings.sort()
        size = len(reply.get("rows", reply.get("items", reply.get("cells", []))))
        # The gateway's CPU per call (with SQLite, the query's too): what the machine's load cannot inflate much.
        results[name] = {"p50_ms": round(statistics.median(timings), 2),
                         "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
                         "gateway_cpu_ms_per_call": round(cpu, 2), "rows_in_reply": size}
    return results


def run(database_url: str, requests: int) -> dict:
    rng = random.Random(20261130)
    process, client = start_gateway(database_url)
    try:
        seeded = seed(client, rng)
        if database_url:
            vacuum(database_url)
        return {"database": "postgresql" if database_url else "sqlite", "seeded": seeded,
                "requests_per_kind": requests, "range_days": 90, "aggregates": measure(client, requests, rng, process.pid)}
    finally:
        process.terminate()
        process.wait(timeout=20)


def postgres_database(admin_url: str):
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"umt_bench_{secrets.token_hex(4)}"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = plain.rpartition("/")
    url = f"{base}/{name}"

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


def vacuum(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) metrics, content_items, campaigns")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200, help="calls per aggregate kind")
    parser.add_argument("--postgres", default=os.environ.get("UMT_TEST_POSTGRES_URL", ""),
                        help="a PostgreSQL URL whose user may create databases")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    reports = []
    if args.only != "postgresql":
        reports.append(run("", args.requests))
    if args.postgres and args.only != "sqlite":
        url, drop = postgres_database(args.postgres)
        try:
            reports.append(run(url, args.requests))
        finally:
            drop()
    worst = max(kind["p50_ms"] for report in reports for name, kind in report["aggregates"].items()
                if not name.startswith("floor"))
    print(json.dumps({"target": "p50 <= 20 ms per 90-day aggregate over 100,000 metric rows",
                      "worst_p50_ms": worst, "met": worst <= 20, "cpus": os.cpu_count(),
                      "load_average_after": os.getloadavg(), "runs": reports}, indent=2))


if __name__ == "__main__":
    main()
