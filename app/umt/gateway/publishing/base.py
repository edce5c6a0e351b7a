"""The one interface every channel implements, and the outcomes a send can have.

A channel module turns one post into one call (or a few) to one service and classifies what came
back; the outbox does everything else (when, how often, recording, backoff, leases). A channel
never raises for a service's answer: it returns an Outcome. It raises only for a bug.

Exactly once: every try of one delivery carries the same `Post.key`. Each channel uses it where
its service allows (Bluesky's record key, Mastodon's Idempotency-Key, WordPress's slug, a webhook's
event id), and on a retry (`Post.attempt` > 1) looks for what an earlier try may have created
before creating anything. Where a service has no such thing (SMTP), a send whose result cannot be
known is `Unknown`, which the outbox never retries by itself."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, ClassVar


@dataclass(frozen=True)
class Media:
    filename: str
    mime_type: str
    data: bytes
    alt: str = ""


@dataclass(frozen=True)
class Post:
    """One delivery of one content item, as a channel needs it."""
    delivery_id: int
    key: str                  # stable across every try of this delivery, e.g. "umt-d42-1b9c0e7f"
    attempt: int              # 1 on the first try
    content_id: int
    title: str
    body: str
    due_at: datetime
    hashtags: tuple[str, ...] = ()
    media: tuple[Media, ...] = ()
    # What the previous try recorded (the delivery's stored `details`), so that a retry can skip what
    # it already did: the newsletter sends only to the recipients not yet accepted.
    earlier: dict[str, Any] = field(default_factory=dict)


@dataclass
class Account:
    """A connected channel account. `credentials` are decrypted and live only in memory; a channel
    that rotates them (Bluesky's refresh token) writes the new ones into `updated_credentials`,
    and the outbox stores them encrypted."""
    id: int
    kind: str
    name: str
    settings: dict[str, Any]
    credentials: dict[str, str]
    updated_credentials: dict[str, str] | None = None
    # Set by the outbox while it sends: a channel that sends in parts (the newsletter, one message
    # per recipient) reports its details so far, and the outbox stores them at once, so that a
    # gateway killed mid-send loses none of it (a retry then skips who already has it).
    progress: Callable[[dict[str, Any]], None] | None = None


@dataclass(frozen=True)
class Outcome:
    reason: str = ""                                       # the server's own words, for the owner
    details: dict[str, Any] = field(default_factory=dict)  # e.g. per-recipient refusals


@dataclass(frozen=True)
class Sent(Outcome):
    remote_id: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class RetryLater(Outcome):
    """Nothing was published (429, 5xx, a temporary SMTP code, a refused connection): try again,
    not before `after_seconds` when the service said so (Retry-After, a rate-limit reset)."""
    after_seconds: float | None = None


@dataclass(frozen=True)
class Failed(Outcome):
    """Refused for good (another 4xx, a permanent SMTP code, a post the service will not take)."""


@dataclass(frozen=True)
class NeedsReconnect(Outcome):
    """The credentials were refused or have expired: the account stops until the owner reconnects."""


@dataclass(frozen=True)
class Unknown(Outcome):
    """It may have been published (cut off after the service took it): the owner decides."""


class Channel(ABC):
    kind: ClassVar[str]          # one of umt.contract.CHANNEL_KINDS
    label: ClassVar[str]         # "Bluesky"
    max_media: ClassVar[int] = 0
    max_media_bytes: ClassVar[int] = 0
    # The names a connection needs, for the Channels window's form and the "credentials present" check.
    setting_names: ClassVar[tuple[str, ...]] = ()
    credential_names: ClassVar[tuple[str, ...]] = ()
    # False for a service with no idempotency key and nothing to look up (SMTP, Discord and Slack
    # webhooks): a send cut off by a crash of the gateway becomes Unknown instead of being repeated.
    resend_after_interruption: ClassVar[bool] = True

    def problems(self, post: Post, account: Account) -> list[str]:
        """Why this post cannot go to this account, checked before sending (and when scheduling):
        length as the service counts it, media count and size, credentials present. Empty: fine."""
        found = [f"{self.label}: the connection has no {name}; reconnect the channel"
                 for name in self.credential_names if not account.credentials.get(name)]
        if len(post.media) > self.max_media:
            found.append(f"{self.label} takes at most {self.max_media} images; this post has {len(post.media)}")
        found += [f"{self.label} takes images up to {self.max_media_bytes // 1024} KB; {m.filename} is "
                  f"{len(m.data) // 1024} KB" for m in post.media if self.max_media_bytes and len(m.data) > self.max_media_bytes]
        return found + self.text_problems(post, account)

    def text_problems(self, post: Post, account: Account) -> list[str]:
        return []

    @abstractmethod
    def send(self, post: Post, account: Account) -> Outcome:
        """Publishes the post (or finds the one an earlier try of the same key published)."""

    @abstractmethod
    def check_connection(self, account: Account) -> Outcome:
        """Signs in (or the cheapest authenticated call): Sent (ok), NeedsReconnect, RetryLater or Failed."""
