"""Synchronous scoring (`POST /api/v1/score`) over real HTTP: the real gateway asks the real agent
(both under uvicorn on loopback) and answers with the agent's own result; nothing is stored."""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests

from tests.conftest import free_port
from umt.client import ApiError, Unauthorized, ValidationFailed
from umt.contract.results import BannedWordFound

POST = ("Our maple pecan blend is back for autumn. We roast it in small batches every Tuesday, so it reaches "
        "you within three days of roasting. Order by Friday for free delivery and try it with oat milk. "
        "https://beanthere.example/autumn #coffee")


@pytest.fixture
def database_url(isolated_data):
    return f"sqlite:///{isolated_data / 'umt.db'}"


@pytest.fixture
def gateway_settings(gateway_settings, real_agent):
    return replace(gateway_settings, agent_url=real_agent.url)


def test_the_reply_is_the_agents_score_and_no_job_is_stored(owner, real_agent):
    scored = owner.score(POST, "linkedin", keyphrase="maple pecan")
    direct = requests.post(real_agent.url + "/v1/tasks/score", timeout=10,
                           json={"text": POST, "channel": "linkedin", "keyphrase": "maple pecan"}).json()["result"]
    assert scored.to_dict() == direct
    assert scored.channel == "linkedin" and 0 <= scored.score <= 100
    assert scored.metrics.keyphrase_count == 1
    assert owner.list_jobs().total == 0


def test_a_brand_id_brings_the_brands_banned_words_and_hashtags(owner):
    brand = owner.brands.create(name="Bean There", banned_words=["free delivery"], hashtags=["#beanthere"])
    plain = owner.score(POST, "linkedin")
    branded = owner.score(POST, "linkedin", brand_id=brand.id)
    assert plain.metrics.banned_words_found == []
    assert branded.metrics.banned_words_found == [BannedWordFound(word="free delivery", count=1)]
    assert any("free delivery" in reason for reason in branded.reasons)
    assert not branded.publishable and branded.score < plain.score
    assert {c.id for c in branded.checks} >= {"banned_words", "hashtags"}
    with pytest.raises(ValidationFailed) as unknown:
        owner.score(POST, "linkedin", brand_id=brand.id + 1)
    assert unknown.value.field == "brand_id" and "no brand has id" in unknown.value.message


def test_a_brands_keyphrase_is_scored_when_the_request_names_none(owner):
    brand = owner.brands.create(name="Bean There", keyphrases=["cold brew", "maple pecan"])
    plain = owner.score(POST, "linkedin")
    branded = owner.score(POST, "linkedin", brand_id=brand.id)
    assert plain.metrics.keyphrase_count is None and "keyphrase" not in {c.id for c in plain.checks}
    # The post uses the brand's second keyphrase, not its first: that is the one scored.
    assert branded.metrics.keyphrase_count == 1
    assert any("maple pecan" in c.message for c in branded.checks if c.id == "keyphrase")
    # A keyphrase named by the request wins over the brand's.
    asked = owner.score(POST, "linkedin", brand_id=brand.id, keyphrase="oat milk")
    assert any("oat milk" in c.message for c in asked.checks if c.id == "keyphrase")
    # A post that uses none of them is told to use the brand's first.
    unused = owner.score("Fresh roast every Tuesday, delivered within three days.", "linkedin", brand_id=brand.id)
    keyphrase = next(c for c in unused.checks if c.id == "keyphrase")
    assert keyphrase.status == "fail" and "cold brew" in keyphrase.message


def test_the_agents_refusal_comes_back_as_422_naming_the_field(owner):
    with pytest.raises(ValidationFailed) as refused:
        owner.score(POST, "carrier-pigeon")
    assert (refused.value.status, refused.value.field) == (422, "channel")
    assert "linkedin" in refused.value.message  # the agent lists the channels it knows
    with pytest.raises(ValidationFailed) as empty:
        owner.score("", "x")
    assert (empty.value.status, empty.value.field) == (422, "text")


def test_bad_requests_are_refused_by_the_gateway(owner, anonymous):
    for body, field in (({"channel": "x"}, "text"), ({"text": "hi", "channel": "x", "tone": "warm"}, "tone"),
                        ({"text": "hi", "channel": "x", "brand_id": 0}, "brand_id"),
                        ({"text": 5, "channel": "x"}, "text")):
        with pytest.raises(ValidationFailed) as refused:
            owner.request("POST", "/api/v1/score", json_body=body)
        assert refused.value.field == field, body
    with pytest.raises(Unauthorized):
        anonymous.score(POST, "x")


def test_with_the_agent_down_the_answer_is_503_saying_so(owner, gateway):
    gateway.restart(agent_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ApiError) as down:
        owner.score(POST, "linkedin")
    assert down.value.status == 503 and down.value.code == "agent_unavailable"
    assert down.value.message.startswith("the agent is not answering")
    assert "Connection" in down.value.details["reason"]
