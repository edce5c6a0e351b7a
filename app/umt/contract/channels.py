"""The one table of channel rules: the agent drafts and scores by it, the gateway checks a job's channel
against it, the desktop's composer counts characters and the campaign form offers channels from it.

Limits are the platforms' published hard limits; the ideal ranges are the common industry
guidance (short social posts get more engagement; subject lines over ~50 characters are cut on
phones; search engines cut meta descriptions past ~160 characters)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelRule:
    key: str
    label: str
    max_chars: int
    ideal_chars: tuple[int, int]
    max_hashtags: int
    ideal_hashtags: tuple[int, int]
    links_clickable: bool = True
    # X counts every link as 23 characters whatever its length (t.co wrapping), and most
    # characters outside Latin and common punctuation (CJK, emoji) as two.
    link_chars: int | None = None
    weighted: bool = False
    # Long-form channels where readability and keyphrase density mean something.
    long_form: bool = False
    min_chars: int = 1

    def summary(self) -> str:
        hashtags = "no hashtags" if self.max_hashtags == 0 else (
            f"{self.ideal_hashtags[0]}-{self.ideal_hashtags[1]} hashtags (at most {self.max_hashtags})")
        return (f"{self.label}: at most {self.max_chars} characters, ideally {self.ideal_chars[0]}-"
                f"{self.ideal_chars[1]}; {hashtags}")


CHANNELS: dict[str, ChannelRule] = {rule.key: rule for rule in (
    ChannelRule("x", "X post", 280, (70, 120), 10, (0, 2), link_chars=23, weighted=True),
    ChannelRule("linkedin", "LinkedIn post", 3000, (150, 1300), 30, (1, 5), long_form=True),
    ChannelRule("instagram", "Instagram caption", 2200, (100, 1000), 30, (3, 10), links_clickable=False),
    ChannelRule("facebook", "Facebook post", 63206, (40, 250), 30, (0, 3)),
    ChannelRule("threads", "Threads post", 500, (70, 300), 1, (0, 1)),
    ChannelRule("email_subject", "email subject line", 60, (30, 50), 0, (0, 0)),
    ChannelRule("email_body", "email body", 20000, (300, 2000), 0, (0, 0), long_form=True),
    ChannelRule("meta_description", "meta description", 160, (120, 158), 0, (0, 0), min_chars=50),
    ChannelRule("blog", "blog post", 100000, (1500, 15000), 0, (0, 0), long_form=True),
    ChannelRule("tiktok", "TikTok caption", 4000, (50, 300), 30, (3, 5)),
    ChannelRule("pinterest", "Pinterest pin description", 500, (100, 300), 20, (0, 5)),
    ChannelRule("youtube_title", "YouTube title", 100, (40, 70), 3, (0, 0)),
    ChannelRule("youtube_description", "YouTube description", 5000, (200, 1500), 15, (1, 3), long_form=True),
    ChannelRule("google_business", "Google Business post", 1500, (100, 300), 0, (0, 0)),
    ChannelRule("sms", "SMS message", 160, (50, 140), 0, (0, 0)),
)}
CHANNEL_KEYS = tuple(CHANNELS)
# Other names people (and the gateway's content items) use for the same channels.
CHANNEL_ALIASES = {"twitter": "x", "x.com": "x", "email": "email_body", "newsletter": "email_body",
                   "subject": "email_subject", "seo": "meta_description", "meta": "meta_description",
                   "fb": "facebook", "ig": "instagram", "youtube": "youtube_description", "gbp": "google_business",
                   "text": "sms"}
# What a campaign plans for: whole posts, not the parts of one (a subject line, a title, a meta description).
CAMPAIGN_CHANNELS = ("linkedin", "instagram", "facebook", "x", "threads", "tiktok", "pinterest", "email_body",
                     "blog", "youtube_description", "google_business", "sms")
assert set(CAMPAIGN_CHANNELS) <= set(CHANNELS), "a campaign channel must have rules"

URL_PATTERN = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
# twitter-text's ranges of weight-1 code points; everything else weighs 2. (An emoji made of
# several code points joined by ZWJ counts 2 there and 2 per code point here: we overcount it.)
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def resolve_channel(name: str) -> str | None:
    """The key for a channel name or alias ("Email" -> "email_body"), or None for a channel without rules."""
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    key = CHANNEL_ALIASES.get(key, key)
    return key if key in CHANNELS else None


def channel_for(name: str | None) -> ChannelRule | None:
    """The rules for a channel name or alias, or None for a channel without rules (or no name)."""
    key = resolve_channel(name) if name else None
    return CHANNELS[key] if key else None


def _weight(char: str) -> int:
    code = ord(char)
    return 1 if any(low <= code <= high for low, high in _LIGHT_RANGES) else 2


def channel_length(text: str, rule: ChannelRule) -> int:
    """The length the channel counts: characters, with links at their fixed cost where one applies."""
    if rule.link_chars is not None:
        text = URL_PATTERN.sub("x" * rule.link_chars, text)
    if rule.weighted and not text.isascii():
        return sum(_weight(char) for char in text)
    return len(text)
