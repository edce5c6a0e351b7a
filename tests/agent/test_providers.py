"""Drafting providers: the real HTTP provider against a small OpenAI-compatible server, and the
offline template engine against every channel's rules."""

from __future__ import annotations

import time

import pytest

from tests.agent.conftest import BRAND, post_task
from tests.conftest import free_port
from umt.contract.channels import CHANNELS
from umt.agent.drafting import parse_draft
from umt.agent.providers.base import ProviderError
from umt.agent.providers.openai_compatible import OpenAICompatibleProvider, clean_reply
from umt.agent.providers.templates import TemplateProvider
from umt.agent.scoring import ScoreInput, score_text
from umt.agent.settings import AgentSettings
from umt.agent.tasks import read_input

SECRET = "sk-test-0123456789abcdef"


def spec(channel="x", **changes):
    body = {"brand": BRAND, "channel": channel, "brief": "Our autumn blend is back with notes of maple and pecan",
            "offer": "20% off this week", "call_to_action": "Order online", **changes}
    return parse_draft(read_input("draft", body)).spec


def provider(fake, **kwargs):
    options = {"timeout": 2.0, "retries": 2, "backoff": 0.01, **kwargs}
    return OpenAICompatibleProvider(fake.base_url, "llama3.2", SECRET, **options)


def test_request_shape(fake_llm):
    text = provider(fake_llm).write(spec(), 1, 3)
    assert text == fake_llm.behaviour.reply
    [request] = fake_llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["body"]
    assert body["model"] == "llama3.2" and body["stream"] is False
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "Bean There" in system["content"] and "busy parents" in system["content"]
    assert "cheap, guaranteed" in system["content"] and "280 characters" in system["content"]
    assert "maple and pecan" in user["content"] and "20% off" in user["content"]
    assert "variant 2 of 3" in user["content"]


def test_no_key_means_no_authorization_header(fake_llm):
    OpenAICompatibleProvider(fake_llm.base_url, "m", None, timeout=2).write(spec(), 0, 1)
    assert "Authorization" not in fake_llm.requests[0]["headers"]


def test_server_errors_are_retried_then_succeed(fake_llm):
    fake_llm.behaviour.statuses = [500, 503]
    assert provider(fake_llm).write(spec(), 0, 1) == fake_llm.behaviour.reply
    assert len(fake_llm.requests) == 3


def test_persistent_server_errors_fail_clearly_after_the_retries(fake_llm):
    fake_llm.behaviour.statuses = [500, 500, 500, 500]
    with pytest.raises(ProviderError) as caught:
        provider(fake_llm).write(spec(), 0, 1)
    assert len(fake_llm.requests) == 3
    assert "unavailable after 3 attempt(s)" in str(caught.value) and "HTTP 500" in str(caught.value)
    assert "fake failure 500" in str(caught.value)


def test_rejected_key_is_final_and_never_echoed(fake_llm):
    fake_llm.behaviour.statuses = [401]
    with pytest.raises(ProviderError) as caught:
        provider(fake_llm).write(spec(), 0, 1)
    assert len(fake_llm.requests) == 1
    assert "rejected the API key" in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in repr(provider(fake_llm))


def test_rate_limit_honours_retry_after(fake_llm):
    fake_llm.behaviour.statuses = [429]
    fake_llm.behaviour.headers = {"Retry-After": "1"}
    started = time.monotonic()
    assert provider(fake_llm).write(spec(), 0, 1)
    assert time.monotonic() - started >= 1.0 and len(fake_llm.requests) == 2


def test_slow_endpoint_times_out(fake_llm):
    fake_llm.behaviour.delay = 1.5
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        provider(fake_llm, timeout=0.3, retries=1).write(spec(), 0, 1)
    assert "no answer within 0.3 s" in str(caught.value)
    assert time.monotonic() - started < 1.5 and len(fake_llm.requests) == 2


