"""Agent tasks as persisted jobs, against a fake agent speaking the agent's HTTP contract."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import free_port
from tests.runtime.helpers import wait_for
from tests.gateway.servers import ThreadedServer
from umt.client import JobFailed, ValidationFailed
from umt.gateway import tables


def test_a_job_streams_progress_and_finishes(owner, fake_agent):
    seen = []
    fake_agent.release.clear()  # the agent holds the task after its progress lines...

    def on_progress(update):
        seen.append(update)
        if update.step == "thinking":
            fake_agent.release.set()  # ...until the stream has shown them

    job = owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email", "campaign": "spring"})
    assert job.status == "queued" and job.progress == 0
    done = owner.wait_job(job.id, timeout=20, on_progress=on_progress)
    assert done.status == "done" and done.progress == 1.0
    assert done.result == {"kind": "utm", "echo_keys": ["campaign", "medium", "source", "url"]}
    assert ("running", 0.5, "thinking") in [(s.status, s.progress, s.step) for s in seen]
    progress = [s.progress for s in seen]
    assert progress == sorted(progress) and seen[-1].status == "done"
    assert fake_agent.requests[0][2] == "application/x-ndjson"
    assert owner.list_jobs(status="done").total == 1


def test_inputs_are_enriched_from_the_database(owner, fake_agent):
    brand = owner.brands.create(name="Acme", voice="warm", audience="makers", banned_words=["cheap"],
                                hashtags=["#acme"], sample_posts=["We make things."])
    campaign = owner.campaigns.create(name="Spring", goal="signups", channels=["x"], start="2026-03-01",
                                      budget=100, brand_id=brand.id)
    item = owner.content.create(channel="linkedin", title="Hello", body="Body text", brand_id=brand.id,
                                campaign_id=campaign.id, scheduled_at="2026-03-02T09:00:00Z")
    experiment = owner.experiments.create(name="E", variants=[{"name": "A", "exposures": 10, "conversions": 2},
                                                              {"name": "B", "exposures": 9, "conversions": 3}])
    owner.metrics.import_csv(f"content_id,day,impressions,engagements\n{item.id},2026-03-02,100,7\n"
                             f"{item.id},2026-03-03,50,3\n")
    owner.wait_job(owner.submit_job("draft", {"brand_id": brand.id, "campaign_id": campaign.id,
                                              "brief": "launch", "channel": "x"}).id, timeout=20)
    draft = fake_agent.payloads("draft")[0]
    assert draft["brand"] == {"name": "Acme", "voice": "warm", "audience": "makers", "banned_words": ["cheap"],
                              "hashtags": ["#acme"], "sample_posts": ["We make things."]}
    assert draft["campaign"] == {"name": "Spring", "goal": "signups", "channels": ["x"], "start": "2026-03-01",
                                 "budget": 100.0}  # fields at their default (end: null) are left out
    assert draft["channel"] == "x" and set(draft) == {"brand", "brand_id", "campaign", "campaign_id", "brief",
                                                      "channel"}  # contract fields only
    assert draft["brief"] == "launch"
    scored = owner.wait_job(owner.submit_job("score", {"content_id": item.id}).id, timeout=20)
    assert fake_agent.payloads("score")[0]["text"] == "Body text"
    assert fake_agent.payloads("score")[0]["channel"] == "linkedin"
    assert owner.content.get(item.id).scores == scored.result  # the score lands on the item
    owner.wait_job(owner.submit_job("experiment", {"experiment_id": experiment.id}).id, timeout=20)
    assert fake_agent.payloads("experiment")[0]["variants"] == [{"name": "A", "exposures": 10, "conversions": 2},
                                                                {"name": "B", "exposures": 9, "conversions": 3}]
    owner.wait_job(owner.submit_job("best_time", {"timezone": "UTC"}).id, timeout=20)
    assert fake_agent.payloads("best_time")[0]["metrics"] == [
        {"at": "2026-03-02T09:00:00Z", "impressions": 150, "engagements": 10}]
    own = [{"at": "2026-01-01T00:00:00Z", "impressions": 1, "engagements": 1}]
    owner.wait_job(owner.submit_job("best_time", {"timezone": "UTC", "metrics": own}).id, timeout=20)
    assert fake_agent.payloads("best_time")[1]["metrics"] == own


def test_unknown_kinds_and_ids_are_refused_at_submit(owner):
    with pytest.raises(ValidationFailed) as refused:
        owner.submit_job("poem", {})
    assert refused.value.field == "kind"
    with pytest.raises(ValidationFailed) as refused:
        owner.submit_job("score", {"content_id": 5})
    assert refused.value.field == "input.content_id"
    assert owner.list_jobs().total == 0


def test_an_agent_refusal_fails_the_job_with_its_error(owner, fake_agent):
    fake_agent.refuse["sample_size"] = (422, {"code": "invalid", "message": "the agent says no",
                                              "field": "baseline_rate"})
    job = owner.submit_job("sample_size", {"baseline_rate": 0.5, "minimum_detectable_effect": 0.1})
    with pytest.raises(JobFailed) as failed:
        owner.wait_job(job.id, timeout=20)
    assert failed.value.field == "baseline_rate" and failed.value.job.status == "failed"
    assert owner.get_job(job.id).attempts == 1  # refused tasks are not retried


def test_a_job_cut_off_by_an_agent_restart_is_retried(owner, fake_agent):
    fake_agent.release.clear()  # the task hangs before its final line
    job = owner.submit_job("plan_calendar", {"start": "2026-03-01", "end": "2026-03-14", "posts": 2,
                                             "channels": ["x"], "timezone": "UTC"})
    wait_for(fake_agent.started.is_set, what="the agent to start the task")
    assert owner.get_job(job.id).status == "running"
    fake_agent.server.stop()  # the agent goes away mid-task...
    wait_for(lambda: owner.get_job(job.id).status == "queued", what="the job to go back to the queue")
    assert "waiting for the agent" in owner.get_job(job.id).step
    fake_agent.release.set()
    fake_agent.server = ThreadedServer(fake_agent.app(), fake_agent.server.port).start()  # ...and comes back
    done = owner.wait_job(job.id, timeout=20)
    assert done.status == "done" and done.attempts >= 2
    assert len(fake_agent.payloads("plan_calendar")) == done.attempts


def test_while_the_agent_is_unreachable_a_job_waits_without_spending_attempts(owner, gateway):
    """The task never reached the agent, so no try counts (tests/faults/test_agent_down.py: it resumes)."""
    gateway.restart(agent_url=f"http://127.0.0.1:{free_port()}", job_max_attempts=1, agent_wait_seconds=0.05)
    job = owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email", "campaign": "spring"})
    looks: set[str] = set()

    def looked_at_again() -> bool:
        current = owner.get_job(job.id)
        assert current.status in ("queued", "running"), current
        if current.status == "queued" and current.step == "waiting for the agent to come back":
            assert current.attempts == 0  # (while claimed, it counts one until it is put back)
            looks.add(current.updated_at)
        return len(looks) >= 4

    wait_for(looked_at_again, what="the runner to try the job several times")


def test_jobs_running_when_the_gateway_stops_go_back_to_the_queue(owner, gateway, fake_agent):
    fake_agent.release.clear()
    job = owner.submit_job("draft", {"brief": "x", "channel": "x", "brand": {"name": "Acme"}})
    wait_for(fake_agent.started.is_set, what="the agent to start the task")
    gateway.server.stop()  # the gateway stops while the job runs
    with gateway.engine.connect() as connection:
        row = connection.execute(select(tables.jobs).where(tables.jobs.c.id == job.id)).one()
    assert (row.status, row.lease_owner) == ("queued", None)
    fake_agent.release.set()
    gateway.restart()
    done = owner.wait_job(job.id, timeout=20)
    assert done.status == "done"
    assert len(fake_agent.payloads("draft")) == 2  # the new gateway sent it again


def test_a_dead_gateways_job_is_taken_over_when_its_lease_expires_and_not_before(owner, gateway, fake_agent):
    """A job left `running` under another process's lease (a gateway killed mid-task) is not
    touched while the lease holds; once it has expired this gateway claims and runs it."""
    gateway.restart(job_workers=0)
    job = owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email",
                                   "campaign": "spring"})
    held = {"status": "running", "lease_owner": "dead-host:1:abc", "attempts": 1,
            "lease_expires_at": tables.utcnow() + timedelta(seconds=3)}
    with gateway.engine.begin() as connection:
        connection.execute(update(tables.jobs).where(tables.jobs.c.id == job.id).values(**held))
    gateway.restart(job_workers=1)
    assert owner.get_job(job.id).status == "running" and not fake_agent.payloads("utm")  # still the dead one's
    done = owner.wait_job(job.id, timeout=20)
    assert done.status == "done" and done.attempts == 2 and len(fake_agent.payloads("utm")) == 1
    with gateway.engine.connect() as connection:
        row = connection.execute(select(tables.jobs).where(tables.jobs.c.id == job.id)).one()
    assert row.lease_owner is None and row.lease_expires_at is None
    shown = [owner.request("GET", f"/api/v1/jobs/{job.id}"), owner.request("GET", "/api/v1/jobs")["items"][0]]
    assert all("lease_owner" not in job and "lease_expires_at" not in job for job in shown)  # the API hides leases


def test_the_event_stream_of_a_finished_job_ends_at_once(owner):
    job = owner.wait_job(owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email", "campaign": "spring"}).id, timeout=20)
    events = list(owner.job_events(job.id, read_timeout=5))
    assert [e.status for e in events] == ["done"]


def test_nan_in_an_agent_reply_becomes_null(owner):
    job = owner.wait_job(owner.submit_job("experiment", {"seed": 7, "variants": [
        {"name": "A", "exposures": 10, "conversions": 1}, {"name": "B", "exposures": 10, "conversions": 2}]}).id, timeout=20)
    assert job.result == {"p_value": None}
