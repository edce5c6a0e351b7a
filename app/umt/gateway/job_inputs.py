"""What the agent gets: the agent is stateless, so ids in a job's input are replaced by the
records they name before the job is forwarded. The one place that knows this mapping."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from umt.gateway import tables as t
from umt.gateway.db import iso
from umt.gateway.errors import ValidationFailed
from umt.gateway.schema import MAX_INT

KINDS = ("draft", "score", "experiment", "sample_size", "best_time", "utm", "plan_calendar")


def _ref(job_input: dict[str, Any], key: str, prefix: str) -> int | None:
    if key not in job_input or job_input[key] is None:
        return None
    value = job_input[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INT:
        raise ValidationFailed(f"{prefix}{key}", "must be a positive integer id")
    return value


def _one(connection: Connection, table, item_id: int, key: str, prefix: str):
    row = connection.execute(select(table).where(table.c.id == item_id)).first()
    if row is None:
        raise ValidationFailed(f"{prefix}{key}", f"no {key.removesuffix('_id')} has id {item_id}")
    return row


def enrich(connection: Connection, kind: str, job_input: dict[str, Any], *,
           field_prefix: str = "input.") -> dict[str, Any]:
    """The agent payload for a job; raises ValidationFailed naming the bad field (as
    `field_prefix` + key: a job's input sits under `input`, a scoring request's at the top)."""
    if kind not in KINDS:
        raise ValidationFailed("kind", "must be one of " + ", ".join(KINDS))
    payload = dict(job_input)
    brand_id = _ref(job_input, "brand_id", field_prefix)
    if brand_id is not None:
        brand = _one(connection, t.brands, brand_id, "brand_id", field_prefix)
        payload["brand"] = {"name": brand.name, "voice": brand.voice, "audience": brand.audience,
                            "banned_words": brand.banned_words, "hashtags": brand.hashtags,
                            "sample_posts": brand.sample_posts}
    campaign_id = _ref(job_input, "campaign_id", field_prefix)
    if campaign_id is not None:
        campaign = _one(connection, t.campaigns, campaign_id, "campaign_id", field_prefix)
        payload["campaign"] = {
            "name": campaign.name, "goal": campaign.goal, "channels": campaign.channels,
            "start": campaign.start.isoformat() if campaign.start else None,
            "end": campaign.end.isoformat() if campaign.end else None,
            "budget": float(campaign.budget) if campaign.budget is not None else None,
        }
    content_id = _ref(job_input, "content_id", field_prefix)
    if content_id is not None:
        item = _one(connection, t.content_items, content_id, "content_id", field_prefix)
        payload.setdefault("text", item.body or item.title)
        payload.setdefault("channel", item.channel)
        payload.setdefault("title", item.title)
    experiment_id = _ref(job_input, "experiment_id", field_prefix)
    if experiment_id is not None:
        experiment = _one(connection, t.experiments, experiment_id, "experiment_id", field_prefix)
        payload["variants"] = [{"name": v["name"], "exposures": v["exposures"], "conversions": v["conversions"]}
                               for v in experiment.variants]
    if kind == "best_time" and "metrics" not in job_input:
        payload["metrics"] = _timing_rows(connection, job_input, brand_id, campaign_id)
    return payload


def _timing_rows(connection: Connection, job_input: dict[str, Any], brand_id: int | None,
                 campaign_id: int | None) -> list[dict[str, Any]]:
    """One row per content item that went out (or is due to): when, and what it earned in total."""
    items, metrics = t.content_items, t.metrics
    when = func.coalesce(items.c.published_at, items.c.scheduled_at)
    query = (select(when.label("at"), func.sum(metrics.c.impressions).label("impressions"),
                    func.sum(metrics.c.engagements).label("engagements"))
             .join(metrics, metrics.c.content_id == items.c.id)
             .where(when.is_not(None))
             .group_by(items.c.id, items.c.published_at, items.c.scheduled_at)
             .order_by(items.c.id))
    if brand_id is not None:
        query = query.where(items.c.brand_id == brand_id)
    if campaign_id is not None:
        query = query.where(items.c.campaign_id == campaign_id)
    channel = job_input.get("channel")
    if isinstance(channel, str):
        query = query.where(items.c.channel == channel)
    return [{"at": iso(_as_datetime(r.at)), "impressions": int(r.impressions or 0),
             "engagements": int(r.engagements or 0)} for r in connection.execute(query)]


def _as_datetime(value):
    """COALESCE hides the column type from SQLite, which then returns the stored text."""
    if isinstance(value, str):
        from datetime import datetime

        return datetime.fromisoformat(value)
    return value
