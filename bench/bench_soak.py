"""A soak: mixed API load on the Docker stack for `--minutes` (default 30), printed as JSON.

    UMT_BASE_IMAGE=umt-base:bookworm UMT_DOCKER_NETWORK=host .venv/bin/python bench/bench_soak.py [--minutes 30]

The real stack (gateway and agent containers from the current checkout's image, with their
memory limits) under its own stack name and ports. `--clients` threads (each its own
umt.client.GatewayClient, so every write carries an Idempotency-Key) loop over what an owner
does: create a post, read it, edit it, move it to review, list a page, ask for the analytics
totals, score a text (the agent), and delete most posts again (the table stays about the same
size, so latency measures the gateway, not a growing table). `--pause-ms` between operations
keeps the load humane on a shared machine.

Reported (issue 12, §5): the gateway's and the agent's memory (docker stats' figure) sampled
every 10 s; growth from the first sample after the first five minutes (the warm-up) to the
mean of the last minute, target ≤ 5 %; p99 latency per 5-minute window, target: every
window within 20 % of the first; and every error (target: none)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from bench_gateway import free_port  # the bench folder is the script's: on sys.path
from bench_stack import wait_healthy

MIB = 1024**2
WINDOW_S = 300.0
WARM_UP_S = 300.0


class Recorder:
    """Latencies by 5-minute window (from the start of the load) and errors, shared by the clients."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.lock = threading.Lock()
        self.latencies: dict[int, list[float]] = defaultdict(list)
        self.by_operation: dict[str, int] = defaultdict(int)
        self.errors: list[str] = []

    def timed(self, operation: str, call):
        begun = time.monotonic()
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - every failure is a finding
            with self.lock:
                self.errors.append(f"{operation}: {exc}"[:300])
            return None
        finally:
            done = time.monotonic()
            with self.lock:
                self.latencies[int((begun - self.started) // WINDOW_S)].append((done - begun) * 1000)
                self.by_operation[operation] += 1


def owner_loop(url: str, token: str, brand_id: int, recorder: Recorder, stop: threading.Event, pause: float,
               number: int) -> None:
    from umt.client import GatewayClient

    client = GatewayClient(url, token, timeout=(3.05, 30.0))
    today = date.today()
    turn = 0
    while not stop.is_set():
        turn += 1
        item = recorder.timed("create", lambda: client.content.create(
            title=f"Soak post {number}-{turn}", channel="linkedin", brand_id=brand_id,
            body="A short post about our spring offer, written for the soak. " * 4))
        if item is not None:
            recorder.timed("get", lambda: client.content.get(item.id))
            recorder.timed("update", lambda: client.content.update(item.id, body=f"Edited in turn {turn}."))
            recorder.timed("transition", lambda: client.content.transition(item.id, "in_review"))
        recorder.timed("list", lambda: client.content.list(limit=50))
        recorder.timed("analytics", lambda: client.analytics.totals(today - timedelta(days=30), today, by="week"))
        if turn % 5 == 0:
            recorder.timed("score", lambda: client.score("Spring is here: 20% off all plants this week.",
                                                         "linkedin"))
        if item is not None and turn % 10:  # nine posts in ten go again: the table stays small
            recorder.timed("delete", lambda: client.content.delete(item.id))
        stop.wait(pause)
    client.close()


def memory_mib(backend) -> dict[str, float]:
    return {s.name: round(s.memory_bytes / MIB, 2) for s in backend.stats()}


def gateway_breakdown_mib(backend) -> dict[str, float]:
    """The gateway container's anonymous memory (the processes' own) apart from the page cache of
    its files (the database's pages count against the container too), from the cgroup (v1)."""
    containers = backend._client.containers.list(filters={"label": [f"org.umt.stack={backend.stack.name}",
                                                                     "org.umt.service=gateway"]})
    path = Path(f"/sys/fs/cgroup/memory/docker/{containers[0].id}/memory.stat") if containers else None
    if path is None or not path.exists():
        return {}
    fields = dict(line.split() for line in path.read_text().splitlines())
    return {"anon_mib": round(int(fields["rss"]) / MIB, 2), "active_file_mib": round(int(fields["active_file"]) / MIB, 2),
            "inactive_file_mib": round(int(fields["inactive_file"]) / MIB, 2)}


def run(backend, stack, args) -> dict:
    from umt.client import GatewayClient

    backend.prepare()
    for spec in stack.start_order():
        backend.start_service(spec.name)
        wait_healthy(spec.health_url, timeout_s=120.0)
    gateway = stack.services["gateway"]
    url = f"http://127.0.0.1:{gateway.health_port}"
    setup = GatewayClient(url)
    token = setup.setup_owner("soak@example.com", "Soak", "a long soak password").token
    brand = setup.brands.create(name="Soak brand")
    backend.stats()  # primes the CPU deltas

    started = time.monotonic()
    recorder = Recorder(started)
    stop = threading.Event()
    threads = [threading.Thread(target=owner_loop, daemon=True,
                                args=(url, token, brand.id, recorder, stop, args.pause_ms / 1000, n))
               for n in range(args.clients)]
    for thread in threads:
        thread.start()
    samples: list[tuple[float, dict[str, float]]] = []
    deadline = started + args.minutes * 60
    breakdown: list[tuple[float, dict[str, float]]] = []
    while time.monotonic() < deadline:
        samples.append((time.monotonic() - started, memory_mib(backend)))
        breakdown.append((samples[-1][0], gateway_breakdown_mib(backend)))
        time.sleep(min(10.0, max(0.0, deadline - time.monotonic())))
    samples.append((time.monotonic() - started, memory_mib(backend)))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    report: dict = {"minutes": args.minutes, "clients": args.clients, "pause_ms": args.pause_ms,
                    "operations": dict(recorder.by_operation), "errors": len(recorder.errors),
                    "first_errors": recorder.errors[:10],
                    "limits_mib": {s.name: round((s.limits.memory_bytes or 0) / MIB)
                                   for s in stack.services.values()}}
    windows = []
    for index in sorted(recorder.latencies):
        values = sorted(recorder.latencies[index])
        if (index + 1) * WINDOW_S > args.minutes * 60 + 1 or len(values) < 100:
            continue  # a cut-off window (the stragglers after the end)
        cuts = statistics.quantiles(values, n=100)
        windows.append({"window": f"{index * 5}-{index * 5 + 5} min", "requests": len(values),
                        "p50_ms": round(cuts[49], 2), "p99_ms": round(cuts[98], 2)})
    report["latency_by_5_minute_window"] = windows
    if windows:
        base = windows[0]["p99_ms"]
        report["p99_max_change_vs_first_window_pct"] = round(
            max(abs(w["p99_ms"] - base) / base * 100 for w in windows), 1)
    warm = [m for t, m in samples if t >= WARM_UP_S] if args.minutes * 60 > WARM_UP_S else [m for _, m in samples]
    last_minute = [m for t, m in samples if t >= samples[-1][0] - 60]
    growth = {}
    for name in stack.services:
        after_warm_up = warm[0][name]
        at_end = statistics.fmean(m[name] for m in last_minute)
        growth[name] = {"after_warm_up_mib": after_warm_up, "end_mib": round(at_end, 2),
                        "peak_mib": max(m[name] for _, m in samples),
                        "growth_pct": round((at_end - after_warm_up) / after_warm_up * 100, 2)}
    report["memory"] = growth
    report["memory_samples_mib"] = [{"t_s": round(t), **m} for t, m in samples[::6]]
    report["gateway_cgroup_breakdown"] = [{"t_s": round(t), **m} for t, m in breakdown[::6] if m]
    anon = [(t, m["anon_mib"]) for t, m in breakdown if m]
    if anon:
        after_warm_up = next((value for t, value in anon if t >= WARM_UP_S), anon[0][1])
        report["gateway_anon_growth_pct"] = round((anon[-1][1] - after_warm_up) / after_warm_up * 100, 2)
    database = Path(os.environ["UMT_DATA_DIR"]) / "gateway-data" / stack.name
    report["database_mib"] = {f.name: round(f.stat().st_size / MIB, 2) for f in database.glob("umt.db*")}
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--pause-ms", type=float, default=50.0)
    parser.add_argument("--network", default=os.environ.get("UMT_DOCKER_NETWORK", "host"), choices=["host", "bridge"])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="umt-soak-") as folder:
        (Path(folder) / "gateway_signing_key").write_text(secrets.token_urlsafe(48))
        (Path(folder) / "channel_key").write_text(secrets.token_urlsafe(48))
        (Path(folder) / "llm_api_key").write_text("")   # no LLM key: template drafts
        stack_name = f"umtsoak{os.getpid()}"
        os.environ.update(
            UMT_SECRETS_DIR=folder, UMT_GATEWAY_PORT=str(free_port()), UMT_AGENT_PORT=str(free_port()),
            UMT_DATA_DIR=str(Path(folder) / "data"), UMT_STACK_NAME=stack_name,
            UMT_UID=str(os.getuid()), UMT_GID=str(os.getgid()),
        )
        from umt.paths import default_stack_file
        from umt.runtime.docker_backend import DockerBackend
        from umt.runtime.stackfile import load_stack

        stack = dataclasses.replace(load_stack(default_stack_file()), name=stack_name)
        backend = DockerBackend(stack, Path(folder) / "data", network=args.network)
        try:
            report = run(backend, stack, args)
        finally:
            for spec in stack.stop_order():
                backend.stop_service(spec.name, timeout=5)
                backend.remove_service(spec.name)
            for volume in backend._client.volumes.list(filters={"label": f"org.umt.stack={stack.name}"}):
                volume.remove(force=True)
            backend.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
