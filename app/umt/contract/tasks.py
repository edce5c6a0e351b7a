"""Each job kind's input (its result is in results.py): the gateway checks a job's input with these when it is
submitted, the agent parses the same records, and the OpenAPI document shows them per kind.

An input may name records by id (brand_id, campaign_id, content_id, experiment_id): the gateway
then fills in what the agent needs (the brand's voice, the item's text, the variants' counts)
before it forwards the job, so a field such as `brand` is required only when no id stands in."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec
from msgspec import Meta

from umt.contract.base import BigCount, Id, Input, Invalid, listed, text
from umt.contract.channels import CHANNEL_KEYS, resolve_channel
from umt.contract.results import (BestTimeResult, DraftResult, ExperimentStatsResult, PlanCalendarResult,
                                  SampleSizeResult, ScoreResult, UtmResult)

AgentChannel = text(50, 1, description="one of " + ", ".join(CHANNEL_KEYS) + " (or an alias: twitter, email, "
                                       "newsletter, ...)")


class TaskInput(Input, omit_defaults=True):
    """Texts are trimmed; a required text that is only spaces counts as empty."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str):
                value = value.strip()
                setattr(self, name, value)
                if not value and name in _required_texts(type(self)):
                    raise Invalid(name, "must not be empty")

    def _channel(self, name: str = "channel") -> None:
        value = getattr(self, name)
        if value is not None and resolve_channel(value) is None:
            raise Invalid(name, f"{value!r} is not a channel the agent knows; use one of {', '.join(CHANNEL_KEYS)}")

    def _timezone(self, name: str = "timezone") -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(getattr(self, name))
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid(name, f"is not an IANA time zone name (like Europe/Berlin): {getattr(self, name)!r}") from None

    def _needs(self, name: str, *, unless: str) -> None:
        if getattr(self, name) is None and getattr(self, unless) is None:
            raise Invalid(name, f"is required (or {unless})")


_REQUIRED_TEXTS: dict[type, frozenset[str]] = {}


def _required_texts(record: type) -> frozenset[str]:
    if record not in _REQUIRED_TEXTS:
        info = msgspec.inspect.type_info(record)
        _REQUIRED_TEXTS[record] = frozenset(
            f.name for f in info.fields
            if isinstance(f.type, msgspec.inspect.StrType) and (f.type.min_length or 0) >= 1)
    return _REQUIRED_TEXTS[record]


# --- shared parts --------------------------------------------------------------------------

class BrandVoice(TaskInput):
    """A brand as the agent writes in its voice (the gateway sends the brand's own fields)."""

    name: text(200, 1)
    voice: text(4000) = ""
    audience: text(4000) = ""
    banned_words: listed(text(100, 1), 200) = msgspec.field(default_factory=list)
    hashtags: listed(text(100, 1), 100) = msgspec.field(default_factory=list)
    sample_posts: listed(text(5000, 1), 50) = msgspec.field(default_factory=list)
    keyphrases: listed(text(100, 1), 50) = msgspec.field(default_factory=list)


class CampaignBrief(TaskInput):
    name: text(200, 1)
    goal: text(4000) = ""
    channels: listed(text(50, 1), 20) = msgspec.field(default_factory=list)
    start: date | None = None
    end: date | None = None
    budget: float | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.budget is not None and (self.budget < 0 or not math.isfinite(self.budget)):
            raise Invalid("budget", "must be at least 0")


class ScoreBrand(TaskInput):
    """What scoring needs of a brand."""

    banned_words: listed(text(100, 1), 200) = msgspec.field(default_factory=list)
    hashtags: listed(text(100, 1), 100) = msgspec.field(default_factory=list)
    keyphrases: listed(text(100, 1), 50) = msgspec.field(default_factory=list)


# --- draft ---------------------------------------------------------------------------------

class DraftInput(TaskInput):
    """Write 1-10 variants of a post for a channel, each scored."""

    brief: text(5000, 1, description="what the post is about")
    brand: BrandVoice | None = None
    brand_id: Id | None = None
    campaign: CampaignBrief | None = None
    campaign_id: Id | None = None
    channel: AgentChannel | None = None
    content_id: Id | None = None
    offer: text(1000) | None = None
    call_to_action: text(200) | None = None
    keyphrase: text(100) | None = None
    variants: Annotated[int, Meta(ge=1, le=10)] = 1
    provider: Literal["llm", "template"] | None = None
    allow_template_fallback: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self._needs("brand", unless="brand_id")
        self._needs("channel", unless="content_id")
        self._channel()


# --- score ---------------------------------------------------------------------------------

