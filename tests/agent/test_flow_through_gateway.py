"""Draft -> score -> experiment -> best time -> calendar through the gateway's job API, against the
real agent: both real servers on free loopback ports, a real SQLite file, the real typed client."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import pytest
from statsmodels.stats.proportion import proportions_ztest

from tests.agent.conftest import BRAND
from tests.conftest import free_port
from tests.gateway.servers import ThreadedServer
from umt.client import GatewayClient, ValidationFailed
from umt.gateway.app import create_app
from umt.gateway.settings import GatewaySettings


@pytest.fixture
def owner(agent_url, isolated_data, monkeypatch):
    monkeypatch.setenv("UMT_SIGNING_KEY", secrets.token_urlsafe(32))
    settings = GatewaySettings(data_dir=isolated_data, database_url=f"sqlite:///{isolated_data / 'umt.db'}",
                               agent_url=agent_url, secrets_dir=isolated_data / "no-secrets",
                               job_retry_base_seconds=0.2)
    gateway = ThreadedServer(create_app(settings), free_port()).start()
    try:
        with GatewayClient(gateway.url) as client:
            client.setup_owner(email="owner@example.com", name="Olive Owner", password="correct horse battery")
            yield client
    finally:
        gateway.stop()


def test_draft_score_experiment_best_time_and_calendar(owner):
    brand_fields = {key: BRAND[key] for key in ("name", "voice", "audience", "banned_words", "hashtags",
                                                "sample_posts")}
    brand = owner.brands.create(**brand_fields)
    campaign = owner.campaigns.create(name="Autumn blend", goal="sales", channels=["linkedin", "x"],
                                      start="2026-09-01", end="2026-09-30", budget=500, brand_id=brand.id)

    # 1. Draft: three template variants.
    draft = owner.wait_job(owner.submit_job("draft", {
        "brand_id": brand.id, "campaign_id": campaign.id, "channel": "linkedin", "variants": 3,
        "brief": "Our autumn blend is back with notes of maple and pecan", "offer": "20% off this week",
        "provider": "template"}).id, timeout=60)
    assert draft.status == "done"
    assert draft.input_record().brand_id == brand.id and draft.input_record().variants == 3
    typed = draft.result_record()  # the kind's result record: attribute access all the way down
    assert typed.channel == "linkedin" and all(0 <= v.score.score <= 100 for v in typed.variants)
    variants = draft.result["variants"]
    assert len(variants) == 3 and all(v["label"].startswith("Template draft") for v in variants)

    # 2. Score the chosen draft as a content item: the score lands on the item.
    item = owner.content.create(channel="linkedin", title="Autumn blend", body=variants[0]["text"],
                                brand_id=brand.id, campaign_id=campaign.id)
    scored = owner.wait_job(owner.submit_job("score", {"content_id": item.id, "keyphrase": "autumn blend",
                                                       "brand_id": brand.id}).id, timeout=60)
    assert scored.result["channel"] == "linkedin" and 0 <= scored.result["score"] <= 100
    assert scored.result["metrics"]["banned_words_found"] == []
    assert owner.content.get(item.id).scores["score"] == scored.result["score"]

    # 3. The experiment's statistics, checked against statsmodels; its Monte-Carlo progress shows in the job.
    experiment = owner.experiments.create(name="Subject lines", variants=[
        {"name": "A", "exposures": 2400, "conversions": 120}, {"name": "B", "exposures": 2500, "conversions": 163}])
    seen = []
    tested = owner.wait_job(owner.submit_job("experiment", {"experiment_id": experiment.id, "seed": 1,
                                                            "draws": 200000}).id, timeout=60, on_progress=seen.append)
    assert any(0 < job.progress < 1 and job.step == "bayesian simulation" for job in seen)
    comparison = tested.result["comparisons"][0]
    assert comparison["p_value"] == pytest.approx(proportions_ztest([163, 120], [2500, 2400])[1], abs=1e-9)
    assert tested.result["verdict"]["status"] == "winner" and tested.result["verdict"]["winner"] == "B"

    # 4. Best time from the account's own metrics: Tuesdays at 09:00 Berlin earn twice the rest.
    rows = ["content_id,day,impressions,engagements"]
    first_monday = datetime(2026, 1, 5, tzinfo=timezone.utc)
    for week in range(4):
        for weekday, utc_hour in ((1, 8), (2, 14), (3, 16), (4, 8)):
            at = first_monday + timedelta(days=7 * week + weekday, hours=utc_hour)
            post = owner.content.create(channel="linkedin", title=f"Post {week}-{weekday}", body="text",
                                        brand_id=brand.id, scheduled_at=at.isoformat())
            engagements = 60 if (weekday, utc_hour) == (1, 8) else 30
            rows.append(f"{post.id},{at.date().isoformat()},1000,{engagements}")
    owner.metrics.import_csv("\n".join(rows) + "\n")
    timing = owner.wait_job(owner.submit_job("best_time", {"brand_id": brand.id,
                                                           "timezone": "Europe/Berlin"}).id, timeout=60)
    assert timing.result["status"] == "ok" and timing.result["posts"] == 16
    assert timing.result["best_times"][0] == {"weekday": 1, "hour": 9}

    # 5. The campaign's calendar near those best times.
    plan = owner.wait_job(owner.submit_job("plan_calendar", {
        "start": "2026-09-01", "end": "2026-09-30", "posts": 8, "channels": ["linkedin", "x"],
        "timezone": "Europe/Berlin", "best_times": timing.result["best_times"][:2]}).id, timeout=60)
    assert plan.result["planned"] == 8
    assert sum(entry["best_time"] for entry in plan.result["items"]) >= 6


def test_a_bad_input_is_refused_at_submission_naming_the_field(owner):
    """The gateway checks the input with the agent's own contract: a 422 now, not a failed job later."""
    with pytest.raises(ValidationFailed) as refused:
        owner.submit_job("sample_size", {"baseline_rate": 1.5, "minimum_detectable_effect": 0.01})
    assert (refused.value.field, refused.value.message) == ("input.baseline_rate", "must be less than 1")
    assert owner.list_jobs().total == 0


def test_an_agent_refusal_reaches_the_job_with_its_field(owner, agent_url):
    """What only the agent can find out (here: no LLM is configured) fails the job with the agent's error."""
    job = owner.submit_job("draft", {"brand": {"name": "Acme"}, "channel": "x", "brief": "b", "provider": "llm"})
    failed = owner.wait_job(job.id, timeout=60, raise_on_failure=False)
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.error.field == "provider" and failed.error.code == "llm_not_configured"
