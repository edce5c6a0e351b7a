"""Synchronous scoring benchmark, printed as JSON: latency of `POST /api/v1/score` for a 300-word
post (with a brand, so the gateway also reads the brand's banned words and hashtags), measured
over one keep-alive connection on loopback against real `python -m umt.agent` and
`python -m umt.gateway` processes; and, for comparison, the same text posted straight to the agent.
The difference is what the gateway adds (sign-in check, brand read, the hop to the agent).

    .venv/bin/python bench/bench_score.py [--requests 1000] [--database-url URL]

Target (issue 9): the gateway's scoring endpoint p50 <= 10 ms for a 300-word post."""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time

from bench_agent import WORDS
from bench_gateway import Http, free_port


def post_of(words: int, seed: int) -> str:
    rng = random.Random(seed)
    sentences, count = [], 0
    while count < words:
        length = min(rng.randint(8, 20), words - count)
        sentence = " ".join(rng.choice(WORDS) for _ in range(length))
        sentences.append(sentence[0].upper() + sentence[1:] + rng.choice(".!?"))
        count += length
    sentences.insert(3, "Read more at https://beanthere.example/autumn?utm_source=linkedin&utm_medium=social.")
    return " ".join(sentences) + " #coffee #autumn"


def start(module: str, env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", module], env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            if Http(port).call("GET", "/health")[0] == 200:
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{module} did not start") from None
            time.sleep(0.05)


def percentiles(timings: list[float]) -> dict[str, float]:
    timings = sorted(timings)

    def at(fraction: float) -> float:
        return round(timings[min(len(timings) - 1, int(len(timings) * fraction))], 2)

    return {"requests": len(timings), "p50": round(statistics.median(timings), 2), "p95": at(0.95),
            "p99": at(0.99), "mean": round(statistics.fmean(timings), 2)}


def measure(client: Http, path: str, bodies: list[dict], warmup: int = 50) -> dict[str, float]:
    for body in bodies[:warmup]:
        client.call("POST", path, body)
    timings = []
    for body in bodies:
        started = time.perf_counter()
        status, reply = client.call("POST", path, body)
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, reply
    return percentiles(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="umt-bench-score-")
    agent_port, gateway_port = free_port(), free_port()
    base = {**os.environ, "UMT_LOG_LEVEL": "WARNING", "MALLOC_ARENA_MAX": "2", "UMT_BIND_HOST": "127.0.0.1"}
    agent = start("umt.agent", {**base, "UMT_PORT": str(agent_port)}, agent_port)
    gateway = None
    try:
        gateway = start("umt.gateway", {
            **base, "UMT_PORT": str(gateway_port), "UMT_DATA_DIR": data, "DATABASE_URL": args.database_url,
            "UMT_SIGNING_KEY": secrets.token_urlsafe(32),
            "UMT_CHANNEL_KEY": secrets.token_urlsafe(32), "UMT_AGENT_URL": f"http://127.0.0.1:{agent_port}"},
            gateway_port)
        client = Http(gateway_port)
        status, session = client.call("POST", "/api/v1/auth/setup",
                                      {"email": "bench@example.com", "name": "Bench", "password": "a long password"})
        assert status == 201, session
        client.headers["Authorization"] = f"Bearer {session['token']}"
        brand = client.call("POST", "/api/v1/brands", {"name": "Bean There", "banned_words": ["cheap", "guarantee"],
                                                       "hashtags": ["#coffee", "#beanthere"]})[1]
        # As the owner types: each request carries the text a little further on.
        text = post_of(args.words, seed=1)
        bodies = [{"text": text + " " + " ".join(WORDS[: n % 7]), "channel": "linkedin", "keyphrase": "maple pecan",
                   "brand_id": brand["id"]} for n in range(args.requests)]
        through_gateway = measure(client, "/api/v1/score", bodies)
        plain = [{"text": b["text"], "channel": "linkedin", "keyphrase": "maple pecan",
                  "brand": {"banned_words": ["cheap", "guarantee"], "hashtags": ["#coffee", "#beanthere"]}}
                 for b in bodies]
        straight_to_agent = measure(Http(agent_port), "/v1/tasks/score", plain)
        print(json.dumps({
            "database": "postgresql" if args.database_url else "sqlite",
            "post_words": len(text.split()),
            "gateway_score_ms": through_gateway,
            "agent_score_task_ms": straight_to_agent,
            "gateway_adds_p50_ms": round(through_gateway["p50"] - straight_to_agent["p50"], 2),
        }, indent=2))
    finally:
        for process in (gateway, agent):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)


if __name__ == "__main__":
    main()
