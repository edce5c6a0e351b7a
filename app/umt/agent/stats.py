"""The one statistics module: frequentist tests, Bayesian Monte Carlo, sample sizes. Stdlib only.

- Two-proportion z-test with the pooled standard error (as statsmodels' proportions_ztest).
- Wilson score interval (as statsmodels' proportion_confint(method="wilson")).
- Beta-binomial: each variant's rate has the posterior Beta(1 + conversions, 1 + failures)
  (uniform prior); P(best) and expected loss E[max(theta) - theta_i] by Monte Carlo.
- Sample size per variant by the arcsine method: Cohen's h = 2 asin(sqrt p2) - 2 asin(sqrt p1),
  solved for the n at which the power of the two-sided z-test (both tails counted, as statsmodels'
  NormalIndPower) reaches the target. It needs a few percent fewer visitors than the pooled-
  variance formula for small rates; both are normal approximations."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from statistics import NormalDist
from typing import Callable

_NORMAL = NormalDist()


def normal_tail(z: float) -> float:
    """P(Z > z) for a standard normal, accurate far into the tail (erfc, not 1 - cdf)."""
    return 0.5 * math.erfc(z / math.sqrt(2))


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float
    difference: float  # rate of the variant minus rate of the control


def two_proportion_ztest(control_conversions: int, control_exposures: int, conversions: int, exposures: int,
                         two_sided: bool = True) -> ZTest:
    """Tests variant against control with the pooled standard error; one-sided means 'variant is larger'."""
    p_control = control_conversions / control_exposures
    p_variant = conversions / exposures
    pooled = (control_conversions + conversions) / (control_exposures + exposures)
    se = math.sqrt(pooled * (1 - pooled) * (1 / control_exposures + 1 / exposures))
    difference = p_variant - p_control
    if se == 0:
        # Every visitor in both groups converted, or none did: no evidence of any difference.
        return ZTest(z=0.0, p_value=1.0, difference=difference)
    z = difference / se
    p_value = 2 * normal_tail(abs(z)) if two_sided else normal_tail(z)
    return ZTest(z=z, p_value=min(1.0, p_value), difference=difference)


def wilson_interval(conversions: int, exposures: int, alpha: float = 0.05) -> tuple[float, float]:
    if exposures == 0:
        return (0.0, 1.0)
    z = _NORMAL.inv_cdf(1 - alpha / 2)
    p = conversions / exposures
    denominator = 1 + z * z / exposures
    centre = (p + z * z / (2 * exposures)) / denominator
    half = z * math.sqrt(p * (1 - p) / exposures + z * z / (4 * exposures * exposures)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def holm_adjust(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values: several variants against one control are several tests."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


@dataclass(frozen=True)
class BayesResult:
    prob_best: list[float]
    expected_loss: list[float]
    draws: int
    seed: int


def bayes_prob_best(successes: list[int], trials: list[int], draws: int = 20000, seed: int = 0,
                    report: Callable[[float], None] | None = None) -> BayesResult:
    """P(variant is best) and expected loss (conversion rate given up by picking it) by Monte Carlo
    over the Beta(1 + c, 1 + n - c) posteriors."""
    rng = random.Random(seed)
    betas = [(1 + c, 1 + n - c) for c, n in zip(successes, trials)]
    wins = [0] * len(betas)
    loss = [0.0] * len(betas)
    chunk = max(1, draws // 20)
    betavariate = rng.betavariate
    for start in range(0, draws, chunk):
        for _ in range(min(chunk, draws - start)):
            sample = [betavariate(a, b) for a, b in betas]
            best = max(sample)
            wins[sample.index(best)] += 1
            for i, value in enumerate(sample):
                loss[i] += best - value
        if report:
            report(min(1.0, (start + chunk) / draws))
    return BayesResult(prob_best=[w / draws for w in wins], expected_loss=[total / draws for total in loss],
                       draws=draws, seed=seed)


def cohens_h(p1: float, p2: float) -> float:
    return 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))


def power_of_ztest(h: float, n_per_group: float, alpha: float, two_sided: bool) -> float:
    """Power of the two-sample z-test on arcsine-transformed rates with equal groups."""
    shift = abs(h) * math.sqrt(n_per_group / 2)
    if two_sided:
        critical = _NORMAL.inv_cdf(1 - alpha / 2)
        return normal_tail(critical - shift) + normal_tail(critical + shift)
    return normal_tail(_NORMAL.inv_cdf(1 - alpha) - shift)


def sample_size_per_group(p1: float, p2: float, power: float, alpha: float, two_sided: bool) -> float:
    """The (fractional) n per group at which the test reaches `power`; round up to plan."""
    h = cohens_h(p1, p2)
    if h == 0:
        raise ValueError("the two rates are equal")
    z_alpha = _NORMAL.inv_cdf(1 - alpha / 2) if two_sided else _NORMAL.inv_cdf(1 - alpha)
    # The closed form ignores the far tail; it is the starting bracket for the exact solution.
    low = 1e-9
    high = 2 * ((z_alpha + _NORMAL.inv_cdf(power)) / h) ** 2 + 1
    while power_of_ztest(h, high, alpha, two_sided) < power:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if power_of_ztest(h, middle, alpha, two_sided) < power:
            low = middle
        else:
            high = middle
        if high - low <= 1e-12 * high:
            break
    return (low + high) / 2