class ScoreInput(TaskInput):
    """Pre-publish score (0-100) with reasons a person can act on."""

    text: text(200000, 1) | None = None
    channel: AgentChannel | None = None
    content_id: Id | None = None
    keyphrase: text(100) | None = None
    brand: ScoreBrand | None = None
    brand_id: Id | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self._needs("text", unless="content_id")
        self._needs("channel", unless="content_id")
        self._channel()


class ScoreRequest(TaskInput):
    """Score a post now, stored nowhere (the editor's live score panel): the gateway passes it to
    the agent's score task with the brand's banned words, hashtags and keyphrases filled in from brand_id."""

    text: text(200000, 1, description="the post as it would go out")
    channel: AgentChannel
    keyphrase: text(100) | None = None
    brand_id: Id | None = msgspec.field(default=None)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._channel()

    def as_score_input(self) -> ScoreInput:
        return ScoreInput(text=self.text, channel=self.channel, keyphrase=self.keyphrase, brand_id=self.brand_id)


# --- experiment statistics -----------------------------------------------------------------

class VariantCounts(TaskInput):
    name: text(100, 1)
    exposures: BigCount
    conversions: BigCount


class ExperimentStatsInput(TaskInput):
    """A/B(/n) test: z-tests vs the first variant (the control), Wilson intervals, P(best)."""

    variants: listed(VariantCounts, 20, 2) | None = None
    experiment_id: Id | None = None
    alpha: Annotated[float, Meta(gt=0, lt=0.5)] = 0.05
    min_samples: Annotated[int, Meta(ge=1, le=10**9)] = 100
    draws: Annotated[int, Meta(ge=1000, le=200000)] = 20000
    seed: Annotated[int, Meta(ge=0, le=2**63 - 1)] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self._needs("variants", unless="experiment_id")
        seen = set()
        for index, variant in enumerate(self.variants or []):
            if variant.name in seen:
                raise Invalid(f"variants[{index}].name", f"repeats the variant name {variant.name!r}")
            seen.add(variant.name)
            if variant.conversions > variant.exposures:
                raise Invalid(f"variants[{index}].conversions",
                              f"is {variant.conversions}, more than the {variant.exposures} exposures")


# --- sample size ---------------------------------------------------------------------------

class SampleSizeInput(TaskInput):
    """Visitors per variant needed to detect an effect."""

    baseline_rate: Annotated[float, Meta(gt=0, lt=1)]
    minimum_detectable_effect: Annotated[float, Meta(gt=0)]
    relative: bool = False  # the effect is a fraction of the baseline, not points
    power: Annotated[float, Meta(ge=0.5, lt=1)] = 0.8
    alpha: Annotated[float, Meta(gt=0, lt=0.5)] = 0.05
    two_sided: bool = True
    variants: Annotated[int, Meta(ge=2, le=20)] = 2
    daily_exposures: Annotated[int, Meta(ge=1, le=10**12)] | None = None  # to estimate the days needed

    @property
    def target_rate(self) -> float:
        if self.relative:
            return self.baseline_rate * (1 + self.minimum_detectable_effect)
        return self.baseline_rate + self.minimum_detectable_effect

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.target_rate >= 1:
            raise Invalid("minimum_detectable_effect", f"takes the rate from {self.baseline_rate} to "
                          f"{self.target_rate:.4g}, which is not below 1")


# --- best time -----------------------------------------------------------------------------

class TimingRow(TaskInput):
    at: datetime
    impressions: BigCount
    engagements: BigCount


class WeekHour(TaskInput):
    weekday: Annotated[int, Meta(ge=0, le=6, description="0 is Monday")]
    hour: Annotated[int, Meta(ge=0, le=23)]


class BestTimeInput(TaskInput):
    """Best weekday and hour to post, from the account's own metrics."""

    timezone: text(64, 1, description="an IANA name such as Europe/Berlin")
    metrics: listed(TimingRow, 100000) | None = None
    brand_id: Id | None = None
    campaign_id: Id | None = None
    channel: text(40, 1) | None = None
    min_impressions: BigCount = 1000
    top: Annotated[int, Meta(ge=1, le=168)] = 5

    def __post_init__(self) -> None:
        super().__post_init__()
        self._timezone()


# --- utm -----------------------------------------------------------------------------------

class UtmInput(TaskInput):
    """Tag a link with UTM parameters."""

    url: text(4000, 1)
    source: text(200, 1)
    medium: text(200, 1)
    campaign: text(200, 1)
    term: text(200, 1) | None = None
    content: text(200, 1) | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        try:
            parts = urlsplit(self.url)
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as error:
            raise Invalid("url", f"is not a valid link: {error}") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise Invalid("url", f"must be an http or https link, got {parts.scheme or 'no'} scheme")
        if not parts.hostname or any(c.isspace() for c in self.url):
            raise Invalid("url", "must be a complete link with a host name and no spaces")


