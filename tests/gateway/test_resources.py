"""The marketing data over real HTTP: CRUD, filters, pagination, references, status workflow."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from umt.client import Conflict, NotFound, ValidationFailed
from umt.contract import Variant


def test_brand_crud(owner):
    created = owner.brands.create(name="Acme Coffee", voice="warm, direct", audience="remote workers",
                                  banned_words=["cheap"], hashtags=["#coffee", "beans"], sample_posts=["Hello!"])
    assert created.id >= 1 and created.banned_words == ["cheap"] and created.created_at.tzinfo is not None
    assert owner.brands.get(created.id) == created
    changed = owner.brands.update(created.id, voice="playful")
    assert changed.voice == "playful" and changed.name == "Acme Coffee"
    assert changed.updated_at >= created.updated_at
    owner.brands.delete(created.id)
    with pytest.raises(NotFound):
        owner.brands.get(created.id)
    with pytest.raises(NotFound):
        owner.brands.delete(created.id)
    with pytest.raises(NotFound):
        owner.brands.update(created.id, voice="x")


def test_lists_paginate_and_filter(owner):
    brand = owner.brands.create(name="Acme")
    other = owner.brands.create(name="Other")
    for number in range(7):
        owner.content.create(channel="linkedin" if number % 2 else "x", title=f"Post {number}",
                             brand_id=brand.id if number < 5 else other.id)
    page = owner.content.list(limit=3, offset=0)
    assert page.total == 7 and [i.title for i in page.items] == ["Post 0", "Post 1", "Post 2"]
    assert [i.title for i in owner.content.list(limit=3, offset=6).items] == ["Post 6"]
    assert owner.content.list(limit=3, offset=10).items == []
    assert [i.title for i in owner.content.iterate(page_size=2)] == [f"Post {n}" for n in range(7)]
    assert owner.content.list(channel="linkedin").total == 3
    assert owner.content.list(brand_id=other.id).total == 2
    assert owner.content.list(brand_id=brand.id, channel="x").total == 3
    assert owner.content.list(q="post 4").items[0].title == "Post 4"
    assert owner.content.list(status="draft").total == 7 and owner.content.list(status="approved").total == 0
    assert [b.name for b in owner.brands.list(q="ac").items] == ["Acme"]


def test_bad_filters_name_the_parameter(owner):
    for params, field in (({"limit": 0}, "limit"), ({"limit": "many"}, "limit"), ({"offset": -1}, "offset"),
                          ({"status": "lost"}, "status"), ({"colour": "red"}, "colour"),
                          ({"scheduled_from": "yesterday"}, "scheduled_from")):
        with pytest.raises(ValidationFailed) as refused:
            owner.request("GET", "/api/v1/content", params=params)
        assert refused.value.field == field, params


def test_references_must_exist(owner):
    with pytest.raises(ValidationFailed) as refused:
        owner.content.create(channel="x", title="T", campaign_id=999)
    assert refused.value.field == "campaign_id"
    with pytest.raises(ValidationFailed) as refused:
        owner.campaigns.create(name="Launch", brand_id=12345)
    assert refused.value.field == "brand_id"
    with pytest.raises(ValidationFailed) as refused:
        owner.metrics.create(content_id=77, day="2026-01-01")
    assert refused.value.field == "content_id"


def test_deleting_a_brand_keeps_its_content(owner):
    brand = owner.brands.create(name="Acme")
    item = owner.content.create(channel="x", title="T", brand_id=brand.id)
    owner.brands.delete(brand.id)
    assert owner.content.get(item.id).brand_id is None


def test_campaign_dates_and_budget(owner):
    campaign = owner.campaigns.create(name="Spring", goal="signups", channels=["linkedin", "email"],
                                      start="2026-03-01", end="2026-03-31", budget=1500.5)
    assert campaign.start == date(2026, 3, 1) and campaign.budget == 1500.5
    with pytest.raises(ValidationFailed) as refused:
        owner.campaigns.update(campaign.id, end="2026-02-01")
    assert refused.value.field == "end"
    for budget in (-1, 10**12, 999_999_999_999.999):  # the last rounds to cents, then is too big
        with pytest.raises(ValidationFailed) as refused:
            owner.campaigns.create(name="Bad", budget=budget)
        assert refused.value.field == "budget"
    assert owner.campaigns.create(name="Max", budget=999_999_999_999.99).budget == 999_999_999_999.99
    assert owner.campaigns.create(name="Cents", budget=10.005).budget in (10.0, 10.01)
    with pytest.raises(ValidationFailed) as refused:
        owner.campaigns.create(name="Bad", channels=["linkedin", "linkedin"])
    assert refused.value.field == "channels"


def test_content_versions_follow_text_changes(owner):
    item = owner.content.create(channel="blog", title="First", body="one")
    owner.content.update(item.id, body="two")
    owner.content.update(item.id, scheduled_at="2026-06-01T09:00:00+02:00")  # not a text change
    latest = owner.content.update(item.id, title="Final")
    assert latest.version == 3 and latest.scheduled_at == datetime(2026, 6, 1, 7, tzinfo=timezone.utc)
    assert [(v.version, v.title, v.body) for v in owner.content.versions(item.id)] == [
        (1, "First", "one"), (2, "First", "two"), (3, "Final", "two")]
    with pytest.raises(NotFound):
        owner.content.versions(999)


def test_status_moves_follow_the_workflow(owner):
    item = owner.content.create(channel="x", title="Launch")
    with pytest.raises(Conflict) as illegal:
        owner.content.transition(item.id, "published")
    assert illegal.value.code == "illegal_transition" and illegal.value.field == "status"
    assert owner.content.transition(item.id, "in_review").status == "in_review"
    assert owner.content.transition(item.id, "approved").status == "approved"
    with pytest.raises(ValidationFailed) as no_time:
        owner.content.transition(item.id, "scheduled")
    assert no_time.value.field == "scheduled_at"
    scheduled = owner.content.transition(item.id, "scheduled", "2026-07-01T10:00:00Z")
    assert scheduled.status == "scheduled" and scheduled.scheduled_at == datetime(2026, 7, 1, 10, tzinfo=timezone.utc)
    published = owner.content.transition(item.id, "published")
    assert published.status == "published" and published.published_at
    with pytest.raises(Conflict):
        owner.content.transition(item.id, "draft")
    assert owner.content.transition(item.id, "archived").status == "archived"
    assert owner.content.transition(item.id, "draft").status == "draft"
    with pytest.raises(ValidationFailed) as not_a_status:
        owner.content.transition(item.id, "deleted")
    assert not_a_status.value.field == "status"
    with pytest.raises(ValidationFailed) as read_only:
        owner.content.update(item.id, status="published")
    assert read_only.value.field == "status"
    with pytest.raises(NotFound):
        owner.content.transition(4242, "in_review")


def test_experiment_variants(owner):
    experiment = owner.experiments.create(name="Subject line", variants=[
        {"name": "A", "exposures": 1000, "conversions": 50}, {"name": "B", "exposures": 990}])
    assert experiment.variants[1] == Variant(name="B", exposures=990, conversions=0)
    with pytest.raises(ValidationFailed) as refused:
        owner.experiments.update(experiment.id, variants=[{"name": "A", "exposures": 5, "conversions": 6}])
    assert refused.value.field == "variants[0].conversions"
    with pytest.raises(ValidationFailed) as refused:
        owner.experiments.create(name="Dup", variants=[{"name": "A"}, {"name": "A"}])
    assert refused.value.field == "variants"
    with pytest.raises(ValidationFailed) as refused:
        owner.experiments.create(name="Typo", variants=[{"name": "A", "exposure": 5}])
    assert refused.value.field == "variants[0].exposure"


def test_metrics_rows_are_unique_per_content_and_day(owner):
    item = owner.content.create(channel="x", title="T")
    row = owner.metrics.create(content_id=item.id, day="2026-05-01", impressions=100, clicks=5, spend=2.5)
    assert row.spend == 2.5 and row.day == date(2026, 5, 1)
    with pytest.raises(Conflict) as duplicate:
        owner.metrics.create(content_id=item.id, day="2026-05-01")
    assert duplicate.value.code == "duplicate"
    owner.metrics.create(content_id=item.id, day="2026-05-02", impressions=7)
    assert owner.metrics.list(content_id=item.id, day_from="2026-05-02").total == 1
    owner.content.delete(item.id)
    assert owner.metrics.list().total == 0  # metrics go with their content item


def test_reads_do_not_wait_for_an_open_write(owner, gateway):
    """SQLite in WAL mode: readers see the last commit while a writer holds the lock."""
    from sqlalchemy import insert

    from umt.client import GatewayClient
    from umt.gateway import tables

    owner.brands.create(name="Committed")
    impatient = GatewayClient(gateway.url, owner.token, timeout=(1, 2))  # the busy timeout is 10 s
    with gateway.engine.begin() as connection:
        now = tables.utcnow()
        connection.execute(insert(tables.brands).values(
            name="Uncommitted", voice="", audience="", banned_words=[], hashtags=[], sample_posts=[],
            created_at=now, updated_at=now))
        assert [b.name for b in impatient.brands.list().items] == ["Committed"]
    assert [b.name for b in impatient.brands.list().items] == ["Committed", "Uncommitted"]
