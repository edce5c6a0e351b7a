"""The stats module against scipy/statsmodels (test-only references)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import beta as beta_dist
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_confint, proportion_effectsize, proportions_ztest

from umt.agent import stats

# (control conversions, control exposures, variant conversions, variant exposures)
CASES = [
    (50, 1000, 70, 1000),
    (120, 2400, 151, 2500),
    (3, 40, 9, 38),
    (1000, 50000, 1105, 50000),
    (7, 12000, 31, 11800),
    (480, 500, 470, 500),
    (200, 1000, 200, 1000),
]


@pytest.mark.parametrize("c1, n1, c2, n2", CASES)
def test_z_test_matches_statsmodels(c1, n1, c2, n2):
    ours = stats.two_proportion_ztest(c1, n1, c2, n2)
    z, p = proportions_ztest([c2, c1], [n2, n1])
    assert ours.z == pytest.approx(z, abs=1e-9)
    assert ours.p_value == pytest.approx(p, abs=1e-6, rel=1e-6)
    assert ours.difference == pytest.approx(c2 / n2 - c1 / n1)


@pytest.mark.parametrize("c1, n1, c2, n2", CASES)
def test_one_sided_z_test_matches_statsmodels(c1, n1, c2, n2):
    ours = stats.two_proportion_ztest(c1, n1, c2, n2, two_sided=False)
    _, p = proportions_ztest([c2, c1], [n2, n1], alternative="larger")
    assert ours.p_value == pytest.approx(p, abs=1e-6, rel=1e-6)


def test_z_test_without_variation_says_no_evidence():
    # statsmodels gives nan here; "no difference, p = 1" is what a person can use.
    result = stats.two_proportion_ztest(0, 500, 0, 400)
    assert (result.z, result.p_value) == (0.0, 1.0)


@pytest.mark.parametrize("count, nobs", [(0, 10), (10, 10), (1, 3), (50, 1000), (517, 1000), (3, 100000)])
@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.2])
def test_wilson_interval_matches_statsmodels(count, nobs, alpha):
    low, high = stats.wilson_interval(count, nobs, alpha)
    ref_low, ref_high = proportion_confint(count, nobs, alpha=alpha, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-9)
    assert high == pytest.approx(ref_high, abs=1e-9)


def test_holm_matches_statsmodels():
    p_values = [0.01, 0.04, 0.03, 0.2, 0.005]
    assert stats.holm_adjust(p_values) == pytest.approx(list(multipletests(p_values, method="holm")[1]), abs=1e-12)


def _exact_prob_b_beats_a(a, b) -> float:
    """P(theta_B > theta_A) = integral of pdf_B(x) * cdf_A(x), by quadrature."""
    value, _ = integrate.quad(lambda x: beta_dist.pdf(x, *b) * beta_dist.cdf(x, *a), 0, 1, limit=200, points=[
        a[0] / sum(a), b[0] / sum(b)])
    return value


@pytest.mark.parametrize("c1, n1, c2, n2", [(50, 1000, 70, 1000), (12, 300, 13, 310), (3, 40, 9, 38)])
def test_prob_best_two_arms_matches_numerical_integration(c1, n1, c2, n2):
    result = stats.bayes_prob_best([c1, c2], [n1, n2], draws=40000, seed=11)
    exact = _exact_prob_b_beats_a((1 + c1, 1 + n1 - c1), (1 + c2, 1 + n2 - c2))
    assert result.prob_best[1] == pytest.approx(exact, abs=1e-2)
    assert sum(result.prob_best) == pytest.approx(1.0)


def test_prob_best_and_expected_loss_match_numpy_reference():
    successes, trials = [40, 52, 47, 38], [1000, 1010, 990, 1005]
    rng = np.random.default_rng(2024)
    samples = np.column_stack([rng.beta(1 + c, 1 + n - c, size=1_000_000) for c, n in zip(successes, trials)])
    ref_best = np.bincount(samples.argmax(axis=1), minlength=4) / len(samples)
    ref_loss = (samples.max(axis=1)[:, None] - samples).mean(axis=0)

    result = stats.bayes_prob_best(successes, trials, draws=40000, seed=5)
    assert result.prob_best == pytest.approx(list(ref_best), abs=1e-2)
    # The expected loss is in conversion-rate units (~0.01 here): compare relatively.
    assert result.expected_loss == pytest.approx(list(ref_loss), rel=0.05, abs=2e-4)
    # The same seed gives the same answer.
    assert stats.bayes_prob_best(successes, trials, draws=40000, seed=5) == result


def test_monte_carlo_reports_progress_to_the_end():
    seen = []
    stats.bayes_prob_best([5, 6], [100, 100], draws=2000, seed=1, report=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 10


@pytest.mark.parametrize("p1, p2", [(0.05, 0.06), (0.10, 0.12), (0.30, 0.25), (0.02, 0.021), (0.5, 0.6)])
@pytest.mark.parametrize("power, alpha", [(0.8, 0.05), (0.9, 0.01), (0.5, 0.1)])
def test_sample_size_matches_statsmodels_two_sided(p1, p2, power, alpha):
    effect = proportion_effectsize(p2, p1)
    reference = NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=power, ratio=1.0,
                                             alternative="two-sided")
    ours = stats.sample_size_per_group(p1, p2, power=power, alpha=alpha, two_sided=True)
    assert ours == pytest.approx(reference, rel=1e-6)
    assert stats.cohens_h(p1, p2) == pytest.approx(effect, abs=1e-12)


@pytest.mark.parametrize("p1, p2", [(0.05, 0.06), (0.2, 0.23)])
def test_sample_size_matches_statsmodels_one_sided(p1, p2):
    effect = proportion_effectsize(p2, p1)
    reference = NormalIndPower().solve_power(effect_size=effect, alpha=0.05, power=0.8, ratio=1.0,
                                             alternative="larger")
    ours = stats.sample_size_per_group(p1, p2, power=0.8, alpha=0.05, two_sided=False)
    assert ours == pytest.approx(reference, rel=1e-6)


def test_sample_size_reaches_the_power_it_promises():
    n = math.ceil(stats.sample_size_per_group(0.05, 0.06, power=0.8, alpha=0.05, two_sided=True))
    h = stats.cohens_h(0.05, 0.06)
    assert stats.power_of_ztest(h, n, 0.05, True) >= 0.8 > stats.power_of_ztest(h, n - 1, 0.05, True)


def test_sample_size_task_splits_alpha_over_the_comparisons():
    from umt.agent.experiment import parse_sample_size, run_sample_size
    from umt.agent.tasks import read_input

    body = {"baseline_rate": 0.05, "minimum_detectable_effect": 0.2, "relative": True, "variants": 3}
    result = run_sample_size(parse_sample_size(read_input("sample_size", body)), lambda *a: None)
    reference = NormalIndPower().solve_power(effect_size=proportion_effectsize(0.06, 0.05), alpha=0.025, power=0.8,
                                             ratio=1.0, alternative="two-sided")
    assert result["per_variant_exact"] == pytest.approx(reference, rel=1e-6)
    assert result["per_variant"] == math.ceil(reference) and result["total"] == 3 * math.ceil(reference)