def test_dead_endpoint_is_reported_as_refused():
    dead = OpenAICompatibleProvider(f"http://127.0.0.1:{free_port()}/v1", "m", SECRET, timeout=1, retries=1,
                                    backoff=0.01)
    with pytest.raises(ProviderError) as caught:
        dead.write(spec(), 0, 1)
    assert "connection refused" in str(caught.value)


def test_a_reply_that_is_not_a_chat_completion_is_an_error(fake_llm):
    fake_llm.behaviour.raw_body = b'{"result": "hello"}'
    with pytest.raises(ProviderError, match="choices"):
        provider(fake_llm).write(spec(), 0, 1)


def test_an_overlong_draft_is_sent_back_once_to_be_shortened(fake_llm):
    fake_llm.behaviour.replies = ["Autumn " * 60]  # 420 characters for a 280-character X post
    assert provider(fake_llm).write(spec(), 0, 1) == fake_llm.behaviour.reply
    first, second = fake_llm.requests
    assert second["body"]["messages"][:2] == first["body"]["messages"]
    assert second["body"]["messages"][2] == {"role": "assistant", "content": ("Autumn " * 60).strip()}
    assert "the limit is 280" in second["body"]["messages"][3]["content"]


def test_credentials_in_the_base_url_stay_out_of_messages():
    dead = OpenAICompatibleProvider(f"http://user:hunter2@127.0.0.1:{free_port()}/v1", "m", timeout=1, retries=0)
    with pytest.raises(ProviderError) as caught:
        dead.write(spec(), 0, 1)
    assert "hunter2" not in str(caught.value) and "127.0.0.1" in str(caught.value)


def test_model_chatter_is_removed():
    assert clean_reply('<think>plan the post</think>\nHere is your post:\n"Autumn is back."') == "Autumn is back."


def test_template_drafts_follow_every_channels_rules():
    templates = TemplateProvider()
    for channel, rule in CHANNELS.items():
        drafts = [templates.write(spec(channel), index, 3) for index in range(3)]
        assert len(set(drafts)) == 3, channel
        for text in drafts:
            scored = score_text(ScoreInput(text=text, channel=channel, banned_words=BRAND["banned_words"]))
            assert scored["publishable"], (channel, text, scored["reasons"])
            assert "autumn blend" in text or "20% off" in text, (channel, text)
            if rule.ideal_hashtags[1] == 0:
                assert "#" not in text, (channel, text)
            assert not [c for c in scored["checks"] if c["id"] in ("length", "hashtags") and c["status"] == "fail"]
    subject = templates.write(spec("email_subject"), 0, 1)
    assert len(subject) <= 50
    meta = templates.write(spec("meta_description"), 0, 1)
    assert 50 <= len(meta) <= 160
    assert "#coffee" in templates.write(spec("instagram"), 0, 1)


def test_template_drafts_carry_the_keyphrase():
    for channel in CHANNELS:
        text = TemplateProvider().write(spec(channel, keyphrase="cold brew"), 0, 1)
        scored = score_text(ScoreInput(text=text, channel=channel, keyphrase="cold brew"))
        assert next(c for c in scored["checks"] if c["id"] == "keyphrase")["status"] != "fail", (channel, text)


def test_a_draft_without_a_keyphrase_takes_the_brands():
    kit = {**BRAND, "keyphrases": ["cold brew", "maple pecan"]}
    assert spec(brand=kit, brief="Our maple pecan blend is back").keyphrase == "maple pecan", "the one the brief uses"
    assert spec(brand=kit, brief="A new mug for the office").keyphrase == "cold brew", "else the brand's first"
    assert spec(brand=kit, keyphrase="oat milk").keyphrase == "oat milk", "the request's wins"
    assert spec().keyphrase is None
    text = TemplateProvider().write(spec("linkedin", brand=kit, brief="A new mug for the office"), 0, 1)
    assert "cold brew" in text.lower()


def test_template_voice_changes_the_register():
    formal = spec(brand={**BRAND, "voice": "professional and precise"})
    casual = spec(brand={**BRAND, "voice": "playful"})
    templates = TemplateProvider()
    assert templates.write(formal, 0, 1) != templates.write(casual, 0, 1)


