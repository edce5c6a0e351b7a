"""The marketing resources: what each accepts, how it is filtered, which rules it keeps."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from umt.gateway import tables as t
from umt.gateway.crud import Resource
from umt.gateway.errors import ValidationFailed
from umt.gateway.schema import AnyObject, Date, DateTime, Enum, Field, Int, List, Money, Schema, Str, obj



def _channel(**kw) -> Str:
    return Str(min_length=1, max_length=40, pattern=r"[a-z0-9][a-z0-9_.-]*",
               description="a channel name such as linkedin, instagram, x, email, blog", **kw)


CHANNEL = _channel()
STATUSES = ("draft", "in_review", "approved", "scheduled", "published", "archived")
ID = Int(minimum=1)


def _id_ref(description: str) -> Int:
    return Int(minimum=1, nullable=True, default=None, description=description)


def _contains(column: str):
    return lambda table, value: table.c[column].icontains(value, autoescape=True)


def _equals(column: str):
    return lambda table, value: table.c[column] == value


def _at_least(column: str):
    return lambda table, value: table.c[column] >= value


def _at_most(column: str):
    return lambda table, value: table.c[column] <= value


SEARCH = Str(min_length=1, max_length=100, description="text the name or title contains")


def _reply(name: str, input_schema: Schema, **extra: Field) -> Schema:
    return Schema(name=name, fields={"id": ID, **input_schema.fields, **extra,
                                     "created_at": DateTime(), "updated_at": DateTime()})


# --- brands --------------------------------------------------------------------------------

brand_input = obj(
    "BrandInput",
    name=Str(min_length=1, max_length=200, required=True),
    voice=Str(max_length=4000, default="", description="voice and tone"),
    audience=Str(max_length=4000, default=""),
    banned_words=List(Str(min_length=1, max_length=100), max_items=200, unique=True, default=list),
    hashtags=List(Str(min_length=1, max_length=100, pattern=r"#?[^\s#]+"), max_items=100, unique=True,
                  default=list),
    sample_posts=List(Str(min_length=1, max_length=5000), max_items=50, default=list),
)
brands = Resource(
    name="brands", singular="brand", table=t.brands, input=brand_input, reply=_reply("Brand", brand_input),
    filters={"q": (SEARCH, _contains("name"))}, order_by="name",
)


# --- campaigns -----------------------------------------------------------------------------

def _check_campaign(_: Connection, values: dict[str, Any], __) -> None:
    if values.get("start") and values.get("end") and values["end"] < values["start"]:
        raise ValidationFailed("end", "must not be before start")


campaign_input = obj(
    "CampaignInput",
    name=Str(min_length=1, max_length=200, required=True),
    brand_id=_id_ref("the brand this campaign is for"),
    goal=Str(max_length=4000, default=""),
    channels=List(CHANNEL, max_items=20, unique=True, default=list),
    start=Date(nullable=True, default=None),
    end=Date(nullable=True, default=None),
    budget=Money(nullable=True, default=None),
)
campaigns = Resource(
    name="campaigns", singular="campaign", table=t.campaigns, input=campaign_input,
    reply=_reply("Campaign", campaign_input),
    filters={"q": (SEARCH, _contains("name")), "brand_id": (ID, _equals("brand_id"))},
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


content_input = obj(
    "ContentInput",
    channel=_channel(required=True),
    title=Str(min_length=1, max_length=300, required=True),
    body=Str(max_length=20000, default=""),
    brand_id=_id_ref("the brand whose voice this is written in"),
    campaign_id=_id_ref("the campaign this belongs to"),
    scheduled_at=DateTime(nullable=True, default=None, description="when to publish (UTC)"),
)
content = Resource(
    name="content", singular="content item", table=t.content_items, input=content_input,
    reply=_reply("Content", content_input, status=Enum(*STATUSES), published_at=DateTime(nullable=True),
                 scores=AnyObject(), version=Int(minimum=1)),
    filters={
        "q": (SEARCH, _contains("title")),
        "status": (Enum(*STATUSES), _equals("status")),
        "channel": (CHANNEL, _equals("channel")),
        "brand_id": (ID, _equals("brand_id")),
        "campaign_id": (ID, _equals("campaign_id")),
        "scheduled_from": (DateTime(), _at_least("scheduled_at")),
        "scheduled_to": (DateTime(), _at_most("scheduled_at")),
    },
    references={"brand_id": t.brands, "campaign_id": t.campaigns},
    defaults=lambda: {"status": "draft", "scores": {}, "version": 1},
    after_write=_record_version,
)


# --- experiments ---------------------------------------------------------------------------

def _check_experiment(_: Connection, values: dict[str, Any], __) -> None:
    names = [v["name"] for v in values.get("variants", [])]
    if len(set(names)) != len(names):
        raise ValidationFailed("variants", "variant names must be unique")
    for index, variant in enumerate(values.get("variants", [])):
        if variant["conversions"] > variant["exposures"]:
            raise ValidationFailed(f"variants[{index}].conversions", "must not exceed exposures")


variant = obj(
    "Variant",
    name=Str(min_length=1, max_length=100, required=True),
    exposures=Int(minimum=0, maximum=10**12, default=0),
    conversions=Int(minimum=0, maximum=10**12, default=0),
)
experiment_input = obj(
    "ExperimentInput",
    name=Str(min_length=1, max_length=200, required=True),
    hypothesis=Str(max_length=4000, default=""),
    campaign_id=_id_ref("the campaign under test"),
    content_id=_id_ref("the content item under test"),
    variants=List(variant, max_items=20, default=list),
)
experiments = Resource(
    name="experiments", singular="experiment", table=t.experiments, input=experiment_input,
    reply=_reply("Experiment", experiment_input),
    filters={"campaign_id": (ID, _equals("campaign_id")), "content_id": (ID, _equals("content_id"))},
    references={"campaign_id": t.campaigns, "content_id": t.content_items}, check=_check_experiment,
)


# --- metrics -------------------------------------------------------------------------------

COUNT = Int(minimum=0, default=0)
metric_input = obj(
    "MetricInput",
    content_id=Int(minimum=1, required=True),
    day=Date(required=True),
    impressions=COUNT, clicks=COUNT, engagements=COUNT, conversions=COUNT,
    spend=Money(default=0),
)
metrics = Resource(
    name="metrics", singular="metric row", table=t.metrics, input=metric_input,
    reply=Schema(name="Metric", fields={"id": ID, **metric_input.fields}),
    filters={"content_id": (ID, _equals("content_id")), "day_from": (Date(), _at_least("day")),
             "day_to": (Date(), _at_most("day"))},
    references={"content_id": t.content_items}, order_by="day", timestamps=False,
)

ALL = [brands, campaigns, content, experiments, metrics]
