"""The gateway's jobs against the real agent (umt.agent), to hold the two sides of the task
contract together: enriched inputs are accepted and results come back through the job."""

from __future__ import annotations

import pytest

from tests.runtime.helpers import wait_for
from umt.agent import app as agent_app


@pytest.fixture
def database_url(isolated_data):
    return f"sqlite:///{isolated_data / 'umt.db'}"


@pytest.fixture
def gateway_settings(gateway_settings, real_agent):
    from dataclasses import replace

    return replace(gateway_settings, agent_url=real_agent.url)


def test_every_kind_runs_on_the_real_agent_with_enriched_inputs(owner):
    brand = owner.brands.create(name="Bean There", voice="warm and direct", audience="remote workers",
                                banned_words=["cheap"], hashtags=["#coffee"], sample_posts=["Fresh beans today."])
    campaign = owner.campaigns.create(name="Autumn blend", goal="subscriptions", channels=["linkedin"],
                                      start="2026-09-01", end="2026-09-30", brand_id=brand.id)
    item = owner.content.create(channel="linkedin", title="Autumn is here",
                                body="Our maple pecan blend is back. Order by Friday for free delivery! #coffee",
                                brand_id=brand.id, campaign_id=campaign.id,
                                scheduled_at="2026-09-02T09:00:00Z")
    experiment = owner.experiments.create(name="Subject", variants=[
        {"name": "control", "exposures": 1000, "conversions": 40},
        {"name": "new", "exposures": 1000, "conversions": 62}])
    owner.metrics.import_csv(f"content_id,day,impressions,engagements\n{item.id},2026-09-02,900,70\n")
    inputs = {
        "score": {"content_id": item.id},
        "draft": {"brand_id": brand.id, "campaign_id": campaign.id, "channel": "linkedin",
                  "brief": "announce the autumn blend"},
        "experiment": {"experiment_id": experiment.id},
        "sample_size": {"baseline_rate": 0.04, "minimum_detectable_effect": 0.01},
        "best_time": {"timezone": "Europe/Berlin"},
        "utm": {"url": "https://beanthere.example/autumn", "source": "linkedin", "medium": "social",
                "campaign": "autumn"},
        "plan_calendar": {"start": "2026-09-01", "end": "2026-09-30", "posts": 4, "channels": ["linkedin"],
                          "timezone": "Europe/Berlin"},
    }
    failures = {}
    for kind, job_input in inputs.items():
        job = owner.wait_job(owner.submit_job(kind, job_input).id, timeout=60, raise_on_failure=False)
        if job.status != "done":
            failures[kind] = job.error
        else:
            assert job.result, kind
    assert failures == {}
    assert owner.content.get(item.id).scores  # the score landed on the item


def test_cancelling_a_running_job_stops_the_agents_task(owner, monkeypatch):
    """The real agent runs a long Monte-Carlo; cancel cuts the call and the agent's worker thread
    stops at its next progress report (TaskCancelled), instead of computing on for nobody."""
    outcomes = []
    execute = agent_app._execute

    def recording_execute(*args):
        outcome = execute(*args)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(agent_app, "_execute", recording_execute)
    variants = [{"name": f"v{n}", "exposures": 100000, "conversions": 4000 + n} for n in range(20)]
    job = owner.submit_job("experiment", {"variants": variants, "draws": 200000})
    wait_for(lambda: owner.get_job(job.id).step == "bayesian simulation", what="the simulation to start")
    assert owner.cancel_job(job.id).status == "cancelled"
    wait_for(lambda: outcomes, timeout_s=10, what="the agent's task to end")
    status, reply = outcomes[0]
    assert (status, reply["error"]["code"]) == (499, "cancelled")
    final = owner.get_job(job.id)
    assert (final.status, final.result) == ("cancelled", None) and final.progress < 1