def test_template_never_adds_a_banned_word():
    banned = spec("linkedin", brand={**BRAND, "banned_words": ["news", "good", "psst", "here's"]})
    for index in range(6):
        text = TemplateProvider().write(banned, index, 6).lower()
        assert "good news" not in text and "psst" not in text


# Over real HTTP: the agent configured with the fake LLM.

DRAFT = {"brand": BRAND, "campaign": {"name": "Autumn", "goal": "sales", "channels": ["x"], "start": "2026-09-01",
                                      "end": "2026-09-30", "budget": 500},
         "channel": "x", "brief": "Our autumn blend is back with notes of maple and pecan", "variants": 3}


def test_agent_drafts_with_the_llm(start_agent, fake_llm):
    url = start_agent(llm_base_url=fake_llm.base_url, llm_model="llama3.2", llm_api_key=SECRET, llm_backoff=0.01)
    response = post_task(url, "draft", DRAFT)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["provider"] == "llm" and result["model"] == "llama3.2" and not result["fallback"]["used"]
    assert [v["text"] for v in result["variants"]] == [fake_llm.behaviour.reply] * 3
    assert all(v["label"] == "LLM draft (llama3.2)" for v in result["variants"])
    assert all(isinstance(v["score"]["score"], int) for v in result["variants"])
    assert len(fake_llm.requests) == 3


def test_agent_reports_a_dead_llm_as_502_without_fallback(start_agent):
    dead = f"http://127.0.0.1:{free_port()}/v1"
    url = start_agent(llm_base_url=dead, llm_model="m", llm_api_key=SECRET, llm_retries=1, llm_backoff=0.01)
    response = post_task(url, "draft", DRAFT)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "llm_unavailable" and "connection refused" in error["message"] and dead in error["message"]
    assert SECRET not in response.text


def test_agent_falls_back_to_labelled_templates_when_allowed(start_agent, fake_llm):
    fake_llm.behaviour.statuses = [500] * 10
    url = start_agent(llm_base_url=fake_llm.base_url, llm_model="m", llm_retries=1, llm_backoff=0.01)
    response = post_task(url, "draft", {**DRAFT, "allow_template_fallback": True})
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["provider"] == "template" and result["fallback"]["used"]
    assert "HTTP 500" in result["fallback"]["reason"] and "Template drafts were used" in result["fallback"]["reason"]
    assert all(v["label"].startswith("Template draft") for v in result["variants"])
    # The LLM is not asked again for each variant once it has failed.
    assert len(fake_llm.requests) == 2


def test_asking_for_the_llm_when_none_is_configured(agent_url):
    refused = post_task(agent_url, "draft", {**DRAFT, "provider": "llm"})
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "provider"
    allowed = post_task(agent_url, "draft", {**DRAFT, "provider": "llm", "allow_template_fallback": True})
    assert allowed.json()["result"]["fallback"]["used"] is True
    default = post_task(agent_url, "draft", DRAFT).json()["result"]
    assert default["provider"] == "template" and default["fallback"]["used"] is False


def test_api_key_comes_from_the_key_file(tmp_path, fake_llm):
    key_file = tmp_path / "llm-key"
    key_file.write_text(SECRET + "\n")
    settings = AgentSettings.from_env({"UMT_LLM_BASE_URL": fake_llm.base_url, "UMT_LLM_MODEL": "m",
                                       "UMT_LLM_API_KEY_FILE": str(key_file)})
    assert settings.llm_api_key == SECRET and SECRET not in repr(settings)
    missing = AgentSettings.from_env({"UMT_LLM_API_KEY_FILE": str(tmp_path / "absent"), "UMT_LLM_API_KEY": "k2"})
    assert missing.llm_api_key == "k2"
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    assert AgentSettings.from_env({"UMT_SECRETS_DIR": str(secrets_dir)}).llm_api_key is None
    (secrets_dir / "llm_api_key").write_text("k3\n")
    assert AgentSettings.from_env({"UMT_SECRETS_DIR": str(secrets_dir)}).llm_api_key == "k3"
