"""Routes for publishing: channel accounts (connect, test, disconnect), their recipients, and the
outbox's deliveries (publish an item, list, retry, cancel). Credentials go in, never come out."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET
from starlette.responses import HTMLResponse

from umt import contract as c
from umt.contract.base import listed
from umt.contract.resources import ListQuery
from umt.gateway.db import when_committed
from umt.gateway.http import Call, Operation
from umt.gateway.publishing import registry


RecipientList = listed(c.RecipientInput, 1000, 1)


async def list_channels(call: Call):
    return await call.run(call.services.channels.list, call.query.limit, call.query.offset)


async def create_channel(call: Call):
    body = call.body
    return await call.run(call.services.channels.create, body.kind, body.name, body.settings, body.credentials)


async def get_channel(call: Call):
    return await call.run(call.services.channels.get, call.path["id"])


async def update_channel(call: Call):
    changes: dict[str, Any] = {k: v for k in ("name", "settings", "credentials")
                               if (v := getattr(call.body, k)) is not UNSET}
    result = await call.run(call.services.channels.update, call.path["id"], changes)
    when_committed(call.services.outbox.notify)   # a reconnect makes the account's waiting deliveries due
    return result


async def delete_channel(call: Call):
    await call.run(call.services.channels.delete, call.path["id"])


async def test_channel(call: Call):
    return await call.run(call.services.channels.test, call.path["id"])


async def channel_kinds(call: Call):
    return await call.run(registry.kinds)


async def publish(call: Call):
    result = await call.run(call.services.deliveries.publish, call.path["id"], list(call.body.channel_ids),
                          call.body.at)
    when_committed(call.services.outbox.notify)   # the outbox looks once the deliveries are committed
    return result


async def list_deliveries(call: Call):
    return await call.run(call.services.deliveries.list, call.query)


async def retry_delivery(call: Call):
    result = await call.run(call.services.deliveries.retry, call.path["id"])
    when_committed(call.services.outbox.notify)   # the outbox looks once the deliveries are committed
    return result


async def retry_failed(call: Call):
    result = await call.run(call.services.deliveries.retry_failed, call.path["id"])
    when_committed(call.services.outbox.notify)   # the outbox looks once the deliveries are committed
    return result


async def cancel_delivery(call: Call):
    result = await call.run(call.services.deliveries.cancel, call.path["id"])
    when_committed(call.services.outbox.notify)   # the outbox looks once the deliveries are committed
    return result


async def list_recipients(call: Call):
    return await call.run(call.services.channels.list_recipients, call.path["id"], call.query.limit,
                          call.query.offset)


async def add_recipients(call: Call):
    people = [{"email": p.email, "name": p.name} for p in call.body]
    return await call.run(call.services.channels.add_recipients, call.path["id"], people)


async def remove_recipient(call: Call):
    await call.run(call.services.channels.remove_recipient, call.path["id"], call.path["rid"])


async def unsubscribe(call: Call):
    # No sign-in: the link in a newsletter stands in for it. The same page whether or not the token
    # is known, so the address tells a stranger nothing.
    await call.run(call.services.channels.unsubscribe, call.query.token)
    return HTMLResponse("<!doctype html><title>Unsubscribed</title><p>You are unsubscribed: no more newsletters "
                        "will be sent to this address.</p>")


def operations() -> list[Operation]:
    # Connecting, reconnecting and testing call the channel's service: they take no Idempotency-Key,
    # whose request transaction would hold the database's write lock over that network call.
    channel, tag = "/api/v1/channels/{id}", "channels"
    return [
        Operation("GET", "/api/v1/channels", list_channels, "the connected channel accounts", tag, query=ListQuery,
                  reply=c.ChannelAccountPage),
        Operation("POST", "/api/v1/channels", create_channel,
                  "connect a channel account (its connection is checked first; credentials are stored encrypted)",
                  tag, body=c.ChannelAccountInput, reply=c.ChannelAccount, status=201, idempotent=False),
        Operation("GET", channel, get_channel, "one channel account", tag, reply=c.ChannelAccount),
        Operation("PATCH", channel, update_channel,
                  "rename, change settings, or reconnect (new credentials, checked first)", tag,
                  body=c.ChannelAccountPatch, reply=c.ChannelAccount, idempotent=False),
        Operation("DELETE", channel, delete_channel, "disconnect a channel account (its deliveries go too)", tag,
                  status=204, errors=(409,)),
        # No Idempotency-Key: it calls out to the channel, which must not happen inside the request's
        # write transaction (it would hold SQLite's write lock for the length of a network call).
        Operation("POST", f"{channel}/test", test_channel, "check the stored connection", tag, reply=c.ChannelTest,
                  idempotent=False),
        Operation("GET", "/api/v1/channel-kinds", channel_kinds,
                  "the kinds of channel this gateway can publish to, with what connecting one needs", tag,
                  reply=list[c.ChannelKindInfo]),
        Operation("GET", f"{channel}/recipients", list_recipients, "a newsletter's recipients", tag,
                  query=ListQuery, reply=c.RecipientPage),
        Operation("POST", f"{channel}/recipients", add_recipients,
                  "add recipients to a newsletter (addresses on the list already are kept)", tag,
                  body=RecipientList, reply=list[c.Recipient]),
        Operation("DELETE", f"{channel}/recipients/{{rid}}", remove_recipient, "remove a newsletter recipient", tag,
                  status=204),
        Operation("GET", "/unsubscribe", unsubscribe, "a newsletter recipient unsubscribes (the email's link)", tag,
                  query=c.UnsubscribeQuery, auth=False, produces=("text/html",)),
        Operation("POST", "/api/v1/content/{id}/deliveries", publish,
                  "queue a content item for channel accounts, at a time or now (422 lists each channel's problems)",
                  "deliveries", body=c.PublishInput, reply=list[c.Delivery], errors=(409,)),
        Operation("POST", "/api/v1/content/{id}/deliveries/retry", retry_failed,
                  "send a content item's failed deliveries again", "deliveries", reply=list[c.Delivery],
                  errors=(409,)),
        Operation("GET", "/api/v1/deliveries", list_deliveries, "deliveries, filtered", "deliveries",
                  query=c.DeliveryQuery, reply=c.DeliveryPage),
        Operation("POST", "/api/v1/deliveries/{id}/retry", retry_delivery,
                  "send a failed or unknown delivery again, with the same key (409 otherwise)", "deliveries",
                  reply=c.Delivery, errors=(409,)),
        Operation("POST", "/api/v1/deliveries/{id}/cancel", cancel_delivery,
                  "cancel a queued delivery (409 otherwise)", "deliveries", reply=c.Delivery, errors=(409,)),
    ]
