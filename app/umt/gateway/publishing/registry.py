"""Kind → Channel class: the one place a channel module is named.

Modules are imported on first use (a gateway that never publishes to WordPress never loads it). A
kind whose module is not in this build yet is refused with a clear "not available yet"."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from umt.contract.publishing import CHANNEL_KINDS
from umt.gateway.errors import ValidationFailed
from umt.gateway.publishing.base import Channel

# kind → its module in umt.gateway.publishing.channels; the module's Channel subclass whose
# `kind` is that kind is the channel (so a module need not be told what to call its class).
MODULES: dict[str, str] = {
    "bluesky": "bluesky",
    "mastodon": "mastodon",
    "email": "email",
    "wordpress": "wordpress",
    "discord": "webhooks",
    "slack": "webhooks",
    "webhook": "webhooks",
}
assert set(MODULES) == set(CHANNEL_KINDS), "every kind of the contract has a module here"
_loaded: dict[str, Channel] = {}


class NotAvailable(ValidationFailed):
    def __init__(self, kind: str) -> None:
        super().__init__("kind", f"publishing to {kind} is not available yet in this version of umt")


def channel_for(kind: str) -> Channel:
    """The channel (one shared instance: channels keep no per-account state) for `kind`."""
    if kind in _loaded:
        return _loaded[kind]
    if kind not in MODULES:
        raise ValidationFailed("kind", f"unknown channel kind {kind!r}; known: {', '.join(CHANNEL_KINDS)}")
    module_name = MODULES[kind]
    try:
        module = importlib.import_module(f"umt.gateway.publishing.channels.{module_name}")
    except ModuleNotFoundError as error:
        if error.name != f"umt.gateway.publishing.channels.{module_name}":
            raise   # the module is there but something it imports is not: a bug, not a missing channel
        raise NotAvailable(kind) from None
    found = [value for value in vars(module).values() if isinstance(value, type) and issubclass(value, Channel)
             and value is not Channel and getattr(value, "kind", None) == kind and not inspect.isabstract(value)]
    if len(found) != 1:
        raise NotAvailable(kind)
    channel = found[0]
    _loaded[kind] = channel()
    return _loaded[kind]


def is_available(kind: str) -> bool:
    try:
        channel_for(kind)
    except ValidationFailed:
        return False
    return True


def kinds() -> list[dict[str, Any]]:
    """What the Channels window's "connect" form needs, for every kind available in this build."""
    out = []
    for kind in CHANNEL_KINDS:
        if not is_available(kind):
            continue
        channel = channel_for(kind)
        out.append({"kind": kind, "label": channel.label, "setting_names": list(channel.setting_names),
                    "credential_names": list(channel.credential_names), "max_media": channel.max_media})
    return out
