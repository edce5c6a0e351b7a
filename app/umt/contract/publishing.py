"""Publishing: the owner's connected channel accounts, the newsletter's recipients, and the outbox's
deliveries (one per post per channel account: queued → sending → sent | failed | unknown).

Credentials go in (ChannelAccountInput.credentials) and never come back out: no record here has
a field for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from umt.contract.base import Id, Input, Page, Record, listed, text
from umt.contract.resources import ListQuery

# A new channel is one module in umt.gateway.publishing.channels and one name here.
CHANNEL_KINDS = ("bluesky", "mastodon", "email", "wordpress", "discord", "slack", "webhook")
ChannelKind = Literal["bluesky", "mastodon", "email", "wordpress", "discord", "slack", "webhook"]
# connected: sends; needs_reconnect: its credentials were refused, deliveries wait for new ones.
ChannelStatus = Literal["connected", "needs_reconnect"]
DELIVERY_STATUSES = ("queued", "sending", "sent", "failed", "unknown", "cancelled")
# unknown: the channel may have published it (an SMTP timeout after DATA): never retried by itself.
DeliveryStatus = Literal["queued", "sending", "sent", "failed", "unknown", "cancelled"]
RETRYABLE_DELIVERY_STATUSES = ("failed", "unknown")
Secret = text(10000, 1)


class ChannelAccountInput(Input):
    kind: ChannelKind
    name: text(100, 1, description="the owner's name for this account, e.g. 'Shop on Bluesky'")
    # Non-secret settings the channel module names (a server address, a handle, a sender address).
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    # Secrets (a password, an app password, a token, a webhook URL): stored encrypted, never returned.
    credentials: dict[str, Secret] = msgspec.field(default_factory=dict)


class ChannelAccountPatch(Input):
    name: text(100, 1) | UnsetType = UNSET
    settings: dict[str, Any] | UnsetType = UNSET
    credentials: dict[str, Secret] | UnsetType = UNSET   # a reconnect: replaces all, status → connected


class ChannelAccount(Record):
    id: int
    kind: ChannelKind
    name: str
    settings: dict[str, Any]
    status: ChannelStatus
    last_error: str | None
    has_credentials: bool
    created_at: datetime
    updated_at: datetime


ChannelAccountPage = Page[ChannelAccount]


class ChannelKindInfo(Record):
    """One kind of channel this gateway can publish to, and what connecting one needs."""
    kind: ChannelKind
    label: str
    setting_names: list[str]
    credential_names: list[str]
    max_media: int


class ChannelTest(Record):
    """The answer of "Test connection": ok, or what is wrong in the channel's own words."""
    ok: bool
    message: str
    status: ChannelStatus


class PublishInput(Input):
    """Queues one delivery of a content item per named channel account, due at `at` (default: the
    item's scheduled time, or now). An account the item already has a live delivery for is kept."""
    channel_ids: listed(Id, 20, 1)
    at: datetime | None = None


class Delivery(Record):
    id: int
    content_id: int
    channel_id: int
    status: DeliveryStatus
    due_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    remote_id: str | None       # the post's id on the channel
    link: str | None            # the live post, where the channel has one
    last_error: str | None      # the server's answer when it failed, or why it is unknown
    details: dict[str, Any]     # channel specifics, e.g. per-recipient refusals of a newsletter
    created_at: datetime
    updated_at: datetime


DeliveryPage = Page[Delivery]


class DeliveryQuery(ListQuery):
    content_id: Id | None = None
    channel_id: Id | None = None
    status: DeliveryStatus | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None


class RecipientInput(Input):
    email: text(254, 3, pattern=r"^[^@\s]+@[^@\s]+$")
    name: text(200) = ""


class Recipient(Record):
    id: int
    channel_id: int
    email: str
    name: str
    unsubscribed_at: datetime | None
    created_at: datetime


RecipientPage = Page[Recipient]


class UnsubscribeQuery(Input):
    token: text(100, 1)
