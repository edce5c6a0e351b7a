"""The stack's figures: image bytes (Docker), idle memory, time to healthy, health latency.

Runs the real services through a backend, under its own stack name (so it never touches a
user's stack), and prints JSON:
    UMT_BASE_IMAGE=umt-base:bookworm python bench/bench_stack.py [--backend docker] [--runs 3] [--requests 1000]
    python bench/bench_stack.py --backend native
Memory is docker stats' figure (usage minus inactive file cache, from umt.runtime.stats) with
Docker, and the RSS of each service's process tree natively.
time_to_healthy_s: fresh containers from a present image, started in dependency order, until each
answers its health endpoint (probed every 20 ms, as the supervisor does)."""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import secrets
import socket
import statistics
import tempfile
import time
from pathlib import Path

MIB = 1024**2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout_s: float = 60.0) -> None:
    from umt.healthcheck import probe

    deadline = time.monotonic() + timeout_s
    while not probe(url, 0.5):
        if time.monotonic() > deadline:
            raise SystemExit(f"not healthy after {timeout_s} s: {url}")
        time.sleep(0.02)


def health_latencies_ms(port: int, path: str, count: int) -> list[float]:
    """`count` GETs over one keep-alive connection, each timed from request to body read."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    latencies = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise SystemExit(f"health answered {response.status}")
    finally:
        connection.close()
    return latencies


def memory_mib(backend) -> dict[str, float]:
    return {s.name: round(s.memory_bytes / MIB, 2) for s in backend.stats()}


def image_bytes(client, stack) -> dict:
    from umt.runtime.docker_image import build_args

    images = {client.images.get(spec.image).id: spec for spec in stack.services.values()}
    sizes = {image_id: client.images.get(image_id).attrs["Size"] for image_id in images}
    base_name = build_args(next(iter(images.values()))).get("BASE_IMAGE", "python:3.12-slim")
    base = client.images.get(base_name).attrs["Size"]
    above = sum(size - base for size in sizes.values())
    return {
        "images": sorted({spec.image for spec in images.values()}),
        "base_image": base_name,
        "base_bytes": base,
        "total_unique_bytes": base + above,
        "above_base_bytes": above,
        "above_base_mb": round(above / 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="fresh starts timed for time_to_healthy_s")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--backend", default="docker", choices=["docker", "native"])
    parser.add_argument("--network", default=os.environ.get("UMT_DOCKER_NETWORK", "host"), choices=["host", "bridge"])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="umt-bench-") as folder:
        (Path(folder) / "gateway_signing_key").write_text(secrets.token_urlsafe(48))
        (Path(folder) / "channel_key").write_text(secrets.token_urlsafe(48))
        (Path(folder) / "llm_api_key").write_text("")   # no LLM key: template drafts
        os.environ.update(
            UMT_SECRETS_DIR=folder, UMT_GATEWAY_PORT=str(free_port()), UMT_AGENT_PORT=str(free_port()),
            UMT_DATA_DIR=str(Path(folder) / "data"),
            # as umt.launch sets them: the gateway's container runs as the owner of its data folder
            UMT_UID=str(os.getuid()), UMT_GID=str(os.getgid()),
        )
        from umt.paths import default_stack_file
        from umt.runtime.stackfile import load_stack

        stack = dataclasses.replace(load_stack(default_stack_file()), name="umtbench")
        if args.backend == "native":
            from umt.runtime.native_backend import NativeBackend

            backend = NativeBackend(stack, Path(folder) / "data")
        else:
            from umt.runtime.docker_backend import DockerBackend

            backend = DockerBackend(stack, Path(folder) / "data", network=args.network)
        try:
            report = run(backend, stack, args)
        finally:
            for spec in stack.stop_order():
                backend.stop_service(spec.name, timeout=5)
                backend.remove_service(spec.name)
            if args.backend == "docker":
                for volume in backend._client.volumes.list(filters={"label": f"org.umt.stack={stack.name}"}):
                    volume.remove(force=True)
            backend.close()
    print(json.dumps(report, indent=2))


def run(backend, stack, args) -> dict:
    started = time.perf_counter()
    backend.prepare()
    prepare_s = time.perf_counter() - started
    report: dict = {"backend": args.backend, "prepare_s": round(prepare_s, 3)}
    if args.backend == "docker":
        report["network"] = args.network
        report["image"] = image_bytes(backend._client, stack)

    times = []
    for _ in range(args.runs):
        for spec in stack.stop_order():
            backend.stop_service(spec.name, timeout=5)
            backend.remove_service(spec.name)
        started = time.perf_counter()
        for spec in stack.start_order():
            backend.start_service(spec.name)
            wait_healthy(spec.health_url)
        times.append(time.perf_counter() - started)
    report["time_to_healthy_s"] = {"median": round(statistics.median(times), 3), "all": [round(t, 3) for t in times]}

    # Idle as a user meets it: the gateway has opened its database and seen the agent once.
    gateway = stack.services["gateway"]
    ready = http.client.HTTPConnection("127.0.0.1", gateway.health_port, timeout=10)
    ready.request("GET", "/ready")
    report["gateway_ready_status"] = ready.getresponse().status
    ready.close()
    backend.stats()   # the first sample primes the CPU deltas
    report["idle_memory_mib_after_start"] = memory_mib(backend)
    latency = {}
    for spec in stack.start_order():
        samples = health_latencies_ms(spec.health_port, spec.health_path, args.requests)
        cuts = statistics.quantiles(samples, n=100)
        latency[spec.name] = {"p50_ms": round(cuts[49], 3), "p99_ms": round(cuts[98], 3), "mean_ms": round(statistics.fmean(samples), 3)}
    report["health_latency_keepalive"] = latency
    report[f"idle_memory_mib_after_{args.requests}_health_requests"] = after = memory_mib(backend)
    report["idle_memory_mib_stack_total"] = round(sum(after.values()), 2)
    report["limits_mib"] = {s.name: round((s.limits.memory_bytes or 0) / MIB) for s in stack.services.values()}
    return report


if __name__ == "__main__":
    main()
