"""The marketing resources: which contract records each accepts and returns, how it is filtered,
which rules it keeps."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from umt import contract as c
from umt.gateway import tables as t
from umt.gateway.crud import Resource
from umt.gateway.db import as_utc
from umt.gateway.errors import Conflict, ValidationFailed

STATUSES = c.STATUSES


def _contains(column: str):
    return lambda table, value: table.c[column].icontains(value, autoescape=True)


def _equals(column: str):
    return lambda table, value: table.c[column] == value


def _at_least(column: str):
    return lambda table, value: table.c[column] >= value


def _at_most(column: str):
    return lambda table, value: table.c[column] <= value


# --- brands --------------------------------------------------------------------------------

brands = Resource(
    name="brands", singular="brand", table=t.brands, input=c.BrandInput, patch=c.BrandPatch, reply=c.Brand,
    query=c.BrandQuery, filters={"q": _contains("name")}, order_by="name",
)


# --- campaigns -----------------------------------------------------------------------------

def _check_campaign(_: Connection, values: dict[str, Any], __) -> None:
    if values.get("start") and values.get("end") and values["end"] < values["start"]:
        raise ValidationFailed("end", "must not be before start")


campaigns = Resource(
    name="campaigns", singular="campaign", table=t.campaigns, input=c.CampaignInput, patch=c.CampaignPatch,
    reply=c.Campaign, query=c.CampaignQuery, filters={"q": _contains("name"), "brand_id": _equals("brand_id")},
    references={"brand_id": t.brands}, check=_check_campaign,
)


# --- content items -------------------------------------------------------------------------

def _record_version(connection: Connection, item_id: int, changes: dict[str, Any], old) -> None:
    """A new version whenever the text changes (and version 1 on create)."""
    if old is not None and not ({"title", "body"} & changes.keys()):
        return
    if old is not None and changes.get("title", old.title) == old.title and changes.get("body", old.body) == old.body:
        return
    version = 1 if old is None else old.version + 1
    title = changes.get("title", old.title if old is not None else "")
    body = changes.get("body", old.body if old is not None else "")
    if old is not None:
        connection.execute(t.content_items.update().where(t.content_items.c.id == item_id).values(version=version))
    connection.execute(insert(t.content_versions).values(
        content_id=item_id, version=version, title=title, body=body, created_at=t.utcnow()))


# A post that went out (or was archived) keeps the time it went out: moving it would rewrite history.
FIXED_TIME_STATUSES = frozenset({"published", "archived"})


def _check_content(_: Connection, values: dict[str, Any], old) -> None:
    if old is None or old.status not in FIXED_TIME_STATUSES:
        return
    if as_utc(values.get("scheduled_at")) != as_utc(old.scheduled_at):
        raise Conflict("not_reschedulable",
                       f"a {old.status} item cannot be rescheduled: its time is part of the record", "scheduled_at")


content = Resource(
    name="content", singular="content item", table=t.content_items, input=c.ContentInput, patch=c.ContentPatch,
    reply=c.ContentItem, query=c.ContentQuery,
    filters={
        "q": _contains("title"),
        "status": _equals("status"),
        "channel": _equals("channel"),
        "brand_id": _equals("brand_id"),
        "campaign_id": _equals("campaign_id"),
        "scheduled_from": _at_least("scheduled_at"),
        "scheduled_to": _at_most("scheduled_at"),
    },
    references={"brand_id": t.brands, "campaign_id": t.campaigns},
    defaults=lambda: {"status": "draft", "scores": {}, "version": 1},
    after_write=_record_version, check=_check_content,
)


# --- experiments ---------------------------------------------------------------------------

def _check_experiment(connection: Connection, values: dict[str, Any], __) -> None:
    names = [v["name"] for v in values.get("variants", [])]
    if len(set(names)) != len(names):
        raise ValidationFailed("variants", "variant names must be unique")
    for index, variant in enumerate(values.get("variants", [])):
        if variant["conversions"] > variant["exposures"]:
            raise ValidationFailed(f"variants[{index}].conversions", "must not exceed exposures")
        content_id = variant.get("content_id")
        if content_id is not None and connection.execute(
                select(t.content_items.c.id).where(t.content_items.c.id == content_id)).first() is None:
            raise ValidationFailed(f"variants[{index}].content_id", f"names no content item ({content_id})")


experiments = Resource(
    name="experiments", singular="experiment", table=t.experiments, input=c.ExperimentInput,
    patch=c.ExperimentPatch, reply=c.Experiment, query=c.ExperimentQuery,
    filters={"campaign_id": _equals("campaign_id"), "content_id": _equals("content_id")},
    references={"campaign_id": t.campaigns, "content_id": t.content_items}, check=_check_experiment,
)


# --- metrics -------------------------------------------------------------------------------

metrics = Resource(
    name="metrics", singular="metric row", table=t.metrics, input=c.MetricInput, patch=c.MetricPatch,
    reply=c.Metric, query=c.MetricQuery,
    filters={"content_id": _equals("content_id"), "day_from": _at_least("day"), "day_to": _at_most("day")},
    references={"content_id": t.content_items}, order_by="day", timestamps=False,
)

ALL = [brands, campaigns, content, experiments, metrics]
