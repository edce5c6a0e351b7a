"""The schedule over real HTTP on SQLite and PostgreSQL: a post that went out keeps its time (409
with the reason), and the calendar feed a calendar app reads with the secret in its address."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from umt.client import GatewayClient
from umt.client.errors import ApiError


def _scheduled(owner, title: str, at: datetime):
    item = owner.content.create(channel="instagram", title=title, body="Loaves at 7.")
    for step in ("in_review", "approved"):
        owner.content.transition(item.id, step)
    return owner.content.transition(item.id, "scheduled", at.isoformat())


def test_a_scheduled_post_moves_and_a_published_one_keeps_its_time(owner):
    at = datetime(2030, 5, 6, 9, 0, tzinfo=timezone.utc)
    item = _scheduled(owner, "Rye is back", at)
    moved = owner.content.update(item.id, scheduled_at=(at + timedelta(days=2, hours=3)).isoformat())
    assert moved.scheduled_at == at + timedelta(days=2, hours=3) and moved.status == "scheduled"

    owner.content.transition(item.id, "published")
    with pytest.raises(ApiError) as refused:
        owner.content.update(item.id, scheduled_at=at.isoformat())
    assert (refused.value.status, refused.value.code, refused.value.field) == (409, "not_reschedulable", "scheduled_at")
    assert refused.value.message == "a published item cannot be rescheduled: its time is part of the record"
    assert owner.content.get(item.id).scheduled_at == moved.scheduled_at
    # Its other fields still change, and sending the same time is no move.
    assert owner.content.update(item.id, title="Rye is back!", scheduled_at=moved.scheduled_at.isoformat()).title \
        == "Rye is back!"


def test_the_calendar_feed_is_read_with_its_key_and_without_a_token(owner, gateway):
    _scheduled(owner, "Stollen season", datetime(2030, 12, 1, 8, 0, tzinfo=timezone.utc))
    url = owner.calendar_feed_address()
    assert url.startswith(gateway.url + "/feeds/calendar.ics?key=")
    assert owner.calendar_feed_address() == url        # stable: a subscription keeps working
    with GatewayClient(gateway.url) as app:            # a calendar app: no session at all
        feed = app.calendar_feed(url)
    assert "SUMMARY:[instagram] Stollen season" in feed and "DTSTART:20301201T080000Z" in feed
    ranged = requests.get(url + "&start=2031-01-01T00:00:00Z", timeout=10)
    assert ranged.status_code == 200 and "BEGIN:VEVENT" not in ranged.text

    with GatewayClient(gateway.url) as app, pytest.raises(ApiError) as wrong:
        app.calendar_feed(url[:-6] + "000000")
    assert (wrong.value.status, wrong.value.code, wrong.value.field) == (403, "bad_feed_key", "key")
    missing = requests.get(gateway.url + "/feeds/calendar.ics", timeout=10)
    assert missing.status_code in (400, 422) and missing.json()["error"]["field"] == "key"
    with GatewayClient(gateway.url) as app, pytest.raises(ApiError) as anonymous:
        app.calendar_feed_address()
    assert anonymous.value.status == 401
