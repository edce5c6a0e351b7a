"""The Experiments section's calls: experiments and the posts they test, the counts, the agent's
`experiment` and `sample_size` jobs, and declaring a winner (content workflow moves).

Everything goes through the SessionController; the views get records, results and `Problem`s."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from umt.desktop.controllers.problem import Problem
from umt.desktop.models.experiments import VariantRow

LIST_PAGE = 500
JOB_TIMEOUT_S = 120.0
WINNER_STATUS = "approved"     # the winning post is ready to schedule
LOSER_STATUS = "archived"      # the other variants' posts leave the workflow
MIN_POOLED_OUTCOMES = 5        # as the agent's experiment task (umt.agent.experiment) requires


@dataclass(frozen=True)
class WinnerMoves:
    """What declaring `winner` does: (content id, title, from status, to status) per post moved."""

    winner: str
    moves: list[tuple[int, str, str, str]]
    linked: int = 0     # variants that show a post

    def describe(self) -> str:
        if not self.moves and not self.linked:
            return f"Declaring {self.winner} the winner changes no post: no variant is linked to a post."
        if not self.moves:
            return f"{self.winner}'s post is approved and the other variants' posts are archived: nothing to change."
        return "; ".join(f"“{title}” {_words(old)} → {_words(new)}" for _, title, old, new in self.moves) + "."


def _words(status: str) -> str:
    return status.replace("_", " ")


def plan_winner(rows: list[VariantRow], winner: str, statuses: dict[int, tuple[str, str]]) -> WinnerMoves:
    """The workflow moves for a winner: its post becomes approved, the others' archived; posts
    already there are left alone. `statuses` maps content id -> (title, status)."""
    moves, linked = [], 0
    for row in sorted(rows, key=lambda r: r.name != winner):   # the winner first: a refusal stops the rest
        if row.content_id is None or row.content_id not in statuses:
            continue
        linked += 1
        title, status = statuses[row.content_id]
        target = WINNER_STATUS if row.name == winner else LOSER_STATUS
        if status != target:
            moves.append((row.content_id, title, status, target))
    return WinnerMoves(winner, moves, linked)


def rows_of(experiment: Any) -> list[VariantRow]:
    return [VariantRow(v.name, v.content_id, v.exposures, v.conversions) for v in experiment.variants]


class ExperimentsController(QObject):
    sig_experiments_loaded = Signal(list)
    """The experiments (contract Experiment records), newest first."""

    sig_content_loaded = Signal(list)
    """The content items an experiment may test (ContentItem records)."""

    sig_experiment_saved = Signal(object)
    """An experiment was created or its counts saved: the record as stored."""

    sig_results_ready = Signal(int, object)
    """The agent's ExperimentStatsResult for the experiment with this id."""

    sig_plan_ready = Signal(object)
    """The agent's SampleSizeResult for the planner's question."""

    sig_winner_declared = Signal(object)
    """Every move of a WinnerMoves went through."""

    sig_failed = Signal(str, object)
    """An action (`load`, `save`, `results`, `plan`, `winner`) failed: a Problem in words."""

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.content: dict[int, Any] = {}

    def _failed(self, action: str):
        return lambda exc: self.sig_failed.emit(action, Problem.from_error(exc))

    def load(self) -> None:
        """The experiments and the posts, in one call (the page needs both to show a variant)."""
        def read(client):
            experiments = list(client.experiments.list(limit=LIST_PAGE).items)
            content = list(client.content.iterate(page_size=LIST_PAGE))
            return experiments, content

        self._session.call(read, self._on_loaded, self._failed("load"), key="experiments:list",
                           description="list experiments")

    def _on_loaded(self, loaded) -> None:
        experiments, content = loaded
        self.content = {item.id: item for item in content}
        self.sig_content_loaded.emit(content)
        self.sig_experiments_loaded.emit(sorted(experiments, key=lambda e: e.id, reverse=True))

    def create(self, name: str, hypothesis: str, rows: list[VariantRow]) -> None:
        body = {"name": name, "hypothesis": hypothesis, "variants": [row.as_input() for row in rows]}
        self._session.call(lambda client: client.experiments.create(**body), self._on_saved,
                           self._failed("save"), description="create an experiment")

    def save_counts(self, experiment_id: int, rows: list[VariantRow]) -> None:
        variants = [row.as_input() for row in rows]
        self._session.call(lambda client: client.experiments.update(experiment_id, variants=variants),
                           self._on_saved, self._failed("save"), key=f"experiments:save:{experiment_id}",
                           description="save the counts")

    def _on_saved(self, experiment) -> None:
        self.sig_experiment_saved.emit(experiment)
        self.load()

    def analyse(self, experiment_id: int, *, alpha: float = 0.05, min_samples: int = 100) -> None:
        """The agent's `experiment` job on the counts as the gateway stores them."""
        job_input = {"experiment_id": experiment_id, "alpha": alpha, "min_samples": min_samples}
        self._session.call(lambda client: _run_job(client, "experiment", job_input),
                           lambda result: self.sig_results_ready.emit(experiment_id, result),
                           self._failed("results"), key="experiments:results", description="compute the results")

    def plan(self, job_input: dict[str, Any]) -> None:
        """The agent's `sample_size` job (baseline_rate, minimum_detectable_effect, power, alpha…)."""
        self._session.call(lambda client: _run_job(client, "sample_size", job_input), self.sig_plan_ready.emit,
                           self._failed("plan"), key="experiments:plan", description="plan the sample size")

    def winner_moves(self, rows: list[VariantRow], winner: str) -> WinnerMoves:
        statuses = {item_id: (item.title, item.status) for item_id, item in self.content.items()}
        return plan_winner(rows, winner, statuses)

    def declare_winner(self, moves: WinnerMoves) -> None:
        """Each move through the gateway's workflow, winner first; the first refusal stops the rest
        and its reason is the API's."""
        def move(client):
            for content_id, _, _, status in moves.moves:
                client.content.transition(content_id, status)
            return moves

        def done(result) -> None:
            self.sig_winner_declared.emit(result)
            self.load()

        def refused(exc) -> None:
            self._failed("winner")(exc)
            self.load()    # some moves may have gone through: show the posts as they now are

        self._session.call(move, done, refused, description="declare the winner")


