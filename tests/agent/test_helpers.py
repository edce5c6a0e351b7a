"""The UTM link builder and the calendar planner."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from umt.agent.planner import parse_calendar, run_calendar
from umt.agent.utm import parse_utm, run_utm
from umt.agent.errors import InputError
from umt.agent.tasks import read_input


def utm(**body):
    return run_utm(parse_utm(read_input("utm", {"source": "newsletter", "medium": "email", "campaign": "autumn", **body})),
                   lambda *a: None)


def test_utm_keeps_the_links_own_query_and_fragment():
    result = utm(url="https://shop.example/menu?size=large&q=caf%C3%A9#beans", content="hero button")
    parts = urlsplit(result["url"])
    assert parts.fragment == "beans"
    assert parse_qsl(parts.query) == [("size", "large"), ("q", "café"), ("utm_source", "newsletter"),
                                      ("utm_medium", "email"), ("utm_campaign", "autumn"), ("utm_content", "hero button")]
    assert "utm_content=hero%20button" in result["url"]


def test_utm_replaces_existing_utm_parameters_and_says_so():
    result = utm(url="http://shop.example/?utm_source=old&utm_medium=old2&x=1")
    assert dict(parse_qsl(urlsplit(result["url"]).query))["utm_source"] == "newsletter"
    assert result["url"].count("utm_source") == 1
    assert result["replaced"] == ["utm_medium", "utm_source"]
    assert result["url"].startswith("http://shop.example/?x=1&")


def test_utm_encodes_reserved_characters():
    result = utm(url="https://shop.example", campaign="Q&A night=fun")
    assert dict(parse_qsl(urlsplit(result["url"]).query))["utm_campaign"] == "Q&A night=fun"
    assert any("lower case" in warning for warning in result["warnings"])


@pytest.mark.parametrize("url", ["ftp://shop.example/file", "javascript:alert(1)", "mailto:a@b.c", "shop.example/x",
                                 "https:///nohost", "http://shop.example:99999/", "http://exa mple.com/"])
def test_utm_refuses_non_http_links(url):
    with pytest.raises(InputError) as caught:
        parse_utm(read_input("utm", {"url": url, "source": "a", "medium": "b", "campaign": "c"}))
    assert caught.value.field == "url"


def test_utm_requires_source_medium_campaign():
    with pytest.raises(InputError) as caught:
        parse_utm(read_input("utm", {"url": "https://a.example", "source": "a", "medium": "b"}))
    assert caught.value.field == "campaign" and caught.value.message == "is required"


def plan(**body):
    base = {"start": "2026-03-02", "end": "2026-03-15", "posts": 6, "channels": ["x", "linkedin"],
            "timezone": "Europe/Berlin"}
    return run_calendar(parse_calendar(read_input("plan_calendar", {**base, **body})), lambda *a: None)


def _times(result):
    return [datetime.fromisoformat(item["at"].replace("Z", "+00:00")) for item in result["items"]]


def test_calendar_spreads_posts_over_the_dates_at_best_times():
    # Two best slots a week, two weeks, four posts: every post on a best time, two per week.
    result = plan(posts=4, best_times=[{"weekday": 1, "hour": 10}, {"weekday": 3, "hour": 16}])
    assert result["planned"] == 4 and result["unplaced"] == 0
    assert all(item["best_time"] for item in result["items"])
    assert {(item["weekday"], item["hour"]) for item in result["items"]} <= {(1, 10), (3, 16)}
    times = _times(result)
    assert times == sorted(times)
    assert times[0].date().isoformat() >= "2026-03-02" and times[-1].date().isoformat() <= "2026-03-15"
    # Evenly spread: each of the two weeks gets three posts.
    assert sum(t.date().isoformat() < "2026-03-09" for t in times) == 2
    assert [item["channel"] for item in result["items"]].count("x") == 2
    local = datetime.fromisoformat(result["items"][0]["local"])
    assert local.utcoffset() == timedelta(hours=1)


def test_calendar_without_best_times_uses_usual_hours_evenly():
    result = plan(posts=7)
    assert {item["hour"] for item in result["items"]} <= {9, 12, 17}
    gaps = [b - a for a, b in zip(_times(result), _times(result)[1:])]
    assert min(gaps) >= timedelta(hours=36) and max(gaps) <= timedelta(hours=60)
    assert "No best times" in result["warnings"][0]


def test_calendar_keeps_the_gap_and_avoids_existing_items():
    existing = ["2026-03-03T09:00:00Z", "2026-03-05T15:00:00Z"]
    result = plan(posts=20, min_gap_hours=6, existing=existing,
                  best_times=[{"weekday": d, "hour": 10} for d in range(7)])
    times = sorted(_times(result) + [datetime.fromisoformat(e.replace("Z", "+00:00")) for e in existing])
    assert result["planned"] == 20
    assert all(b - a >= timedelta(hours=6) for a, b in zip(times, times[1:]))


def test_calendar_says_when_posts_do_not_fit():
    result = plan(start="2026-03-02", end="2026-03-02", posts=10, min_gap_hours=8)
    assert result["planned"] < 10 and result["unplaced"] == 10 - result["planned"]
    assert "Only" in result["warnings"][0]


def test_calendar_skips_hours_that_do_not_exist_on_a_dst_day():
    # Berlin springs forward at 02:00 on 2026-03-29; ask for a 2 a.m. best time that day only.
    result = plan(start="2026-03-29", end="2026-03-29", posts=1, best_times=[{"weekday": 6, "hour": 2}])
    local = datetime.fromisoformat(result["items"][0]["local"])
    assert local.hour != 2
    assert local.astimezone(ZoneInfo("Europe/Berlin")).hour == local.hour


@pytest.mark.parametrize("changes, field", [
    ({"end": "2026-03-01"}, "end"), ({"start": "March"}, "start"), ({"posts": 0}, "posts"),
    ({"channels": []}, "channels"), ({"best_times": [{"weekday": 7, "hour": 1}]}, "best_times[0].weekday"),
    ({"existing": ["2026-03-03T09:00:00Z", "soon"]}, "existing[1]"), ({"timezone": "Berlin"}, "timezone"),
    ({"end": "2028-01-01"}, "end"),
])
def test_calendar_bad_input_names_the_field(changes, field):
    base = {"start": "2026-03-02", "end": "2026-03-15", "posts": 6, "channels": ["x"], "timezone": "Europe/Berlin"}
    with pytest.raises(InputError) as caught:
        parse_calendar(read_input("plan_calendar", {**base, **changes}))
    assert caught.value.field == field
