"""What the agent gets: the agent is stateless, so ids in a job's input are replaced by the
records they name before the job is forwarded. The one place that knows this mapping.

A job's input is its kind's record in umt.contract (checked when it is submitted); what is sent
to the agent is the same record with the named records filled in, so it holds contract fields
only, and it is checked again here, so a bad fill (an experiment with one variant) is refused at
submission, not failed later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from umt.contract import ContractError, convert
from umt.contract import tasks as contract
from umt.gateway import tables as t
from umt.gateway.db import iso
from umt.gateway.errors import ValidationFailed



def _one(connection: Connection, table, item_id: int, key: str, prefix: str):
    row = connection.execute(select(table).where(table.c.id == item_id)).first()
    if row is None:
        raise ValidationFailed(_at(prefix, key), f"no {key.removesuffix('_id')} has id {item_id}")
    return row


def _at(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def read(kind: str, stored: dict[str, Any], prefix: str = "input") -> Any:
    """A stored job input (plain JSON data) as its kind's record."""
    try:
        return convert(stored, contract.TASK_KINDS[kind].input, prefix=prefix)
    except ContractError as error:
        raise ValidationFailed(error.field, error.message) from None


def stored(job_input: Any) -> dict[str, Any]:
    """What the jobs table keeps: the input as sent (fields left at their defaults left out)."""
    return msgspec.to_builtins(job_input)


def enrich(connection: Connection, kind: str, job_input: Any, *, prefix: str = "input") -> Any:
    """The agent's input for a job (the kind's record, ids filled in); raises ValidationFailed naming
    the field (under `prefix`: a job's input sits under `input`, a scoring request's at the top)."""
    fill: dict[str, Any] = {}
    brand_id = getattr(job_input, "brand_id", None)
    campaign_id = getattr(job_input, "campaign_id", None)
    content_id = getattr(job_input, "content_id", None)
    brand = _one(connection, t.brands, brand_id, "brand_id", prefix) if brand_id is not None else None
    campaign = _one(connection, t.campaigns, campaign_id, "campaign_id", prefix) if campaign_id is not None else None
    item = _one(connection, t.content_items, content_id, "content_id", prefix) if content_id is not None else None

    if kind == "draft":
        if brand is not None:
            fill["brand"] = {"name": brand.name, "voice": brand.voice, "audience": brand.audience,
                             "banned_words": brand.banned_words, "hashtags": brand.hashtags,
                             "sample_posts": brand.sample_posts}
        if campaign is not None:
            fill["campaign"] = {
                "name": campaign.name, "goal": campaign.goal, "channels": campaign.channels,
                "start": campaign.start.isoformat() if campaign.start else None,
                "end": campaign.end.isoformat() if campaign.end else None,
                "budget": float(campaign.budget) if campaign.budget is not None else None,
            }
        if item is not None and job_input.channel is None:
            fill["channel"] = item.channel
    elif kind == "score":
        if brand is not None:
            fill["brand"] = {"banned_words": brand.banned_words, "hashtags": brand.hashtags}
        if item is not None:
            if job_input.text is None:
                fill["text"] = item.body or item.title
            if job_input.channel is None:
                fill["channel"] = item.channel
    elif kind == "experiment" and job_input.experiment_id is not None:
        experiment = _one(connection, t.experiments, job_input.experiment_id, "experiment_id", prefix)
        fill["variants"] = [{"name": v["name"], "exposures": v["exposures"], "conversions": v["conversions"]}
                            for v in experiment.variants]
    elif kind == "best_time" and job_input.metrics is None:
        fill["metrics"] = _timing_rows(connection, job_input, brand_id, campaign_id)
    if not fill:
        return job_input
    return read(kind, {**stored(job_input), **fill}, prefix)


def _timing_rows(connection: Connection, job_input: Any, brand_id: int | None,
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
    if job_input.channel is not None:
        query = query.where(items.c.channel == job_input.channel)
    return [{"at": iso(_as_datetime(r.at)), "impressions": int(r.impressions or 0),
             "engagements": int(r.engagements or 0)} for r in connection.execute(query)]


def _as_datetime(value):
    """COALESCE hides the column type from SQLite, which then returns the stored text."""
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value
