"""Agent benchmarks, printed as JSON: scoring time for a 1,000-word text, and the idle memory of a
real `python -m umt.agent` process right after start and after it has run every kind of task.

    .venv/bin/python bench/bench_agent.py [--runs 300]

Targets (issue 5): scoring a 1,000-word text <= 20 ms; idle memory within the foundation's target
(25 MiB in docker stats)."""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

WORDS = ("coffee roast morning bean autumn blend maple pecan delivery subscription customer flavour smooth "
         "neighbourhood barista ethically sourced espresso community weekend discount freshly ground "
         "sustainable packaging loyalty rewards seasonal menu quality").split()


def thousand_word_text(seed: int = 1) -> str:
    rng = random.Random(seed)
    sentences, count = [], 0
    while count < 1000:
        length = min(rng.randint(8, 22), 1000 - count)
        sentence = " ".join(rng.choice(WORDS) for _ in range(length))
        sentences.append(sentence[0].upper() + sentence[1:] + rng.choice(".!?"))
        count += length
    sentences.insert(10, "Read more at https://beanthere.example/blog?utm_source=linkedin&utm_medium=social.")
    return " ".join(sentences) + " #coffee #autumn"


def bench_scoring(runs: int) -> dict:
    from umt.agent import readability
    from umt.agent.scoring import ScoreInput, score_text

    task = ScoreInput(text=thousand_word_text(), channel="blog", keyphrase="autumn blend",
                      banned_words=["cheap", "guaranteed", "miracle"], brand_hashtags=["coffee"])
    readability.syllables.cache_clear()
    started = time.perf_counter()
    result = score_text(task)
    cold = time.perf_counter() - started
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        score_text(task)
        timings.append(time.perf_counter() - started)
    return {"words": result["metrics"]["words"], "runs": runs, "cold_ms": round(1000 * cold, 3),
            "median_ms": round(1000 * statistics.median(timings), 3),
            "p95_ms": round(1000 * sorted(timings)[int(0.95 * runs) - 1], 3), "target_ms": 20}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS")


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def bench_idle_memory() -> dict:
    port = _free_port()
    env = {**os.environ, "UMT_PORT": str(port), "UMT_LOG_LEVEL": "WARNING"}
    for name in ("UMT_LLM_BASE_URL", "UMT_LLM_MODEL"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "umt.agent"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the agent did not start")
                time.sleep(0.05)
        time.sleep(1.0)  # let start-up allocations settle before reading RSS
        after_start = _rss_mib(process.pid)
        brand = {"name": "Bean There", "voice": "friendly", "audience": "parents", "hashtags": ["coffee"]}
        tasks = {
            "draft": {"brand": brand, "channel": "linkedin", "brief": "Autumn blend is back", "variants": 5},
            "score": {"text": thousand_word_text(), "channel": "blog"},
            "experiment": {"variants": [{"name": "A", "exposures": 5000, "conversions": 250},
                                        {"name": "B", "exposures": 5000, "conversions": 290}], "draws": 50000},
            "sample_size": {"baseline_rate": 0.05, "minimum_detectable_effect": 0.01},
            "best_time": {"timezone": "Europe/Berlin", "metrics": [
                {"at": f"2026-01-{d:02d}T{h:02d}:00:00Z", "impressions": 1000, "engagements": 30 + h}
                for d in range(1, 29) for h in range(6, 20)]},
            "utm": {"url": "https://a.example/x", "source": "s", "medium": "m", "campaign": "c"},
            "plan_calendar": {"start": "2026-01-01", "end": "2026-06-30", "posts": 120, "channels": ["x"],
                              "timezone": "Europe/Berlin"},
        }
        for _ in range(3):
            for kind, body in tasks.items():
                _post(f"{base}/v1/tasks/{kind}", body)
        time.sleep(1.0)
        after_tasks = _rss_mib(process.pid)
        return {"rss_after_start_mib": after_start, "rss_after_tasks_mib": after_tasks, "target_mib": 25,
                "note": "VmRSS of a native `python -m umt.agent`; docker stats counts a little differently"}
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    print(json.dumps({"scoring_1000_words": bench_scoring(args.runs), "agent_memory": bench_idle_memory()}, indent=2))


if __name__ == "__main__":
    main()
