"""The desktop's copy of the gateway's workflow (kept until the gateway publishes it) stays equal."""

from __future__ import annotations

from umt.desktop.models.content_records import MOVE_LABELS, STATUSES, TRANSITIONS
from umt.gateway.content import TRANSITIONS as GATEWAY_TRANSITIONS
from umt.gateway.resources import STATUSES as GATEWAY_STATUSES


def test_the_workflow_is_the_gateways():
    assert STATUSES == GATEWAY_STATUSES
    assert {status: set(moves) for status, moves in TRANSITIONS.items()} == \
        {status: set(moves) for status, moves in GATEWAY_TRANSITIONS.items()}
    assert set(MOVE_LABELS) == set(STATUSES)
