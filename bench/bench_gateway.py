"""Gateway benchmarks, printed as JSON: latency of an authenticated list of 50 content items over
one keep-alive connection on loopback, and the resident memory of a real `python -m umt.gateway`
process (idle after start, after a sign-in, after the list benchmark).

    .venv/bin/python bench/bench_gateway.py [--requests 2000] [--database-url URL]
    .venv/bin/python bench/bench_gateway.py --docker-image umt-service:0.1.0   # memory as docker stats shows it

With --docker-image the gateway runs in a container of that image (host network, data on a tmpfs)
and memory is docker stats' MEM USAGE instead of the process's RSS.

Targets (issue 4): p50 <= 5 ms for the list; idle memory within the foundation's target."""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS")


def docker_mem_mib(container: str) -> float:
    usage = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", container],
                           capture_output=True, text=True, check=True).stdout.split("/")[0].strip()
    number, unit = float(usage[:-3]), usage[-3:]
    return round(number * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit], 1)


def settle(measure, seconds: float = 1.5) -> float:
    """Memory once the gateway has been quiet for a moment (idle, as docker stats would show it)."""
    time.sleep(seconds)
    return measure()


class Http:
    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None) -> tuple[int, dict]:
        self.connection.request(method, path, body=None if body is None else json.dumps(body), headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else {})


@dataclasses.dataclass
class StartedGateway:
    process: subprocess.Popen
    measure: Callable[[], float]   # the gateway's memory in MiB, as the bench reports it
    http: Http                     # a keep-alive connection to it, healthy
    container: str = ""            # the container's name, in Docker


def start_gateway(env: dict[str, str], docker_image: str = "", name: str = "umt-bench-gateway",
                  docker_args: tuple[str, ...] = ()) -> StartedGateway:
    """`python -m umt.gateway` natively, or in `docker_image` on the host network, with `env`; waits
    until /health answers. The container gets env's UMT_* keys the gateway reads and DATABASE_URL."""
    port = int(env["UMT_PORT"])
    container = ""
    if docker_image:
        container = f"{name}-{port}"
        keys = [k for k in ("UMT_PORT", "UMT_SIGNING_KEY", "UMT_CHANNEL_KEY", "UMT_AGENT_URL", "DATABASE_URL",
                            "UMT_LOG_LEVEL") if k in env]
        process = subprocess.Popen(
            # The database on an anonymous volume, as the stack's named volume: on a tmpfs it would
            # count as the container's memory (about 10 MiB more in docker stats).
            ["docker", "run", "--rm", "--name", container, "--network", "host", "--mount", "type=volume,dst=/data",
             *docker_args, "-e", "UMT_DATA_DIR=/data", "-e", "UMT_BIND_HOST=127.0.0.1",
             *[f"-e{k}={env[k]}" for k in keys], docker_image, "python", "-m", "umt.gateway"])
        measure = lambda: docker_mem_mib(container)  # noqa: E731
    else:
        process = subprocess.Popen([sys.executable, "-m", "umt.gateway"], env=env)
        measure = lambda: rss_mib(process.pid)  # noqa: E731
    started = time.monotonic()
    while True:
        try:
            http_client = Http(port)
            if http_client.call("GET", "/health")[0] == 200:
                return StartedGateway(process, measure, http_client, container)
        except OSError:
            if process.poll() is not None or time.monotonic() - started > 60:
                process.terminate()
                raise SystemExit("the gateway did not start")
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--docker-image", default="")
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="umt-bench-gateway-")
    port = free_port()
    env = {**os.environ, "UMT_DATA_DIR": data, "UMT_PORT": str(port), "UMT_SIGNING_KEY": secrets.token_urlsafe(32),
           "UMT_CHANNEL_KEY": secrets.token_urlsafe(32), "UMT_AGENT_URL": f"http://127.0.0.1:{free_port()}", "DATABASE_URL": args.database_url,
           "UMT_LOG_LEVEL": "WARNING", "MALLOC_ARENA_MAX": "2"}  # as in the image
    started = time.monotonic()
    gateway = start_gateway(env, args.docker_image)
    process, measure, http_client = gateway.process, gateway.measure, gateway.http
    try:
        startup_seconds = round(time.monotonic() - started, 2)
        idle = settle(measure)

        status, session = http_client.call("POST", "/api/v1/auth/setup",
                                           {"email": "bench@example.com", "name": "Bench", "password": "a long password"})
        assert status == 201, session
        http_client.headers["Authorization"] = f"Bearer {session['token']}"
        after_login = settle(measure)
        brand = http_client.call("POST", "/api/v1/brands", {"name": "Acme"})[1]
        for n in range(50):
            status, _ = http_client.call("POST", "/api/v1/content", {
                "channel": "linkedin", "title": f"Post number {n}", "body": "A short body of a post. " * 8,
                "brand_id": brand["id"], "scheduled_at": "2026-06-01T09:00:00Z"})
            assert status == 201

        for _ in range(50):  # warm-up
            http_client.call("GET", "/api/v1/content?limit=50")
        timings = []
        for _ in range(args.requests):
            start = time.perf_counter()
            status, page = http_client.call("GET", "/api/v1/content?limit=50")
            timings.append((time.perf_counter() - start) * 1000)
            assert status == 200 and len(page["items"]) == 50
        timings.sort()
        after_bench = settle(measure)
        print(json.dumps({
            "database": "postgresql" if args.database_url else "sqlite",
            "where": f"docker {args.docker_image} (docker stats)" if args.docker_image else "process (VmRSS)",
            "list_50_content_items_ms": {
                "requests": args.requests,
                "p50": round(statistics.median(timings), 2),
                "p99": round(timings[int(len(timings) * 0.99) - 1], 2),
                "mean": round(statistics.fmean(timings), 2),
            },
            "startup_seconds": startup_seconds,
            "gateway_memory_mib": {"idle_after_start": idle, "after_sign_in": after_login, "after_list_bench": after_bench},
        }, indent=2))
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
