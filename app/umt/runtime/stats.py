"""The docker CLI's own stats formulas, as pure functions over the engine's stats payloads.

We poll with `one_shot=True`, which leaves `precpu_stats` empty, so CPU % comes from the deltas
between two of our own consecutive samples.
"""

from __future__ import annotations

from typing import Any, Mapping

Payload = Mapping[str, Any]


def cpu_percent(previous: Payload | None, current: Payload) -> float:
    """CPU % of one CPU (200 = two full cores), as `docker stats` shows it.

    container usage delta / system usage delta x online CPUs x 100; 0 without a usable delta."""
    if not previous:
        return 0.0
    cpu, before = current.get("cpu_stats") or {}, previous.get("cpu_stats") or {}
    container_delta = _usage(cpu) - _usage(before)
    system_delta = (cpu.get("system_cpu_usage") or 0) - (before.get("system_cpu_usage") or 0)
    if container_delta <= 0 or system_delta <= 0:
        return 0.0
    return container_delta / system_delta * online_cpus(cpu) * 100.0


def online_cpus(cpu_stats: Payload) -> int:
    """The engine's online_cpus, else the per-CPU list's length (older engines, cgroup v1), else 1."""
    online = cpu_stats.get("online_cpus")
    if online:
        return int(online)
    per_cpu = (cpu_stats.get("cpu_usage") or {}).get("percpu_usage")
    return len(per_cpu) if per_cpu else 1


def memory_bytes(current: Payload) -> int:
    """Memory use without the inactive file cache: usage - total_inactive_file (cgroup v1) or
    usage - inactive_file (cgroup v2), the docker CLI's figure."""
    memory = current.get("memory_stats") or {}
    usage = int(memory.get("usage") or 0)
    detail = memory.get("stats") or {}
    if "total_inactive_file" in detail and detail["total_inactive_file"] < usage:
        return usage - int(detail["total_inactive_file"])
    inactive = detail.get("inactive_file")
    if inactive is not None and inactive < usage:
        return usage - int(inactive)
    return usage


def memory_limit_bytes(current: Payload) -> int | None:
    limit = (current.get("memory_stats") or {}).get("limit")
    return int(limit) if limit else None


def pids(current: Payload) -> int:
    return int((current.get("pids_stats") or {}).get("current") or 0)


def _usage(cpu_stats: Payload) -> int:
    return int((cpu_stats.get("cpu_usage") or {}).get("total_usage") or 0)
