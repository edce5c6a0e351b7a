"""What the outbox tests share: an approved post to publish, and waiting for a delivery to settle."""

from __future__ import annotations

from tests.runtime.helpers import wait_for

SETTLED = ("sent", "failed", "unknown")


def approved_item(owner, channel: str, title: str = "Rye is back", body: str = "Fresh rye bread every Tuesday."):
    item = owner.content.create(channel=channel, title=title, body=body)
    owner.content.transition(item.id, "in_review")
    return owner.content.transition(item.id, "approved")


def settled(owner, delivery_id: int, *statuses: str, timeout_s: float = 30):
    """The delivery once its status is one of `statuses` (any settled one when none are named)."""
    wanted = statuses or SETTLED

    def check():
        [found] = [d for d in owner.list_deliveries(limit=500).items if d.id == delivery_id]
        return found if found.status in wanted else None
    return wait_for(check, timeout_s=timeout_s, what=f"delivery {delivery_id} to become {' or '.join(wanted)}")
