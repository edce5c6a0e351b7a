"""The client's calls for the windows' endpoints, against the real gateway (and its fake agent):
live scoring, cancelling a job (and following one to its cancellation), and what `/` says."""

from __future__ import annotations

import threading

import pytest

import umt
from tests.runtime.helpers import wait_for
from umt.client import Conflict


def test_score_sends_only_what_it_is_given(owner, fake_agent):
    brand = owner.brands.create(name="Acme", banned_words=["cheap"], hashtags=["#acme"])
    result = owner.score("A post about our spring range", "linkedin")
    assert result.score == 80 and result.channel == "linkedin"
    assert fake_agent.payloads("score")[-1] == {"text": "A post about our spring range", "channel": "linkedin"}
    owner.score("Cheap!", "x", keyphrase="spring", brand_id=brand.id)
    sent = fake_agent.payloads("score")[-1]
    assert (sent["keyphrase"], sent["brand"]["banned_words"], sent["brand"]["hashtags"]) == ("spring", ["cheap"],
                                                                                            ["#acme"])


def test_wait_job_returns_when_the_job_is_cancelled(owner, fake_agent):
    fake_agent.release.clear()
    job = owner.submit_job("draft", {"brief": "x", "channel": "x", "brand": {"name": "Acme"}})
    wait_for(fake_agent.started.is_set, what="the agent to start the task")
    finished = []
    waiter = threading.Thread(target=lambda: finished.append(owner.wait_job(job.id, timeout=20)))
    waiter.start()
    cancelled = owner.cancel_job(job.id)
    assert cancelled.status == "cancelled" and cancelled.finished
    waiter.join(timeout=20)
    assert [j.status for j in finished] == ["cancelled"]  # no JobFailed: the owner asked for it
    with pytest.raises(Conflict):
        owner.cancel_job(job.id)


def test_about_says_what_the_gateway_is(anonymous):
    about = anonymous.about()
    assert about.to_dict() == {"name": "Ultimate Marketing Team gateway", "version": umt.__version__,
                               "api": "/api/v1", "openapi": "/openapi.json"}
    assert anonymous.openapi()["info"]["version"] == about.version
