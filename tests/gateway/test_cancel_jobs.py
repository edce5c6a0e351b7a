"""Cancelling jobs over real HTTP, against the fake agent (scripted to hold a task mid-stream):
a queued job ends at once, a running one's agent call is cut (the agent sees its client leave),
a finished one is refused, and event streams end on cancel."""

from __future__ import annotations

import threading

import pytest

from tests.runtime.helpers import wait_for
from umt.client import Conflict, NotFound


def test_a_queued_job_is_cancelled_at_once_and_never_reaches_the_agent(owner, gateway, fake_agent):
    gateway.restart(job_workers=0)  # nobody claims jobs: this one stays queued
    job = owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email", "campaign": "spring"})
    cancelled = owner.cancel_job(job.id)
    assert (cancelled.status, cancelled.step) == ("cancelled", "cancelled")
    assert cancelled.finished_at is not None and cancelled.finished
    assert [e.status for e in owner.job_events(job.id, read_timeout=5)] == ["cancelled"]
    gateway.restart(job_workers=1)
    done = owner.wait_job(owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email", "campaign": "spring"}).id, timeout=20)  # the runner works through the queue...
    assert done.status == "done"
    assert owner.get_job(job.id).status == "cancelled"  # ...and leaves the cancelled one alone
    assert [kind for kind, _, _ in fake_agent.requests] == ["utm"]
    assert owner.list_jobs(status="cancelled").total == 1


def test_a_running_job_is_cancelled_and_the_agent_call_is_cut(owner, fake_agent):
    fake_agent.release.clear()  # the agent holds the task after its progress lines
    job = owner.submit_job("draft", {"brief": "spring launch", "channel": "x", "brand": {"name": "Acme"}})
    wait_for(fake_agent.started.is_set, what="the agent to start the task")
    seen = []
    follower = threading.Thread(target=lambda: seen.extend(owner.job_events(job.id, read_timeout=10)))
    follower.start()
    wait_for(lambda: seen, what="the first event")
    cancelled = owner.cancel_job(job.id)
    assert cancelled.status == "cancelled" and cancelled.progress == 0.5  # progress as far as it got
    wait_for(fake_agent.left.is_set, what="the agent to see its client leave")
    follower.join(timeout=10)
    assert not follower.is_alive() and seen[-1].status == "cancelled"  # the event stream ended
    fake_agent.release.set()
    done = owner.wait_job(owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email", "campaign": "spring"}).id, timeout=20)  # the worker is free again
    assert done.status == "done"
    final = owner.get_job(job.id)
    assert (final.status, final.result, final.error) == ("cancelled", None, None)


def test_a_finished_job_cannot_be_cancelled(owner):
    job = owner.wait_job(owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email", "campaign": "spring"}).id, timeout=20)
    with pytest.raises(Conflict) as refused:
        owner.cancel_job(job.id)
    assert refused.value.code == "job_finished"
    assert refused.value.message == f"job {job.id} has already finished (done); there is nothing to cancel"
    assert owner.get_job(job.id).status == "done"


def test_cancelling_twice_or_an_unknown_job(owner, gateway):
    gateway.restart(job_workers=0)
    job = owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email", "campaign": "spring"})
    owner.cancel_job(job.id)
    with pytest.raises(Conflict, match="already finished \\(cancelled\\)"):
        owner.cancel_job(job.id)
    with pytest.raises(NotFound):
        owner.cancel_job(job.id + 100)
