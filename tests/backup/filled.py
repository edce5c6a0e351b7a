"""A gateway database filled the way the gateway fills it (its migrations, its tables): brands,
posts and their daily metrics, for the backup tests and bench/bench_backup.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from umt.gateway import migrations, tables
from umt.gateway.db import make_engine


def make_database(path: Path, posts: int = 20, metrics_per_post: int = 5) -> dict[str, int]:
    """Creates (or fills further) the gateway's database at `path`; returns rows per table it added."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrations.upgrade(engine)
        now = datetime.now(timezone.utc)
        stamps = {"created_at": now, "updated_at": now}
        with engine.begin() as connection:
            brand_id = connection.execute(tables.brands.insert().values(
                name="Bakery", voice="warm", audience="neighbours", banned_words=["cheap"], hashtags=["#bread"],
                sample_posts=[], keyphrases=[], **stamps)).inserted_primary_key[0]
            connection.execute(tables.content_items.insert(), [
                {"brand_id": brand_id, "channel": "x", "title": f"Post {i}", "body": f"Fresh loaves, day {i}",
                 "status": "draft", "scores": {}, "version": 1, **stamps} for i in range(posts)])
            ids = [row[0] for row in connection.execute(
                tables.content_items.select().with_only_columns(tables.content_items.c.id)
                .where(tables.content_items.c.brand_id == brand_id))]
            start = date(2026, 1, 1)
            batch = []
            for content_id in ids:
                for day in range(metrics_per_post):
                    batch.append({"content_id": content_id, "day": start + timedelta(days=day), "impressions": 100 + day,
                                  "clicks": day, "engagements": 2 * day, "conversions": day % 3, "spend": 1})
                if len(batch) >= 20000:
                    connection.execute(tables.metrics.insert(), batch)
                    batch = []
            if batch:
                connection.execute(tables.metrics.insert(), batch)
    finally:
        engine.dispose()
    return {"brands": 1, "content_items": posts, "metrics": posts * metrics_per_post}
