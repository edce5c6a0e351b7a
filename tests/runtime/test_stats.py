"""The docker CLI's stats formulas on engine payloads, for cgroup v1 (recorded) and v2."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from umt.runtime.stats import cpu_percent, memory_bytes, memory_limit_bytes, online_cpus, pids

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def v1():
    return json.loads((DATA / "docker_stats_cgroup_v1.json").read_text())


@pytest.fixture(scope="module")
def v2():
    return json.loads((DATA / "docker_stats_cgroup_v2.json").read_text())


def test_v1_memory_is_usage_minus_total_inactive_file_as_docker_stats_showed(v1):
    # `docker stats` printed 856KiB for this very sample.
    assert memory_bytes(v1["memory"]) == 856 * 1024
    assert memory_limit_bytes(v1["memory"]) == 64 * 1024**2


def test_v1_cpu_of_a_busy_loop_limited_to_half_a_cpu(v1):
    before, after = v1["cpu_pair"]
    # container delta 501214641 ns / system delta 2070000000 ns x 2 online CPUs x 100
    assert cpu_percent(before, after) == pytest.approx(48.4265, abs=1e-3)
    assert 40 < cpu_percent(before, after) <= 50.5   # the --cpus 0.5 limit holds


def test_v2_memory_subtracts_inactive_file(v2):
    assert memory_bytes(v2["cpu_pair"][1]) == 61_000_000 - 11_500_000


def test_v2_cpu_uses_online_cpus(v2):
    before, after = v2["cpu_pair"]
    # 0.25 s of CPU over 4 s of system time (4 CPUs x 1 s) = 6.25 % of the machine = 25 % of one CPU
    assert cpu_percent(before, after) == pytest.approx(25.0)


def test_no_previous_sample_or_a_restarted_counter_gives_zero(v1):
    before, after = v1["cpu_pair"]
    assert cpu_percent(None, after) == 0.0
    assert cpu_percent(after, before) == 0.0   # counters went backwards: the container restarted


def test_cgroup_v1_key_wins_when_both_are_present(v2):
    sample = copy.deepcopy(v2["cpu_pair"][1])
    sample["memory_stats"]["stats"]["total_inactive_file"] = 1_000_000
    assert memory_bytes(sample) == 60_000_000


def test_inactive_file_larger_than_usage_is_ignored():
    assert memory_bytes({"memory_stats": {"usage": 100, "stats": {"inactive_file": 500}}}) == 100
    assert memory_bytes({}) == 0


def test_online_cpus_falls_back_to_the_per_cpu_list_then_one(v1):
    cpu = copy.deepcopy(v1["cpu_pair"][1]["cpu_stats"])
    del cpu["online_cpus"]
    assert online_cpus(cpu) == len(cpu["cpu_usage"]["percpu_usage"]) == 2
    assert online_cpus({"cpu_usage": {"total_usage": 5}}) == 1


def test_pids(v1, v2):
    assert pids(v1["memory"]) >= 1
    assert pids(v2["cpu_pair"][0]) == 3
    assert pids({}) == 0
