"""The gateway's one client of the agent, seen from the (fake) agent over real HTTP: jobs and
synchronous scoring share keep-alive connections, a connection the agent closed is replaced
without the caller noticing, and the agent's errors map to the documented statuses."""

from __future__ import annotations

import pytest

from tests.gateway.servers import ThreadedServer
from umt.client import ApiError, ValidationFailed


def test_jobs_and_scoring_reuse_one_keep_alive_connection(owner, fake_agent):
    owner.wait_job(owner.submit_job("utm", {"url": "https://example.com", "source": "news", "medium": "email", "campaign": "spring"}).id, timeout=20)
    owner.wait_job(owner.submit_job("sample_size", {"baseline_rate": 0.05, "minimum_detectable_effect": 0.01}).id, timeout=20)
    assert owner.score("Hello there", "x").score == 80
    assert owner.score("Hello again", "x").score == 80
    assert len(fake_agent.requests) == 4
    assert len(set(fake_agent.peers)) == 1, fake_agent.peers  # one TCP connection carried all four


def test_a_connection_the_agent_closed_is_replaced(owner, fake_agent):
    owner.score("Hello there", "x")
    fake_agent.server.stop()  # closes the idle keep-alive connection the gateway holds
    fake_agent.server = ThreadedServer(fake_agent.app(), fake_agent.server.port).start()
    assert owner.score("Hello again", "x").score == 80
    assert len(fake_agent.requests) == 2 and fake_agent.peers[0] != fake_agent.peers[1]


def test_the_agents_errors_map_to_422_and_503(owner, fake_agent):
    fake_agent.refuse["score"] = (400, {"code": "wrong_type", "message": "must be a list", "field": "brand.hashtags"})
    with pytest.raises(ValidationFailed) as refused:
        owner.score("Hello", "x")
    assert (refused.value.status, refused.value.code, refused.value.field, refused.value.message) == (
        422, "wrong_type", "brand.hashtags", "must be a list")
    fake_agent.refuse["score"] = (500, {"code": "internal_error", "message": "a bug", "field": None})
    with pytest.raises(ApiError) as failed:
        owner.score("Hello", "x")
    assert failed.value.status == 503 and failed.value.details == {"reason": "the agent answered 500"}
    del fake_agent.refuse["score"]
    assert owner.score("Hello", "x").score == 80  # the connection survived both errors
    assert len(set(fake_agent.peers)) == 1