# --- calendar ------------------------------------------------------------------------------

MAX_SPAN_DAYS = 366


class PlanCalendarInput(TaskInput):
    """Spread a campaign's posts over its dates, near the best times."""

    start: text(40, 1, description="an ISO date (the whole day) or date-time")
    end: text(40, 1, description="an ISO date (the whole day) or date-time")
    posts: Annotated[int, Meta(ge=1, le=500)]
    channels: listed(text(50, 1), 20, 1)
    timezone: text(64, 1, description="an IANA name such as Europe/Berlin")
    best_times: listed(WeekHour, 168) = msgspec.field(default_factory=list)
    existing: listed(datetime, 10000) = msgspec.field(default_factory=list)
    min_gap_hours: Annotated[float, Meta(ge=0, le=168)] = 4.0

    def bounds(self) -> tuple[datetime, datetime]:
        """Start and end as aware local times; a date's end is the end of that day."""
        from datetime import time, timedelta
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.timezone)

        def bound(name: str, end: bool) -> datetime:
            value = getattr(self, name)
            if len(value) == 10:
                try:
                    day = date.fromisoformat(value)
                except ValueError:
                    raise Invalid(name, f"is not an ISO date: {value!r}") from None
                return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=zone)
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                raise Invalid(name, f"is not an ISO-8601 date-time: {value!r}") from None
            if moment.tzinfo is None:
                from datetime import timezone

                moment = moment.replace(tzinfo=timezone.utc)
            return moment.astimezone(zone)

        return bound("start", False), bound("end", True)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._timezone()
        start, end = self.bounds()
        if end <= start:
            raise Invalid("end", "must be after start")
        if (end - start).days > MAX_SPAN_DAYS or (end - start).days == MAX_SPAN_DAYS and (end - start).seconds:
            raise Invalid("end", f"is more than {MAX_SPAN_DAYS} days after start")


# --- the kinds -----------------------------------------------------------------------------

class TaskKind(msgspec.Struct, frozen=True):
    name: str
    summary: str
    input: type
    result: type


TASK_KINDS: dict[str, TaskKind] = {kind.name: kind for kind in (
    TaskKind("draft", "Write 1-10 variants of a post for a channel, each scored.", DraftInput, DraftResult),
    TaskKind("score", "Pre-publish score (0-100) with reasons a person can act on.", ScoreInput, ScoreResult),
    TaskKind("experiment", "A/B(/n) test: z-tests vs the first variant, Wilson intervals, P(best).",
             ExperimentStatsInput, ExperimentStatsResult),
    TaskKind("sample_size", "Visitors per variant needed to detect an effect.", SampleSizeInput, SampleSizeResult),
    TaskKind("best_time", "Best weekday and hour to post, from the account's own metrics.", BestTimeInput,
             BestTimeResult),
    TaskKind("utm", "Tag a link with UTM parameters.", UtmInput, UtmResult),
    TaskKind("plan_calendar", "Spread a campaign's posts over its dates, near the best times.", PlanCalendarInput,
             PlanCalendarResult),
)}


# --- submitting a job: {"kind": ..., "input": {...}}, the input's shape chosen by the kind ---

class JobRequest(Input, tag_field="kind"):
    pass


class DraftJobRequest(JobRequest, tag="draft"):
    input: DraftInput


class ScoreJobRequest(JobRequest, tag="score"):
    input: ScoreInput


class ExperimentJobRequest(JobRequest, tag="experiment"):
    input: ExperimentStatsInput


class SampleSizeJobRequest(JobRequest, tag="sample_size"):
    input: SampleSizeInput


class BestTimeJobRequest(JobRequest, tag="best_time"):
    input: BestTimeInput


class UtmJobRequest(JobRequest, tag="utm"):
    input: UtmInput


class PlanCalendarJobRequest(JobRequest, tag="plan_calendar"):
    input: PlanCalendarInput


JobSubmission = (DraftJobRequest | ScoreJobRequest | ExperimentJobRequest | SampleSizeJobRequest
                 | BestTimeJobRequest | UtmJobRequest | PlanCalendarJobRequest)


def job_kind(request: JobRequest) -> str:
    return request.__struct_config__.tag


def job_result(kind: str, result: Any) -> Any:
    """A job record's result (plain JSON data) as its kind's result record."""
    from umt.contract.base import convert

    return None if result is None else convert(result, TASK_KINDS[kind].result, prefix="result")


def job_input(kind: str, value: Any) -> Any:
    from umt.contract.base import convert

    return convert(value, TASK_KINDS[kind].input, prefix="input")
