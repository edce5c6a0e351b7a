"""The one interface every text provider implements, and what it is given to write from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from umt.contract.channels import ChannelRule


@dataclass(frozen=True)
class Brand:
    name: str
    voice: str = ""
    audience: str = ""
    banned_words: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    sample_posts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Campaign:
    name: str
    goal: str = ""
    channels: list[str] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    budget: float | None = None


@dataclass(frozen=True)
class DraftSpec:
    """Everything a provider needs to write one channel's post."""

    brand: Brand
    campaign: Campaign | None
    rule: ChannelRule
    brief: str
    offer: str | None = None
    call_to_action: str | None = None
    keyphrase: str | None = None


class ProviderError(Exception):
    """A provider could not write: the message says why in words a user can act on (never a secret)."""


class TextProvider(ABC):
    name: str  # "llm" or "template"
    label: str  # shown next to each draft

    @abstractmethod
    def write(self, spec: DraftSpec, index: int, total: int) -> str:
        """Variant `index` (0-based) of `total`; different indexes give different drafts."""
