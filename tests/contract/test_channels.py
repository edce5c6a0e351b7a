"""The one channel table: names and aliases find their rules; the count is the channel's."""

from __future__ import annotations

from umt.contract.channels import CAMPAIGN_CHANNELS, CHANNELS, channel_for, channel_length, resolve_channel
from umt.contract.tasks import ScoreInput
from umt.contract import ContractError, convert

import pytest


def test_names_and_aliases_find_the_rules():
    assert channel_for("Email").key == "email_body" and channel_for(" youtube ").key == "youtube_description"
    assert channel_for("Meta-Description").key == "meta_description"
    assert channel_for("nowhere") is None and channel_for("") is None and channel_for(None) is None
    assert resolve_channel("Twitter") == "x" and resolve_channel("fax") is None


def test_a_campaign_plans_for_whole_posts_only():
    assert set(CAMPAIGN_CHANNELS) < set(CHANNELS)
    assert {"email_subject", "meta_description", "youtube_title"}.isdisjoint(CAMPAIGN_CHANNELS)


def test_x_counts_links_at_23_and_wide_characters_twice():
    x = CHANNELS["x"]
    assert channel_length("Read https://example.com/a/very/long/path now", x) == len("Read  now") + 23
    assert channel_length("咖啡", x) == 4 and channel_length("咖啡", CHANNELS["linkedin"]) == 2


def test_a_job_names_a_channel_from_the_table():
    with pytest.raises(ContractError) as error:
        convert({"text": "Hi", "channel": "fax"}, ScoreInput)
    assert error.value.field == "channel" and "linkedin" in str(error.value)
