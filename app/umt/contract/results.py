"""Each job kind's result, as the agent returns it: the gateway stores it as the job's result, the
client reads it with Job.result_record(), and a test checks the agent's real results against these."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from umt.contract.base import Record


class DraftFallback(Record):
    used: bool
    reason: str | None


class DraftScore(Record):
    score: int
    rating: Literal["good", "fair", "poor"]
    publishable: bool
    reasons: list[str]


class DraftVariant(Record):
    text: str
    provider: str
    label: str
    score: DraftScore


class DraftResult(Record):
    channel: str
    rules: str
    provider: str
    model: str | None
    fallback: DraftFallback
    variants: list[DraftVariant]


class ScoreCheck(Record):
    id: str
    status: Literal["pass", "warn", "fail", "info"]
    message: str
    penalty: int


class LinkReport(Record):
    url: str
    utm: dict[str, str]
    missing_utm: list[str]


class BannedWordFound(Record):
    word: str
    count: int


class ScoreMetrics(Record):
    characters: int
    channel_length: int
    max_chars: int
    ideal_chars: list[int]
    words: int
    sentences: int
    syllables: int
    flesch_reading_ease: float | None
    flesch_kincaid_grade: float | None
    keyphrase_count: int | None
    keyphrase_density_percent: float | None
    hashtags: list[str]
    links: list[LinkReport]
    banned_words_found: list[BannedWordFound]


class ScoreResult(Record):
    score: int
    rating: Literal["good", "fair", "poor"]
    channel: str
    publishable: bool
    reasons: list[str]
    checks: list[ScoreCheck]
    metrics: ScoreMetrics


class Interval(Record):
    low: float | None
    high: float | None
    level: float
    method: str


class VariantStats(Record):
    name: str
    exposures: int
    conversions: int
    rate: float | None
    interval: Interval
    prob_best: float | None
    expected_loss: float | None


class Comparison(Record):
    variant: str
    control: str
    enough_data: bool
    not_enough_data_reason: str | None
    p_value: float | None
    p_value_holm: float | None
    z: float | None
    difference: float | None
    relative_lift: float | None
    significant: bool


class Verdict(Record):
    status: Literal["not_enough_data", "winner", "control_wins", "no_difference"]
    message: str
    winner: str | None = None


class BayesianSummary(Record):
    leader: str
    prob_best: float | None
    expected_loss: float | None
    draws: int
    seed: int
    prior: str


class ExperimentMethod(Record):
    test: str
    correction: str
    interval: str
    min_samples: int


class ExperimentStatsResult(Record):
    verdict: Verdict
    control: str
    alpha: float
    variants: list[VariantStats]
    comparisons: list[Comparison]
    bayesian: BayesianSummary
    method: ExperimentMethod


class SampleSizeResult(Record):
    per_variant: int
    per_variant_exact: float
    total: int
    baseline_rate: float
    target_rate: float
    absolute_effect: float
    relative_effect: float
    cohens_h: float
    alpha_per_comparison: float
    method: str
    days: int | None


class Slot(Record):
    weekday: int
    weekday_name: str
    hour: int
    posts: int
    impressions: int
    engagements: int
    rate: float
    shrunk_rate: float
    lower_bound: float


class BestTime(Record):
    weekday: int
    hour: int


class BestTimeResult(Record):
    status: Literal["ok", "not_enough_data"]
    message: str
    timezone: str
    posts: int
    impressions: int
    engagements: int
    warnings: list[str]
    slots: list[Slot]
    best_times: list[BestTime]
    account_rate: float | None = None
    prior_strength: float | None = None
    method: str | None = None


class UtmResult(Record):
    url: str
    parameters: dict[str, str]
    replaced: list[str]
    warnings: list[str]


class PlannedPost(Record):
    channel: str
    at: datetime
    local: datetime
    weekday: int
    hour: int
    best_time: bool


class PlanCalendarResult(Record):
    items: list[PlannedPost]
    planned: int
    unplaced: int
    timezone: str
    min_gap_hours: float
    warnings: list[str]