def _run_job(client, kind: str, job_input: dict[str, Any]) -> Any:  # worker thread
    job = client.submit_job(kind, job_input)
    return client.wait_job(job.id, timeout=JOB_TIMEOUT_S).result_record()


def more_per_variant(result: Any) -> int:
    """About how many more exposures each variant needs before the agent will judge (0 when the
    minimum sample is met): the largest gap to the minimum, or, when the gap is in conversions
    (the test needs 5 of each outcome pooled), the exposures that bring them at the pooled rate."""
    minimum = result.method.min_samples
    gap = max((minimum - v.exposures for v in result.variants), default=0)
    if gap > 0:
        return gap
    exposures = sum(v.exposures for v in result.variants)
    conversions = sum(v.conversions for v in result.variants)
    rate = conversions / exposures if exposures else 0.0
    if rate <= 0:
        return minimum
    shortfall = max(MIN_POOLED_OUTCOMES - conversions, 0)
    return max(1, math.ceil(shortfall / rate / len(result.variants))) if shortfall else 0


def verdict_text(result: Any) -> str:
    """The agent's verdict in words; a not-enough-data verdict leads with how many more to collect."""
    verdict = result.verdict
    if verdict.status != "not_enough_data":
        return verdict.message
    more = more_per_variant(result)
    detail = verdict.message.removeprefix("Not enough data yet: ")
    lead = f"Not enough data yet: about {more:,} more per variant." if more else "Not enough data yet."
    return f"{lead} {detail}"
