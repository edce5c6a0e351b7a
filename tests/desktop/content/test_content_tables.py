"""The desktop's copies of the services' rules (kept until the gateway publishes them) stay equal."""

from __future__ import annotations

from umt.agent.channels import ALIASES as AGENT_ALIASES, CHANNELS as AGENT_CHANNELS, channel_length as agent_length
from umt.desktop.models.channels import ALIASES, CHANNELS, channel_for, channel_length
from umt.desktop.models.content_records import MOVE_LABELS, STATUSES, TRANSITIONS
from umt.gateway.content import TRANSITIONS as GATEWAY_TRANSITIONS
from umt.gateway.resources import STATUSES as GATEWAY_STATUSES


def test_the_channel_table_is_the_agents():
    assert list(CHANNELS) == list(AGENT_CHANNELS) and ALIASES == AGENT_ALIASES
    for key, channel in CHANNELS.items():
        rule = AGENT_CHANNELS[key]
        assert (channel.label, channel.max_chars, channel.link_chars, channel.weighted) == \
            (rule.label, rule.max_chars, rule.link_chars, rule.weighted), key


def test_the_character_count_is_the_agents():
    texts = ["Plain words.", "Read https://example.com/a/very/long/path?utm_source=x now", "Café ☕ 東京 emoji 🎉",
             "", "a" * 300]
    for key in CHANNELS:
        for text in texts:
            assert channel_length(text, CHANNELS[key]) == agent_length(text, AGENT_CHANNELS[key]), (key, text)
    assert channel_for("Email").key == "email_body" and channel_for("nowhere") is None


def test_the_workflow_is_the_gateways():
    assert STATUSES == GATEWAY_STATUSES
    assert {status: set(moves) for status, moves in TRANSITIONS.items()} == \
        {status: set(moves) for status, moves in GATEWAY_TRANSITIONS.items()}
    assert set(MOVE_LABELS) == set(STATUSES)
