"""The server stack's figures (stacks/server: PostgreSQL, two gateways, the agent, Caddy over TLS):
image bytes, time from `docker-compose up -d` to healthy through TLS, each container's memory at
rest, and the latency of /health through the proxy. Started as its test starts it
(tests/server_stack.py: host networking, free loopback ports, a trustme authority), and prints JSON:
    UMT_BASE_IMAGE=umt-base:bookworm .venv/bin/python bench/bench_server_stack.py [--requests 300]
Memory is docker stats' figure (usage minus inactive file cache, umt.runtime.stats' formula)."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/server_stack.py: how the stack is started here

MIB = 1024**2


def main() -> None:
    import docker
    import requests

    from tests.server_stack import running_server_stack
    from umt.runtime.stats import memory_bytes

    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds at rest before memory is read")
    options = parser.parse_args()
    client = docker.from_env()
    with tempfile.TemporaryDirectory(prefix="umt-bench-server-") as folder:
        started = time.monotonic()
        with running_server_stack(Path(folder)) as stack:
            prepared = time.monotonic() - started - stack.up_seconds
            began = time.monotonic()
            session = requests.Session()
            while True:
                try:
                    if session.get(stack.url + "/health", timeout=2, verify=stack.ca_file).ok:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() - began > 120:
                    raise SystemExit("the stack did not become healthy through its proxy in 120 s")
                time.sleep(0.05)
            healthy_after_up = time.monotonic() - began
            latencies = []
            for _ in range(options.requests):
                at = time.perf_counter()
                session.get(stack.url + "/health", timeout=5, verify=stack.ca_file).raise_for_status()
                latencies.append((time.perf_counter() - at) * 1000)
            time.sleep(options.settle)
            memory = {}
            for container_id in stack.container_ids():
                container = client.containers.get(container_id)
                stats = container.stats(stream=False)
                name = container.labels.get("com.docker.compose.service", container.name)
                memory[name] = round(memory_bytes(stats) / MIB, 1)
            images = {}
            for tag in sorted({service_image(stack, name) for name in memory}):
                images[tag] = round(client.images.get(tag).attrs["Size"] / 1e6, 1)
    latencies.sort()
    print(json.dumps({
        "images_mb": images,
        "build_or_reuse_images_s": round(prepared, 1),
        "compose_up_s": round(stack.up_seconds, 1),
        "healthy_through_tls_after_up_s": round(healthy_after_up, 1),
        "memory_mib_at_rest": memory,
        "memory_mib_total": round(sum(memory.values()), 1),
        "health_through_proxy_ms": {"p50": round(statistics.median(latencies), 2),
                                    "p99": round(latencies[int(len(latencies) * 0.99) - 1], 2)},
        "requests": options.requests,
    }, indent=2))


def service_image(stack, service: str) -> str:
    return subprocess.run(["docker", "inspect", "--format", "{{.Config.Image}}",
                           *stack.run("ps", "-q", service).split()], check=True, capture_output=True,
                          text=True).stdout.strip()


if __name__ == "__main__":
    main()
