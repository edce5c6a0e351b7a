"""Time from `umt up` to all healthy, per backend (Docker with its image present; native).

Runs the real command as a subprocess, as a user would, several times, and prints JSON:
    python bench/bench_up.py [--runs 5] [--backend docker native]
The first Docker run builds or finds the image; it is not timed."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def umt(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "umt.cli", *args], env=env, capture_output=True, text=True)


def time_backend(backend: str, runs: int) -> dict:
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, UMT_DATA_DIR=data, UMT_GATEWAY_PORT=str(free_port()), UMT_AGENT_PORT=str(free_port()),
                   UMT_STACK_NAME="umt-bench")   # never the user's own stack
        if backend == "docker":
            warm = umt(env, "build")
            if warm.returncode:
                return {"error": warm.stderr.strip().splitlines()[-1]}
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            up = umt(env, "up", "--backend", backend, "--no-supervise")
            elapsed = time.perf_counter() - started
            umt(env, "down", "--backend", backend)
            if up.returncode:
                return {"error": up.stderr.strip()}
            times.append(elapsed)
        return {
            "runs": runs,
            "up_to_healthy_s_median": round(statistics.median(times), 3),
            "up_to_healthy_s_min": round(min(times), 3),
            "up_to_healthy_s_max": round(max(times), 3),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", nargs="+", default=["docker", "native"])
    args = parser.parse_args()
    print(json.dumps({b: time_backend(b, args.runs) for b in args.backend}, indent=2))


if __name__ == "__main__":
    main()
