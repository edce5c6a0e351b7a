"""The schema version this umt's gateway migrates a database to: a backup from a newer one is
refused, and a database below it is backed up before the gateway migrates it.

The one import of the gateway's code on the host side (the migrations' step count): the desktop's
contract ignores this edge in pyproject.toml, nothing else of the gateway is reached."""

from __future__ import annotations


def latest_schema_version() -> int:
    from umt.gateway.migrations import LATEST

    return LATEST
