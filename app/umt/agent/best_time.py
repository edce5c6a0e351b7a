"""The `best_time` task: when this account's posts earn the most engagement, from its own metrics.

Each post's impressions and engagements go into a weekday x hour slot in the owner's time zone
(weekday 0 = Monday). A slot's engagement rate is shrunk toward the account's mean rate with a
beta-binomial empirical-Bayes prior Beta(k m, k (1 - m)): m is the account's pooled rate and the
prior strength k (in impressions) comes from the method of moments, i.e. how much more the
slots' rates vary than binomial noise alone would make them (between-slot variance
tau^2 = (sum n_s (r_s - m)^2 - (S - 1) m (1 - m)) / N, k = m (1 - m) / tau^2 - 1, clamped to
[10, 10^6]; no excess variance means the slots do not differ and every slot shrinks to m).
Slots are ranked by the lower bound of the posterior's central 90% (normal approximation to
the Beta posterior), so a slot with two lucky posts does not outrank one with steady evidence."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist

from umt.agent.errors import InputError
from umt.contract import tasks as contract

PRIOR_STRENGTH_RANGE = (10.0, 1e6)
LOWER_BOUND_Z = NormalDist().inv_cdf(0.95)
MIN_POSTS = 10
MIN_SLOTS = 3
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Metric:
    at: datetime
    impressions: int
    engagements: int


@dataclass(frozen=True)
class BestTimeTask:
    timezone: object
    metrics: list[Metric]
    min_impressions: int
    top: int


def parse_best_time(task: contract.BestTimeInput) -> BestTimeTask:
    """The gateway fills `metrics` in from the account's own rows when the job names none."""
    from zoneinfo import ZoneInfo

    if task.metrics is None:
        raise InputError("metrics", "is required")
    metrics = [Metric(row.at, row.impressions, row.engagements) for row in task.metrics]
    return BestTimeTask(ZoneInfo(task.timezone), metrics, task.min_impressions, task.top)


def prior_strength(slots: list[tuple[int, int]], mean: float) -> float:
    """Method-of-moments beta prior strength from (impressions, engagements) per slot."""
    total = sum(n for n, _ in slots)
    spread = sum(n * (e / n - mean) ** 2 for n, e in slots)
    excess = (spread - (len(slots) - 1) * mean * (1 - mean)) / total
    low, high = PRIOR_STRENGTH_RANGE
    if excess <= 0:
        return high
    return min(high, max(low, mean * (1 - mean) / excess - 1))


def run_best_time(task: BestTimeTask, progress) -> dict:
    buckets: dict[tuple[int, int], list[int]] = {}
    capped = 0
    for metric in task.metrics:
        if not metric.impressions:
            continue
        local = metric.at.astimezone(task.timezone)
        bucket = buckets.setdefault((local.weekday(), local.hour), [0, 0, 0])
        bucket[0] += 1
        bucket[1] += metric.impressions
        # A rate needs engagements <= impressions; networks that count several per view can exceed it.
        bucket[2] += min(metric.engagements, metric.impressions)
        capped += metric.engagements > metric.impressions
    progress(0.5, "slots grouped")
    posts = sum(b[0] for b in buckets.values())
    impressions = sum(b[1] for b in buckets.values())
    engagements = sum(b[2] for b in buckets.values())
    base = {"timezone": task.timezone.key, "posts": posts, "impressions": impressions, "engagements": engagements,
            "warnings": [f"{capped} post(s) had more engagements than impressions; each counted as a 100% rate."]
            if capped else []}
    shortfalls = []
    if posts < MIN_POSTS:
        shortfalls.append(f"{posts} posts with impressions (needs {MIN_POSTS})")
    if impressions < max(1, task.min_impressions):
        shortfalls.append(f"{impressions} impressions (needs {max(1, task.min_impressions)})")
    if len(buckets) < MIN_SLOTS:
        shortfalls.append(f"posts in {len(buckets)} different weekday-hour slots (needs {MIN_SLOTS})")
    if shortfalls or engagements == 0:
        reason = "; ".join(shortfalls) if shortfalls else "no engagements at all"
        return {**base, "status": "not_enough_data", "message": f"Not enough data to say when to post: {reason}.",
                "slots": [], "best_times": []}

    mean = engagements / impressions
    strength = prior_strength([(b[1], b[2]) for b in buckets.values()], mean)
    slots = []
    for (weekday, hour), (count, n, e) in buckets.items():
        a = strength * mean + e
        b = strength * (1 - mean) + n - e
        posterior_mean = a / (a + b)
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        slots.append({"weekday": weekday, "weekday_name": WEEKDAYS[weekday], "hour": hour, "posts": count,
                      "impressions": n, "engagements": e, "rate": e / n, "shrunk_rate": posterior_mean,
                      "lower_bound": max(0.0, posterior_mean - LOWER_BOUND_Z * sd)})
    slots.sort(key=lambda slot: (-slot["lower_bound"], -slot["impressions"]))
    progress(1.0, "slots ranked")
    best = slots[: task.top]
    return {
        **base,
        "status": "ok",
        "account_rate": mean,
        "prior_strength": strength,
        "message": "Best slot: " + f"{best[0]['weekday_name']} {best[0]['hour']:02d}:00 ({task.timezone.key}), "
                   f"engagement rate {100 * best[0]['shrunk_rate']:.2f}% vs the account's {100 * mean:.2f}%.",
        "slots": slots,
        "best_times": [{"weekday": s["weekday"], "hour": s["hour"]} for s in best],
        "method": "beta-binomial shrinkage toward the account mean (empirical Bayes, method of moments), "
                  "ranked by the 5th percentile of each slot's posterior (normal approximation)",
    }
