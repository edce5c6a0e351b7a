"""The Content studio's records, as the desktop sees them: frozen dataclasses made from the client's
typed records (umt.contract) by the `*_from_api` functions here, so views and models hold only what
they show (times as text, tuples for hashing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from umt.contract.resources import TRANSITIONS

STATUS_LABELS = {"draft": "Draft", "in_review": "In review", "approved": "Approved", "scheduled": "Scheduled",
                 "published": "Published", "archived": "Archived"}

# The words on the button that makes each move.
MOVE_LABELS = {"in_review": "Send for review", "approved": "Approve", "scheduled": "Schedule",
               "published": "Mark published", "archived": "Archive", "draft": "Back to draft"}


@dataclass(frozen=True)
class ContentItem:
    id: int
    title: str
    body: str
    channel: str
    status: str
    brand_id: int | None = None
    campaign_id: int | None = None
    scheduled_at: str | None = None
    updated_at: str = ""
    version: int = 1

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS.get(self.status, ())


@dataclass(frozen=True)
class ContentVersion:
    version: int
    title: str
    body: str
    created_at: str


@dataclass(frozen=True)
class Option:
    """A brand or campaign for pickers; `banned_words` and `hashtags` only for brands."""

    id: int
    name: str
    brand_id: int | None = None
    banned_words: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoreCheck:
    id: str
    status: str  # pass | warn | fail | info
    message: str
    penalty: int = 0


@dataclass(frozen=True)
class ScoreResult:
    score: int
    rating: str
    publishable: bool
    checks: tuple[ScoreCheck, ...]
    channel_length: int | None = None
    max_chars: int | None = None


@dataclass(frozen=True)
class DraftOutcome:
    text: str
    provider: str  # "llm" or "template"
    label: str
    fallback_reason: str | None = None
    score: int | None = None

    @property
    def offline(self) -> bool:
        return self.provider == "template"


def content_from_api(record: Any) -> ContentItem:
    return ContentItem(id=record.id, title=record.title, body=record.body, channel=record.channel,
                       status=record.status, brand_id=record.brand_id, campaign_id=record.campaign_id,
                       scheduled_at=_text_or_none(record.scheduled_at), updated_at=_text_or_none(record.updated_at) or "",
                       version=record.version)


def version_from_api(record: Any) -> ContentVersion:
    return ContentVersion(version=record.version, title=record.title, body=record.body,
                          created_at=_text_or_none(record.created_at) or "")


def brand_from_api(record: Any) -> Option:
    return Option(id=record.id, name=record.name, banned_words=tuple(record.banned_words),
                  hashtags=tuple(record.hashtags))


def campaign_from_api(record: Any) -> Option:
    return Option(id=record.id, name=record.name, brand_id=record.brand_id)


def score_from_api(result: Any) -> ScoreResult:
    """From the contract's ScoreResult."""
    checks = tuple(ScoreCheck(id=c.id, status=c.status, message=c.message, penalty=c.penalty) for c in result.checks)
    return ScoreResult(score=result.score, rating=result.rating, publishable=result.publishable, checks=checks,
                       channel_length=result.metrics.channel_length, max_chars=result.metrics.max_chars)


def draft_from_api(result: Any) -> DraftOutcome:
    """From the contract's DraftResult (a draft job's result_record())."""
    variant = result.variants[0]
    return DraftOutcome(text=variant.text, provider=variant.provider, label=variant.label,
                        fallback_reason=result.fallback.reason if result.fallback.used else None,
                        score=variant.score.score)


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()
