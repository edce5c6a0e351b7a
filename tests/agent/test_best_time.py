"""Best time to post: local slots, shrinkage, ranking by the lower bound, honest 'not enough data'."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from umt.agent.best_time import parse_best_time, prior_strength, run_best_time
from umt.agent.errors import InputError
from umt.agent.tasks import read_input


def _run(body):
    return run_best_time(parse_best_time(read_input("best_time", body)), lambda *a: None)


def _metrics(seed=3, weeks=12, strong=((1, 9),), strong_rate=0.06, base_rate=0.03, zone_offset_hours=1):
    """Posts at local hours 9, 13, 18 on every weekday for `weeks` weeks in a zone at UTC+offset (winter Berlin)."""
    rng = random.Random(seed)
    rows = []
    monday = datetime(2026, 1, 5, tzinfo=timezone.utc)  # a Monday in winter: Berlin is UTC+1
    for week in range(weeks):
        for weekday in range(7):
            for hour in (9, 13, 18):
                impressions = rng.randint(800, 1200)
                rate = strong_rate if (weekday, hour) in strong else base_rate
                engagements = sum(rng.random() < rate for _ in range(impressions))
                at = monday + timedelta(days=7 * week + weekday, hours=hour - zone_offset_hours)
                rows.append({"at": at.isoformat().replace("+00:00", "Z"), "impressions": impressions,
                             "engagements": engagements})
    return rows


def test_finds_the_strong_slot_in_local_time():
    result = _run({"timezone": "Europe/Berlin", "metrics": _metrics()})
    assert result["status"] == "ok"
    assert result["best_times"][0] == {"weekday": 1, "hour": 9}  # Tuesday 09:00 Berlin, i.e. 08:00 UTC
    assert result["slots"][0]["weekday_name"] == "Tuesday"
    assert "Tuesday 09:00" in result["message"]
    lower_bounds = [slot["lower_bound"] for slot in result["slots"]]
    assert lower_bounds == sorted(lower_bounds, reverse=True)


def test_summer_time_moves_the_utc_hour():
    # 07:00 UTC in July is 09:00 in Berlin (UTC+2).
    july = datetime(2026, 7, 7, 7, tzinfo=timezone.utc)
    rows = [{"at": (july + timedelta(days=7 * i)).isoformat(), "impressions": 1000, "engagements": 80} for i in range(6)]
    rows += [{"at": (july + timedelta(days=7 * i + 1, hours=h)).isoformat(), "impressions": 1000, "engagements": 20}
             for i in range(6) for h in (2, 6)]
    result = _run({"timezone": "Europe/Berlin", "metrics": rows})
    assert result["best_times"][0] == {"weekday": 1, "hour": 9}


def test_a_lucky_slot_with_little_evidence_does_not_win():
    rows = _metrics(strong=((1, 9),), strong_rate=0.045)
    # One post on Sunday 23:00 Berlin with a spectacular rate on few impressions.
    rows.append({"at": "2026-01-11T22:00:00Z", "impressions": 40, "engagements": 12})
    result = _run({"timezone": "Europe/Berlin", "metrics": rows})
    lucky = next(slot for slot in result["slots"] if (slot["weekday"], slot["hour"]) == (6, 23))
    assert lucky["rate"] == pytest.approx(0.3)
    assert lucky["shrunk_rate"] < 0.1  # pulled toward the account's ~3.1%
    assert result["best_times"][0] == {"weekday": 1, "hour": 9}


def test_prior_strength_recovers_a_known_beta_prior():
    # Slots whose true rates come from Beta(k m, k (1 - m)) with k = 400, m = 0.04.
    rng = random.Random(8)
    k, m = 400, 0.04
    slots = []
    for _ in range(160):
        rate = rng.betavariate(k * m, k * (1 - m))
        n = 5000
        slots.append((n, sum(rng.random() < rate for _ in range(n))))
    mean = sum(e for _, e in slots) / sum(n for n, _ in slots)
    assert 250 < prior_strength(slots, mean) < 650


def test_no_excess_variation_shrinks_everything_to_the_mean():
    slots = [(10000, 300), (10000, 300), (10000, 300)]
    assert prior_strength(slots, 0.03) == 1e6


def test_says_not_enough_data_under_the_threshold():
    rows = [{"at": "2026-01-06T08:00:00Z", "impressions": 100, "engagements": 5}] * 4
    result = _run({"timezone": "America/New_York", "metrics": rows})
    assert result["status"] == "not_enough_data"
    assert "Not enough data" in result["message"] and "needs 10" in result["message"]
    assert result["best_times"] == []


def test_min_impressions_threshold_is_the_callers():
    rows = _metrics(weeks=1)
    assert _run({"timezone": "Europe/Berlin", "metrics": rows, "min_impressions": 10**9})["status"] == "not_enough_data"


@pytest.mark.parametrize("body, field", [
    ({"timezone": "Mars/Olympus", "metrics": []}, "timezone"),
    ({"timezone": "UTC", "metrics": [{"at": "yesterday", "impressions": 1, "engagements": 0}]}, "metrics[0].at"),
    ({"timezone": "UTC", "metrics": [{"at": "2026-01-01T00:00:00Z", "impressions": -1, "engagements": 0}]},
     "metrics[0].impressions"),
])
def test_bad_input_names_the_field(body, field):
    with pytest.raises(InputError) as caught:
        parse_best_time(read_input("best_time", body))
    assert caught.value.field == field and caught.value.status == 422


def test_more_engagements_than_impressions_count_as_full_rate_with_a_warning():
    rows = _metrics(weeks=2)
    rows.append({"at": "2026-01-06T08:00:00Z", "impressions": 10, "engagements": 25})
    result = _run({"timezone": "Europe/Berlin", "metrics": rows})
    assert result["status"] == "ok" and "1 post(s) had more engagements" in result["warnings"][0]
    assert result["engagements"] == sum(min(r["engagements"], r["impressions"]) for r in rows)


def test_time_zones_work_from_the_tzdata_package_alone():
    """The slim image has no system zoneinfo: the tzdata package (requirements-service.txt) must do."""
    code = ("import zoneinfo; zoneinfo.reset_tzpath(to=[]); from datetime import datetime; "
            "z = zoneinfo.ZoneInfo('Europe/Berlin'); print(datetime(2026, 7, 1, tzinfo=z).utcoffset())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "2:00:00"
