"""Sample data: a small bakery's brand, campaigns, posts in every state, metrics and an experiment,
so that a new owner sees a full workspace ("Try with sample data" in the app, `umt demo`).

Everything goes through the gateway's API with the owner's signed-in client, so the sample is
stored, validated and versioned like the owner's own work, and can be deleted like it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable

Progress = Callable[[float, str], None]

BRAND = {
    "name": "Crumb & Co Bakery",
    "voice": "Warm, plain-spoken and a little playful; we talk like the baker behind the counter.",
    "audience": "Neighbours and office workers within 5 km who care about real bread and a good coffee.",
    "banned_words": ["cheap", "guaranteed", "best in the world"],
    "hashtags": ["#crumbandco", "#sourdough", "#localbakery"],
    "sample_posts": [
        "Our rye starter turned 9 today. It still gets fed before we do. Loaves out at 7.",
        "Saturday sourdough class: 6 seats, flour on everything, bread to take home. Book at the counter.",
    ],
}

CAMPAIGNS = [
    # name, goal, channels, start offset (days from today), length in days, budget
    ("Spring sourdough launch", "200 loaves of the new spelt sourdough pre-ordered in four weeks",
     ["instagram", "linkedin", "email_body"], -14, 28, 450.0),
    ("Holiday pre-orders", "Fill every stollen and panettone slot before 20 December",
     ["instagram", "facebook", "email_body"], 10, 30, 600.0),
    ("Iced coffee summer", "Lift afternoon café visits by a fifth", ["instagram", "x"], -120, 45, 300.0),
]

POSTS = [
    # campaign index, channel, title, body, status
    (0, "instagram", "Spelt sourdough is here",
     "Meet our spelt sourdough: nutty, open crumb, baked at 6 every morning. Pre-order yours at "
     "https://crumbandco.example/spelt #sourdough #crumbandco", "published"),
    (0, "linkedin", "Why we went back to spelt",
     "Three years ago we stopped baking with spelt because the flour was inconsistent. This spring a "
     "mill 40 km from us started stone-grinding it, and the difference is in every loaf. Here is what "
     "changed in our bakehouse, and what it means for the bread on your table.", "published"),
    (0, "email_body", "Pre-order the spelt loaf",
     "Hello neighbour,\n\nThe spelt sourdough is back from Monday. Pre-order by Friday and we will "
     "keep one aside for you until noon.\n\nSee you at the counter,\nMara", "scheduled"),
    (0, "instagram", "Behind the bench: shaping spelt", "Spelt dough is soft and sticky. Here is how "
     "Tom shapes 120 loaves before sunrise. #localbakery", "approved"),
    (0, "x", "Spelt pre-orders open", "Spelt sourdough pre-orders are open: https://crumbandco.example/spelt",
     "in_review"),
    (0, "instagram", "Spelt and butter", "The simplest lunch we know: warm spelt, cold butter, sea salt.",
     "draft"),
    (1, "instagram", "Stollen season", "Our stollen rests three weeks before it reaches you. Pre-order "
     "slots open on Monday. #crumbandco", "draft"),
    (1, "email_body", "Holiday pre-orders are open",
     "Hello neighbour,\n\nStollen, panettone and the rye Christmas loaf are on the list. Choose a pick-up "
     "day and we bake for you.\n\nMara", "in_review"),
    (1, "facebook", "Panettone by the slice", "Not ready for a whole panettone? From December we sell it "
     "by the slice with a coffee.", "draft"),
    (2, "instagram", "Cold brew is back", "Cold brew, 18 hours steeped, poured over our own coffee ice. "
     "#crumbandco", "published"),
    (2, "x", "Iced latte and a cardamom bun", "Iced latte and a cardamom bun: the 3 pm fix.", "published"),
    (2, "instagram", "Last week of iced coffee", "Last week of the summer menu. Thank you for a sunny "
     "season!", "archived"),
]

EXPERIMENT = {
    "name": "Pre-order button wording",
    "hypothesis": "'Keep a loaf for me' converts better than 'Pre-order now' for neighbours.",
    "variants": [{"name": "Pre-order now", "exposures": 1840, "conversions": 92},
                 {"name": "Keep a loaf for me", "exposures": 1795, "conversions": 121}],
}


@dataclass(frozen=True)
class SampleSummary:
    brands: int
    campaigns: int
    posts: int
    metric_rows: int
    experiments: int

    def sentence(self) -> str:
        return (f"Added {self.brands} brand, {self.campaigns} campaigns, {self.posts} posts, "
                f"{self.metric_rows} days of metrics and {self.experiments} experiment.")


class WorkspaceNotEmpty(Exception):
    """Sample data goes into an empty workspace only, so it never mixes with the owner's work."""


