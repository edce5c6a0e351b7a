"""The workflow's words: every status the contract knows has a label and a button that moves an item there."""

from __future__ import annotations

from umt.contract.resources import STATUSES, TRANSITIONS
from umt.desktop.models.content_records import MOVE_LABELS, STATUS_LABELS, ContentItem


def test_every_status_has_its_words():
    assert set(MOVE_LABELS) == set(STATUSES) == set(STATUS_LABELS)


def test_an_item_offers_the_contracts_moves_forward_first():
    item = ContentItem(id=1, title="t", body="b", channel="x", status="in_review")
    assert item.next_statuses == TRANSITIONS["in_review"] == ("approved", "draft", "archived")
