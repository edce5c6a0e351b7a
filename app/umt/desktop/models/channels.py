"""The channels the composer offers and how each counts characters: THE one table on the desktop.

It mirrors the agent's rules (umt/agent/channels.py; a test holds the two equal) because the
gateway does not publish them yet: a `GET /api/v1/channels` would retire this copy. The desktop
may not import the agent (import contract), so the numbers live here once."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Channel:
    key: str
    label: str
    max_chars: int
    # X counts each link as 23 characters (t.co) and most characters beyond Latin as two.
    link_chars: int | None = None
    weighted: bool = False


CHANNELS: dict[str, Channel] = {c.key: c for c in (
    Channel("x", "X post", 280, link_chars=23, weighted=True),
    Channel("linkedin", "LinkedIn post", 3000),
    Channel("instagram", "Instagram caption", 2200),
    Channel("facebook", "Facebook post", 63206),
    Channel("threads", "Threads post", 500),
    Channel("email_subject", "email subject line", 60),
    Channel("email_body", "email body", 20000),
    Channel("meta_description", "meta description", 160),
    Channel("blog", "blog post", 100000),
    Channel("tiktok", "TikTok caption", 4000),
    Channel("pinterest", "Pinterest pin description", 500),
    Channel("youtube_title", "YouTube title", 100),
    Channel("youtube_description", "YouTube description", 5000),
    Channel("google_business", "Google Business post", 1500),
    Channel("sms", "SMS message", 160),
)}
ALIASES = {"twitter": "x", "x.com": "x", "email": "email_body", "newsletter": "email_body",
           "subject": "email_subject", "seo": "meta_description", "meta": "meta_description", "fb": "facebook",
           "ig": "instagram", "youtube": "youtube_description", "gbp": "google_business", "text": "sms"}

_URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def channel_for(name: str | None) -> Channel | None:
    """The rules for a channel name (or an alias such as "email"), or None for a channel we do not know."""
    if not name:
        return None
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return CHANNELS.get(ALIASES.get(key, key))


def channel_length(text: str, channel: Channel) -> int:
    """The length the channel counts, as the agent's scoring counts it."""
    if channel.link_chars is not None:
        text = _URL.sub("x" * channel.link_chars, text)
    if channel.weighted and not text.isascii():
        return sum(1 if any(low <= ord(c) <= high for low, high in _LIGHT_RANGES) else 2 for c in text)
    return len(text)
