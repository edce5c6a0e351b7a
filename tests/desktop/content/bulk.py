"""Many content items through the real API, quickly: parallel clients, one POST per item (the
gateway has no bulk import for content; the metrics CSV import is for metrics only)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from umt.client import GatewayClient

CHANNELS = ("linkedin", "x", "instagram", "email_body", "facebook")
STATUSES = ("draft", "in_review")
WORDS = ("autumn", "blend", "launch", "webinar", "offer", "recipe", "story", "behind", "scenes", "team")


def create_items(url: str, token: str, count: int, brand_id: int | None = None, campaign_id: int | None = None,
                 workers: int = 8, prefix: str = "Post") -> int:
    """Creates `count` items (titles "<prefix> 00001 ..."); returns how many were created."""

    def batch(numbers: range) -> int:
        with GatewayClient(url, token) as client:
            for number in numbers:
                words = " ".join(WORDS[(number + k) % len(WORDS)] for k in range(3))
                client.content.create(channel=CHANNELS[number % len(CHANNELS)], title=f"{prefix} {number:05d} {words}",
                                      body=f"Post number {number} about the {words}. Visit us this week.",
                                      brand_id=brand_id, campaign_id=campaign_id)
        return len(numbers)

    share = -(-count // workers)
    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(batch, [range(start, min(count, start + share)) for start in range(0, count, share)]))