def _id(record: Any) -> int:
    return record["id"] if isinstance(record, dict) else record.id


def workspace_is_empty(client) -> bool:
    return client.brands.list(limit=1).total == 0 and client.content.list(limit=1).total == 0


def fill_sample_data(client, progress: Progress = lambda fraction, step: None, *, today: date | None = None,
                     seed: int = 7) -> SampleSummary:
    """Creates the sample workspace through `client` (a signed-in GatewayClient)."""
    if not workspace_is_empty(client):
        raise WorkspaceNotEmpty("The workspace already has brands or posts; sample data goes into an empty one only.")
    today = today or date.today()
    rng = random.Random(seed)
    progress(0.0, "Creating the brand")
    brand = client.brands.create(**BRAND)
    campaigns = []
    for index, (name, goal, channels, start, days, budget) in enumerate(CAMPAIGNS):
        progress(0.05 + 0.1 * index / len(CAMPAIGNS), f"Creating the campaign {name}")
        first = today + timedelta(days=start)
        campaigns.append(client.campaigns.create(name=name, goal=goal, channels=channels, brand_id=_id(brand),
                                                 start=first.isoformat(), end=(first + timedelta(days=days)).isoformat(),
                                                 budget=budget))
    published = []
    for index, (campaign, channel, title, body, status) in enumerate(POSTS):
        progress(0.15 + 0.6 * index / len(POSTS), f"Writing “{title}”")
        item = client.content.create(channel=channel, title=title, body=body, brand_id=_id(brand),
                                     campaign_id=_id(campaigns[campaign]))
        _move_to(client, _id(item), status, today, index)
        if status in ("published", "archived"):
            published.append(_id(item))
    progress(0.8, "Importing metrics")
    rows = _metric_rows(published, today, rng)
    client.metrics.import_csv(_csv(rows))
    progress(0.95, "Setting up an experiment")
    client.experiments.create(campaign_id=_id(campaigns[0]), **EXPERIMENT)
    progress(1.0, "Sample data ready")
    return SampleSummary(brands=1, campaigns=len(campaigns), posts=len(POSTS), metric_rows=len(rows), experiments=1)


_PATH = ["in_review", "approved", "scheduled", "published", "archived"]


def _move_to(client, item_id: int, status: str, today: date, index: int) -> None:
    """Walks the workflow from draft to `status`, the legal way."""
    if status == "draft":
        return
    for step in _PATH[:_PATH.index(status) + 1]:
        when = None
        if step == "scheduled":
            day = today + timedelta(days=1 + index % 9) if status == "scheduled" else today - timedelta(days=1)
            when = datetime.combine(day, time(8 + index % 10, 0), tzinfo=timezone.utc).isoformat()
        client.content.transition(item_id, step, scheduled_at=when)


def _metric_rows(content_ids: list[int], today: date, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for rank, content_id in enumerate(content_ids):
        reach = 900 + 400 * rank
        for back in range(60, 0, -1):
            day = today - timedelta(days=back)
            weekend = 1.25 if day.weekday() >= 5 else 1.0
            impressions = int(reach * weekend * rng.uniform(0.6, 1.3) * (0.97 ** (60 - back) + 0.3))
            engagements = int(impressions * rng.uniform(0.02, 0.07))
            clicks = int(engagements * rng.uniform(0.2, 0.5))
            rows.append({"content_id": content_id, "day": day.isoformat(), "impressions": impressions,
                         "clicks": clicks, "engagements": engagements,
                         "conversions": int(clicks * rng.uniform(0.03, 0.12)), "spend": round(rng.uniform(0, 12), 2)})
    return rows


def _csv(rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0])
    lines = [",".join(columns)] + [",".join(str(row[c]) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"
