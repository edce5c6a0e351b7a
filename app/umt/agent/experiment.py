"""The `experiment` and `sample_size` tasks: honest A/B statistics over the stats module."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from umt.agent import stats
from umt.agent.errors import InputError
from umt.contract import tasks as contract

# Normal approximation needs enough of both outcomes in the pooled sample.
MIN_POOLED_OUTCOMES = 5


@dataclass(frozen=True)
class Variant:
    name: str
    exposures: int
    conversions: int


@dataclass(frozen=True)
class ExperimentTask:
    variants: list[Variant]
    alpha: float
    min_samples: int
    draws: int
    seed: int


def parse_experiment(task: contract.ExperimentStatsInput) -> ExperimentTask:
    """The contract checked names, counts and limits; the gateway fills variants in from experiment_id."""
    if task.variants is None:
        raise InputError("variants", "is required")
    return ExperimentTask(
        variants=[Variant(v.name, v.exposures, v.conversions) for v in task.variants],
        alpha=task.alpha, min_samples=task.min_samples, draws=task.draws,
        seed=random.SystemRandom().randrange(2**31) if task.seed is None else task.seed,
    )


def _shortfall(control: Variant, variant: Variant, min_samples: int) -> str | None:
    for arm in (control, variant):
        if arm.exposures < min_samples:
            return f"{arm.name} has {arm.exposures} exposures; each variant needs at least {min_samples}."
    pooled_conversions = control.conversions + variant.conversions
    pooled_failures = control.exposures + variant.exposures - pooled_conversions
    if min(pooled_conversions, pooled_failures) < MIN_POOLED_OUTCOMES:
        return (f"{control.name} and {variant.name} have {pooled_conversions} conversions between them; the "
                f"test needs at least {MIN_POOLED_OUTCOMES} conversions and {MIN_POOLED_OUTCOMES} non-conversions.")
    return None


def run_experiment(task: ExperimentTask, progress) -> dict:
    control, *challengers = task.variants
    progress(0.05, "frequentist tests")
    tests = [stats.two_proportion_ztest(control.conversions, control.exposures, v.conversions, v.exposures)
             if control.exposures and v.exposures else None for v in challengers]
    raw = [test.p_value if test else 1.0 for test in tests]
    adjusted = stats.holm_adjust(raw)
    progress(0.1, "bayesian simulation")
    bayes = stats.bayes_prob_best([v.conversions for v in task.variants], [v.exposures for v in task.variants],
                                  draws=task.draws, seed=task.seed,
                                  report=lambda done: progress(0.1 + 0.85 * done, "bayesian simulation"))

    variants_out = []
    for index, variant in enumerate(task.variants):
        low, high = stats.wilson_interval(variant.conversions, variant.exposures, task.alpha)
        variants_out.append({
            "name": variant.name, "exposures": variant.exposures, "conversions": variant.conversions,
            "rate": variant.conversions / variant.exposures if variant.exposures else None,
            "interval": {"low": low, "high": high, "level": 1 - task.alpha, "method": "wilson"},
            "prob_best": bayes.prob_best[index], "expected_loss": bayes.expected_loss[index],
        })

    comparisons = []
    for variant, test, p_raw, p_adjusted in zip(challengers, tests, raw, adjusted):
        shortfall = _shortfall(control, variant, task.min_samples)
        comparison = {"variant": variant.name, "control": control.name, "enough_data": shortfall is None,
                      "not_enough_data_reason": shortfall, "p_value": p_raw, "p_value_holm": p_adjusted,
                      "z": test.z if test else None, "difference": test.difference if test else None,
                      "relative_lift": (test.difference / (control.conversions / control.exposures))
                      if test and control.conversions else None}
        comparison["significant"] = shortfall is None and p_adjusted < task.alpha
        comparisons.append(comparison)

    leader = max(range(len(task.variants)), key=lambda i: bayes.prob_best[i])
    return {
        "verdict": _verdict(comparisons, task.alpha),
        "control": control.name,
        "alpha": task.alpha,
        "variants": variants_out,
        "comparisons": comparisons,
        "bayesian": {"leader": task.variants[leader].name, "prob_best": bayes.prob_best[leader],
                     "expected_loss": bayes.expected_loss[leader], "draws": bayes.draws, "seed": bayes.seed,
                     "prior": "Beta(1, 1) on each rate"},
        "method": {"test": "two-proportion z-test, pooled standard error, two-sided",
                   "correction": "Holm-Bonferroni across the comparisons with the control",
                   "interval": "Wilson score", "min_samples": task.min_samples},
    }


def _verdict(comparisons: list[dict], alpha: float) -> dict:
    missing = [c for c in comparisons if not c["enough_data"]]
    if missing:
        return {"status": "not_enough_data",
                "message": "Not enough data yet: " + " ".join(c["not_enough_data_reason"] for c in missing)}
    winners = [c for c in comparisons if c["significant"] and c["difference"] > 0]
    losers = [c for c in comparisons if c["significant"] and c["difference"] < 0]
    if winners:
        best = max(winners, key=lambda c: c["difference"])
        return {"status": "winner", "winner": best["variant"],
                "message": f"{best['variant']} converts better than {best['control']} by "
                           f"{100 * best['difference']:.2f} percentage points (p = {best['p_value_holm']:.4g} "
                           f"after correction, alpha {alpha})."}
    if losers:
        names = ", ".join(c["variant"] for c in losers)
        return {"status": "control_wins", "message": f"{names} converts worse than the control; keep the control."}
    return {"status": "no_difference", "message": f"No significant difference at alpha {alpha}: keep the test "
            f"running or accept that the variants perform alike."}


@dataclass(frozen=True)
class SampleSizeTask:
    baseline_rate: float
    minimum_detectable_effect: float
    relative: bool
    power: float
    alpha: float
    two_sided: bool
    variants: int
    daily_exposures: int | None


def parse_sample_size(task: contract.SampleSizeInput) -> SampleSizeTask:
    return SampleSizeTask(
        baseline_rate=task.baseline_rate, minimum_detectable_effect=task.minimum_detectable_effect,
        relative=task.relative, power=task.power, alpha=task.alpha, two_sided=task.two_sided,
        variants=task.variants, daily_exposures=task.daily_exposures,
    )


def run_sample_size(task: SampleSizeTask, progress) -> dict:
    target = task.baseline_rate * (1 + task.minimum_detectable_effect) if task.relative \
        else task.baseline_rate + task.minimum_detectable_effect
    # Each challenger is tested against the control: Bonferroni-split alpha, so the plan holds for
    # the Holm-corrected tests of the experiment task (Holm is never stricter than Bonferroni).
    comparisons = task.variants - 1
    alpha = task.alpha / comparisons
    exact = stats.sample_size_per_group(task.baseline_rate, target, task.power, alpha, task.two_sided)
    per_variant = math.ceil(exact)
    total = per_variant * task.variants
    result = {
        "per_variant": per_variant,
        "per_variant_exact": exact,
        "total": total,
        "baseline_rate": task.baseline_rate,
        "target_rate": target,
        "absolute_effect": target - task.baseline_rate,
        "relative_effect": (target - task.baseline_rate) / task.baseline_rate,
        "cohens_h": stats.cohens_h(task.baseline_rate, target),
        "alpha_per_comparison": alpha,
        "method": "arcsine transform (Cohen's h), normal approximation, equal groups; "
                  + ("two-sided" if task.two_sided else "one-sided") + " test"
                  + (f"; alpha split over {comparisons} comparisons with the control" if comparisons > 1 else ""),
        "days": math.ceil(total / task.daily_exposures) if task.daily_exposures else None,
    }
    progress(1.0, "done")
    return result
