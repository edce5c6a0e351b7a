"""Agent benchmarks, printed as JSON: scoring time for a 1,000-word text, and the idle memory of a
real `python -m umt.agent` process right after start and after it has run every kind of task.

    .venv/bin/python bench/bench_agent.py [--runs 300]
    .venv/bin/python bench/bench_agent.py --docker-image umt-service:0.1.0   # memory as docker stats shows it

Targets (issue 5): scoring a 1,000-word text <= 20 ms; idle memory within the foundation's target
(25 MiB in docker stats)."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request

from bench_gateway import docker_mem_mib, free_port, rss_mib, settle

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


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def sample_tasks() -> dict:
    brand = {"name": "Bean There", "voice": "friendly", "audience": "parents", "hashtags": ["coffee"]}
    return {
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


def bench_memory(docker_image: str) -> dict:
    port = free_port()
    if docker_image:
        container = f"umt-bench-agent-{port}"
        process = subprocess.Popen(["docker", "run", "--rm", "--name", container, "--network", "host",
                                    "-e", f"UMT_PORT={port}", "-e", "UMT_LOG_LEVEL=WARNING", docker_image,
                                    "python", "-m", "umt.agent"])
        measure = lambda: docker_mem_mib(container)  # noqa: E731
    else:
        env = {key: value for key, value in os.environ.items() if not key.startswith("UMT_LLM_")}
        env.update(UMT_PORT=str(port), UMT_LOG_LEVEL="WARNING", MALLOC_ARENA_MAX="2")  # as in the image
        process = subprocess.Popen([sys.executable, "-m", "umt.agent"], env=env)
        measure = lambda: rss_mib(process.pid)  # noqa: E731
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("the agent did not start")
                time.sleep(0.05)
        after_start = settle(measure)
        for _ in range(3):
            for kind, body in sample_tasks().items():
                _post(f"{base}/v1/tasks/{kind}", body)
        return {"after_start_mib": after_start, "after_21_tasks_mib": settle(measure), "target_mib": 25,
                "where": f"docker {docker_image} (docker stats)" if docker_image else "process (VmRSS)"}
    finally:
        if docker_image:
            subprocess.run(["docker", "stop", container], capture_output=True)
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--docker-image", default="", help="measure memory in a container of this image")
    args = parser.parse_args()
    print(json.dumps({"scoring_1000_words": bench_scoring(args.runs), "agent_memory": bench_memory(args.docker_image)},
                     indent=2))


if __name__ == "__main__":
    main()
