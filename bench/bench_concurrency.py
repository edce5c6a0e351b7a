"""One gateway under concurrent load, printed as JSON: the authenticated list of 50 content items
over 1 and over 16 keep-alive connections on loopback (a real `python -m umt.gateway` process),
throughput and latency percentiles for each.

    .venv/bin/python bench/bench_concurrency.py [--seconds 10] [--connections 1,16] [--database-url URL]
    .venv/bin/python bench/bench_concurrency.py --connections 16 --profile /tmp/gateway.txt   # needs py-spy

--profile samples the gateway with py-spy (--gil: only the thread holding the interpreter lock,
which is where the time goes in a Python server) and writes collapsed stacks to the file (one line
per stack and its sample count; flamegraph.pl or speedscope read it).

What the profile showed (issue 13 §5): under 16 connections a quarter of the interpreter's time
went to anyio's to_thread bookkeeping (two calls per authenticated request), SQLite and
PostgreSQL pools of 5 opened and closed overflow connections for every request beyond five, and
building the SQL statements of the session lookup and the list cost more than running them.

The load comes from one asyncio client process (no threads: a client that fights for its own
interpreter lock would measure itself). Target (issue 13 §5): with 16 connections at least the
single-connection throughput, and p99 <= 50 ms, on SQLite and on PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench_gateway import Http, free_port, rss_mib  # noqa: E402 - the bench folder is not a package

LIST = "/api/v1/content?limit=50"


async def _one_connection(port: int, token: str, until: float, timings: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (f"GET {LIST} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
               "Accept: application/json\r\n\r\n").encode()
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            body = await reader.readexactly(length)
            timings.append((time.perf_counter() - start) * 1000)
            if status != 200 or len(json.loads(body)["items"]) != 50:
                raise SystemExit(f"unexpected reply {status}: {body[:200]!r}")
    finally:
        writer.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and its threads so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(port: int, token: str, connections: int, seconds: float, pid: int) -> dict:
    timings: list[float] = []
    warm_until = time.perf_counter() + 1.0
    await asyncio.gather(*[_one_connection(port, token, warm_until, []) for _ in range(connections)])
    started, cpu_before = time.perf_counter(), cpu_seconds(pid)
    await asyncio.gather(*[_one_connection(port, token, started + seconds, timings) for _ in range(connections)])
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
    timings.sort()
    return {"connections": connections, "requests": len(timings),
            "requests_per_second": round(len(timings) / elapsed, 1),
            # The gateway's own CPU per request: what the machine's other load cannot inflate much.
            "gateway_cpu_ms_per_request": round(cpu * 1000 / len(timings), 2),
            "p50_ms": round(statistics.median(timings), 2), "p90_ms": round(timings[int(len(timings) * 0.9) - 1], 2),
            "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", default="1,16")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", default="", help="write py-spy's collapsed stacks of the gateway here")
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="umt-bench-concurrency-")
    port = free_port()
    env = {**os.environ, "UMT_DATA_DIR": data, "UMT_PORT": str(port), "UMT_SIGNING_KEY": secrets.token_urlsafe(32),
           "UMT_CHANNEL_KEY": secrets.token_urlsafe(32),
           "UMT_AGENT_URL": f"http://127.0.0.1:{free_port()}", "DATABASE_URL": args.database_url,
           "UMT_LOG_LEVEL": "WARNING", "MALLOC_ARENA_MAX": "2"}
    command = [sys.executable, "-m", "umt.gateway"]
    if args.profile:
        command = ["py-spy", "record", "--format", "raw", "--rate", "250", "--threads", "--gil", "--output", args.profile,
                   "--", *command]
    process = subprocess.Popen(command, env=env)
    started = time.monotonic()
    try:
        while True:
            try:
                client = Http(port)
                if client.call("GET", "/health")[0] == 200:
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() - started > 60:
                    raise SystemExit("the gateway did not start")
                time.sleep(0.05)
        status, session = client.call("POST", "/api/v1/auth/setup",
                                      {"email": "bench@example.com", "name": "Bench", "password": "a long password"})
        assert status == 201, session
        client.headers["Authorization"] = f"Bearer {session['token']}"
        brand = client.call("POST", "/api/v1/brands", {"name": "Acme"})[1]
        for n in range(50):
            status, _ = client.call("POST", "/api/v1/content", {
                "channel": "linkedin", "title": f"Post number {n}", "body": "A short body of a post. " * 8,
                "brand_id": brand["id"], "scheduled_at": "2026-06-01T09:00:00Z"})
            assert status == 201
        gateway_pid = int(subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
                          .stdout.split()[0]) if args.profile else process.pid
        runs = [asyncio.run(load(port, session["token"], int(n), args.seconds, gateway_pid))
                for n in args.connections.split(",")]
        print(json.dumps({"database": "postgresql" if args.database_url else "sqlite", "endpoint": LIST,
                          "seconds_per_run": args.seconds, "load_average": os.getloadavg(), "runs": runs,
                          "gateway_rss_mib_after": rss_mib(gateway_pid)}, indent=2))
    finally:
        if args.profile:  # py-spy writes its file when the gateway exits
            subprocess.run(["pkill", "-TERM", "-P", str(process.pid)], check=False)
        else:
            process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
