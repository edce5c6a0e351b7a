"""The Content studio's records, as the desktop sees them, and THE one adapter from the client's.

Every read of a client record (today a dict; with `umt.contract`, typed records with attribute
access) happens in the `*_from_api` functions here, so switching the client is one edit. Views and
models only see these frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from umt.contract.resources import TRANSITIONS
from umt.desktop.controllers.records import value_of

STATUS_LABELS = {"draft": "Draft", "in_review": "In review", "approved": "Approved", "scheduled": "Scheduled",
                 "published": "Published", "archived": "Archived"}

# The words on the button that makes each move.
MOVE_LABELS = {"in_review": "Send for review", "approved": "Approve", "scheduled": "Schedule",
               "published": "Mark published", "archived": "Archive", "draft": "Back to draft"}


def _get(record: Any, name: str, default: Any = None) -> Any:
    """A field of a client record, whether it is a dict (today) or a typed record (umt.contract):
    read as the workspace's other sections read them (controllers/records.py)."""
    return value_of(record, name, default)


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
    metrics: dict = field(default_factory=dict, hash=False, compare=False)


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
    return ContentItem(id=_get(record, "id"), title=_get(record, "title", ""), body=_get(record, "body", "") or "",
                       channel=_get(record, "channel", ""), status=_get(record, "status", "draft"),
                       brand_id=_get(record, "brand_id"), campaign_id=_get(record, "campaign_id"),
                       scheduled_at=_text_or_none(_get(record, "scheduled_at")),
                       updated_at=_text_or_none(_get(record, "updated_at")) or "", version=_get(record, "version", 1))


def version_from_api(record: Any) -> ContentVersion:
    return ContentVersion(version=_get(record, "version"), title=_get(record, "title", ""),
                          body=_get(record, "body", "") or "", created_at=_text_or_none(_get(record, "created_at")) or "")


def brand_from_api(record: Any) -> Option:
    return Option(id=_get(record, "id"), name=_get(record, "name", ""),
                  banned_words=tuple(_get(record, "banned_words", ()) or ()),
                  hashtags=tuple(_get(record, "hashtags", ()) or ()))


def campaign_from_api(record: Any) -> Option:
    return Option(id=_get(record, "id"), name=_get(record, "name", ""), brand_id=_get(record, "brand_id"))


def page_from_api(page: Any) -> tuple[list[Any], int]:
    """(items, total) of a list page."""
    return list(_get(page, "items", [])), int(_get(page, "total", 0))


def score_from_api(result: Any) -> ScoreResult:
    metrics = _get(result, "metrics", {}) or {}
    checks = tuple(ScoreCheck(id=_get(c, "id"), status=_get(c, "status"), message=_get(c, "message"),
                              penalty=_get(c, "penalty", 0)) for c in _get(result, "checks", ()))
    return ScoreResult(score=int(_get(result, "score", 0)), rating=_get(result, "rating", ""),
                       publishable=bool(_get(result, "publishable", False)), checks=checks,
                       channel_length=_get(metrics, "channel_length"), max_chars=_get(metrics, "max_chars"),
                       metrics=dict(metrics) if isinstance(metrics, dict) else {})


def draft_from_api(result: Any) -> DraftOutcome:
    variant = _get(result, "variants", [])[0]
    fallback = _get(result, "fallback", {}) or {}
    return DraftOutcome(text=_get(variant, "text", ""), provider=_get(variant, "provider", ""),
                        label=_get(variant, "label", ""),
                        fallback_reason=_get(fallback, "reason") if _get(fallback, "used") else None,
                        score=_get(_get(variant, "score", {}) or {}, "score"))


def utm_from_api(result: Any) -> tuple[str, list[str]]:
    return _get(result, "url", ""), list(_get(result, "warnings", []) or [])


def job_from_api(job: Any) -> tuple[int, str, float, str, Any, Any]:
    """(id, status, progress, step, result, error) of a job record."""
    return (_get(job, "id"), _get(job, "status"), float(_get(job, "progress", 0.0) or 0.0), _get(job, "step", "") or "",
            _get(job, "result"), _get(job, "error"))


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()
