"""The marketing resources: what each accepts (…Input; …Patch for a partial change), what the
API sends back, and the query each list takes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

import msgspec
from msgspec import UNSET, Meta, UnsetType

from umt.contract.base import BigCount, Channel, Count, Id, Input, Money, Page, Record, listed, patch_of, text, unique

T = TypeVar("T")
STATUSES = ("draft", "in_review", "approved", "scheduled", "published", "archived")
# draft → in review → approved → scheduled → published → archived, with the ways back a team needs: the
# gateway allows these moves and no other, the desktop offers them (in this order: forward first).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("in_review", "archived"),
    "in_review": ("approved", "draft", "archived"),
    "approved": ("scheduled", "draft", "archived"),
    "scheduled": ("published", "approved", "archived"),
    "published": ("archived",),
    "archived": ("draft",),
}
ContentStatus = Literal["draft", "in_review", "approved", "scheduled", "published", "archived"]
Hashtag = text(100, 1, pattern=r"^#?[^\s#]+$")
Search = text(100, 1, description="text the name or title contains")


def _money(value: Any) -> Any:
    return round(value, 2) if isinstance(value, (int, float)) else value


# --- brands --------------------------------------------------------------------------------

class BrandInput(Input):
    name: text(200, 1)
    voice: text(4000, description="voice and tone") = ""
    audience: text(4000) = ""
    banned_words: listed(text(100, 1), 200) = msgspec.field(default_factory=list)
    hashtags: listed(Hashtag, 100) = msgspec.field(default_factory=list)
    sample_posts: listed(text(5000, 1), 50) = msgspec.field(default_factory=list)
    # Search terms the posts should use: scoring and drafting take one when a request names none.
    keyphrases: listed(text(100, 1), 50) = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("banned_words", "hashtags", "keyphrases"):
            if isinstance(getattr(self, name), list):
                unique(name, getattr(self, name))


class Brand(Record):
    id: int
    name: str
    voice: str
    audience: str
    banned_words: list[str]
    hashtags: list[str]
    sample_posts: list[str]
    keyphrases: list[str]
    created_at: datetime
    updated_at: datetime


# --- campaigns -----------------------------------------------------------------------------

class CampaignInput(Input):
    name: text(200, 1)
    brand_id: Id | None = msgspec.field(default=None)
    goal: text(4000) = ""
    channels: listed(Channel, 20) = msgspec.field(default_factory=list)
    start: date | None = None
    end: date | None = None
    budget: Money | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.channels, list):
            unique("channels", self.channels)
        self.budget = _money(self.budget)


class Campaign(Record):
    id: int
    name: str
    brand_id: int | None
    goal: str
    channels: list[str]
    start: date | None
    end: date | None
    budget: float | None
    created_at: datetime
    updated_at: datetime


# --- content items -------------------------------------------------------------------------

class ContentInput(Input):
    channel: Channel
    title: text(300, 1)
    body: text(20000) = ""
    brand_id: Id | None = None
    campaign_id: Id | None = None
    scheduled_at: datetime | None = None


class ContentItem(Record):
    id: int
    channel: str
    title: str
    body: str
    brand_id: int | None
    campaign_id: int | None
    scheduled_at: datetime | None
    status: ContentStatus
    published_at: datetime | None
    scores: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class TransitionInput(Input):
    status: ContentStatus
    scheduled_at: datetime | UnsetType = UNSET


class ContentVersion(Record):
    id: int
    content_id: int
    version: int
    title: str
    body: str
    created_at: datetime


class ContentVersions(Record):
    items: list[ContentVersion]


# --- experiments ---------------------------------------------------------------------------

class Variant(Input):
    name: text(100, 1)
    exposures: BigCount = 0
    conversions: BigCount = 0
    content_id: Id | None = None    # the content item this variant shows (declaring a winner moves it)


class ExperimentInput(Input):
    name: text(200, 1)
    hypothesis: text(4000) = ""
    campaign_id: Id | None = None
    content_id: Id | None = None
    variants: listed(Variant, 20) = msgspec.field(default_factory=list)


class Experiment(Record):
    id: int
    name: str
    hypothesis: str
    campaign_id: int | None
    content_id: int | None
    variants: list[Variant]
    created_at: datetime
    updated_at: datetime


# --- metrics -------------------------------------------------------------------------------

class MetricInput(Input):
    content_id: Id
    day: date
    impressions: Count = 0
    clicks: Count = 0
    engagements: Count = 0
    conversions: Count = 0
    spend: Money = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        self.spend = _money(self.spend)


class Metric(Record):
    id: int
    content_id: int
    day: date
    impressions: int
    clicks: int
    engagements: int
    conversions: int
    spend: float


class Export(Record, Generic[T]):
    """Every item of a resource, as the JSON export sends them."""

    items: list[T]


class About(Record):
    """What the gateway at an address is (GET /)."""

    name: str
    version: str
    api: str
    openapi: str


class ImportResult(Record):
    inserted: int
    updated: int


class ArchiveImport(Record):
    """What an archive import restored: rows per file of the archive (brands, campaigns, content, …)."""

    imported: dict[str, int]


BrandPage = Page[Brand]
CampaignPage = Page[Campaign]
ContentPage = Page[ContentItem]
ExperimentPage = Page[Experiment]
MetricPage = Page[Metric]


# --- list queries (query-string parameters; the values arrive as text) ----------------------

class ListQuery(Input):
    limit: Annotated[int, Meta(ge=1, le=500, description="items per page")] = 50
    offset: Annotated[int, Meta(ge=0, le=10**9, description="items to skip")] = 0


class BrandQuery(ListQuery):
    q: Search | None = None


class CampaignQuery(ListQuery):
    q: Search | None = None
    brand_id: Id | None = None


class ContentQuery(ListQuery):
    q: Search | None = None
    status: ContentStatus | None = None
    channel: Channel | None = None
    brand_id: Id | None = None
    campaign_id: Id | None = None
    scheduled_from: datetime | None = None
    scheduled_to: datetime | None = None


class ExperimentQuery(ListQuery):
    campaign_id: Id | None = None
    content_id: Id | None = None


class MetricQuery(ListQuery):
    content_id: Id | None = None
    day_from: date | None = None
    day_to: date | None = None


class ExportQuery(Input):
    format: Literal["csv", "json"] = "json"


class CalendarQuery(Input):
    start: datetime | None = None
    end: datetime | None = None


class CalendarFeedQuery(Input):
    key: text(200, 1, description="the feed's secret, from GET /api/v1/exports/calendar-feed")
    start: datetime | None = None
    end: datetime | None = None


class CalendarFeed(Record):
    """A read-only address of the schedule for a calendar app: whoever has it can read the feed."""

    url: str


BrandPatch = patch_of(BrandInput)
CampaignPatch = patch_of(CampaignInput)
ContentPatch = patch_of(ContentInput)
ExperimentPatch = patch_of(ExperimentInput)
MetricPatch = patch_of(MetricInput)
