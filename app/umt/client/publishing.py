"""The publishing calls of GatewayClient: channel accounts, newsletter recipients, deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

import msgspec

from umt.contract.publishing import (ChannelAccount, ChannelAccountInput, ChannelAccountPage, ChannelAccountPatch,
                                     ChannelKindInfo, ChannelTest, Delivery, DeliveryPage, Recipient, RecipientInput,
                                     RecipientPage)


def _body(record: Any, fields: dict[str, Any]) -> dict[str, Any]:
    if record is None:
        return fields
    data = msgspec.to_builtins(record) if isinstance(record, msgspec.Struct) else dict(record)
    return {**data, **fields}


class PublishingMethods:
    """Mixed into GatewayClient (which provides `request`). Writes send an Idempotency-Key (a retry
    across a gateway restart is done once), except connecting, reconnecting and testing a channel,
    which call the channel's service."""

    def request(self, method: str, path: str, **options: Any) -> Any:  # pragma: no cover - GatewayClient's
        raise NotImplementedError

    # --- channel accounts ------------------------------------------------------------------------

    def list_channels(self, *, limit: int = 500, offset: int = 0) -> ChannelAccountPage:
        return self.request("GET", "/api/v1/channels", params={"limit": limit, "offset": offset},
                            type=ChannelAccountPage)

    def create_channel(self, input: ChannelAccountInput | dict | None = None, **fields: Any) -> ChannelAccount:
        """Connects an account: `ChannelAccountInput(kind=, name=, settings=, credentials=)` or the
        same as keywords. The connection is checked first: a refused sign-in raises ValidationFailed
        naming `credentials`."""
        # Not retried: the gateway takes no Idempotency-Key here (the connection check is a network
        # call that must not hold the write lock), so a retry after a cut-off reply could connect twice.
        return self.request("POST", "/api/v1/channels", json_body=_body(input, fields), type=ChannelAccount)

    def get_channel(self, channel_id: int) -> ChannelAccount:
        return self.request("GET", f"/api/v1/channels/{channel_id}", type=ChannelAccount)

    def update_channel(self, channel_id: int, patch: ChannelAccountPatch | dict | None = None,
                       **changes: Any) -> ChannelAccount:
        """New `credentials` reconnect the account (checked first; it is connected again)."""
        body = _body(patch, changes)
        return self.request("PATCH", f"/api/v1/channels/{channel_id}", json_body=body, type=ChannelAccount, idempotent=True)

    def delete_channel(self, channel_id: int) -> None:
        self.request("DELETE", f"/api/v1/channels/{channel_id}", idempotent=True)

    def test_channel(self, channel_id: int) -> ChannelTest:
        return self.request("POST", f"/api/v1/channels/{channel_id}/test", type=ChannelTest)

    def channel_kinds(self) -> list[ChannelKindInfo]:
        return self.request("GET", "/api/v1/channel-kinds", type=list[ChannelKindInfo])

    # --- recipients ------------------------------------------------------------------------------

    def list_recipients(self, channel_id: int, *, limit: int = 500, offset: int = 0) -> RecipientPage:
        return self.request("GET", f"/api/v1/channels/{channel_id}/recipients",
                            params={"limit": limit, "offset": offset}, type=RecipientPage)

    def add_recipients(self, channel_id: int, people: Iterable[RecipientInput | dict]) -> list[Recipient]:
        """Adds the addresses not on the list yet; returns the whole list."""
        body = [_body(person, {}) for person in people]
        return self.request("POST", f"/api/v1/channels/{channel_id}/recipients", json_body=body,
                            type=list[Recipient], idempotent=True)

    def remove_recipient(self, channel_id: int, recipient_id: int) -> None:
        self.request("DELETE", f"/api/v1/channels/{channel_id}/recipients/{recipient_id}", idempotent=True)

    def unsubscribe(self, token: str) -> str:
        """What a newsletter's unsubscribe link does (no sign-in); returns the page's HTML."""
        return self.request("GET", "/unsubscribe", params={"token": token}, raw=True)

    # --- deliveries ------------------------------------------------------------------------------

    def publish(self, content_id: int, channel_ids: Iterable[int], at: datetime | None = None) -> list[Delivery]:
        """Queues the item for each account at `at` (default: its scheduled time, or now). A post that
        cannot go somewhere raises ValidationFailed whose `details` maps channel id → problems."""
        body: dict[str, Any] = {"channel_ids": list(channel_ids)}
        if at is not None:
            body["at"] = at.isoformat()
        return self.request("POST", f"/api/v1/content/{content_id}/deliveries", json_body=body, type=list[Delivery],
                            idempotent=True)

    def list_deliveries(self, *, content_id: int | None = None, channel_id: int | None = None,
                        status: str | None = None, due_from: datetime | None = None, due_to: datetime | None = None,
                        limit: int = 50, offset: int = 0) -> DeliveryPage:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        for name, value in (("content_id", content_id), ("channel_id", channel_id), ("status", status),
                            ("due_from", due_from), ("due_to", due_to)):
            if value is not None:
                params[name] = value.isoformat() if isinstance(value, datetime) else value
        return self.request("GET", "/api/v1/deliveries", params=params, type=DeliveryPage)

    def retry_delivery(self, delivery_id: int) -> Delivery:
        """Only a failed or unknown delivery (Conflict otherwise); it keeps its key."""
        return self.request("POST", f"/api/v1/deliveries/{delivery_id}/retry", type=Delivery, idempotent=True)

    def retry_failed(self, content_id: int) -> list[Delivery]:
        """The item's failed deliveries go again (its sent and unknown ones are left alone)."""
        return self.request("POST", f"/api/v1/content/{content_id}/deliveries/retry", type=list[Delivery],
                            idempotent=True)

    def cancel_delivery(self, delivery_id: int) -> Delivery:
        """Only a queued delivery (Conflict otherwise)."""
        return self.request("POST", f"/api/v1/deliveries/{delivery_id}/cancel", type=Delivery, idempotent=True)
