"""The A/B readout's tests against an independent implementation: scipy (a test-only dependency).

The product computes in plain Python (no scipy in the CLI's environment); each
value here comes from scipy's own distributions, special functions or numerical
integration, over cases chosen to tell formulas apart: unequal sizes and
variances, small and fractional degrees of freedom, zero counts, shares near 0.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from provisioner.ds import significance as sig
from provisioner.ds.ab_measures import QualityCounts, _f1_variance, _mean_variance


def log_mixture_lr(estimate: float, variance: float, tau: float) -> float:
    """log of the normal mixture likelihood ratio by numerical integration: N(x; theta, V) mixed over theta ~ N(0, tau^2)."""
    sd = math.sqrt(variance)

    def log_integrand(theta: float) -> float:
        return (stats.norm.logpdf(estimate, theta, sd) - stats.norm.logpdf(estimate, 0, sd)
                + stats.norm.logpdf(theta, 0, tau))

    centre = estimate * tau ** 2 / (tau ** 2 + variance)  # where the integrand peaks
    spread = math.sqrt(tau ** 2 * variance / (tau ** 2 + variance))
    top = log_integrand(centre)
    value, _ = integrate.quad(lambda theta: math.exp(log_integrand(theta) - top), centre - 40 * spread,
                              centre + 40 * spread, limit=200, epsabs=0, epsrel=1e-11, points=[centre])
    return top + math.log(value)


@pytest.mark.parametrize(("estimate", "variance", "tau"), [
    (0.3, 0.01, 0.2), (-1.1, 0.25, 0.5), (2.5, 4.0, 1.0), (0.0, 0.5, 0.3), (0.05, 1e-4, 0.02), (-0.4, 0.02, 3.0)])
def test_normal_mixture_p_is_the_inverse_of_the_integrated_likelihood_ratio(estimate, variance, tau):
    expected = min(1.0, math.exp(-log_mixture_lr(estimate, variance, tau)))
    assert sig.normal_mixture_p(estimate, variance, tau) == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize(("variance", "tau", "alpha"), [(0.01, 0.2, 0.05), (0.3, 1.0, 0.0125), (2.0, 0.5, 0.01)])
def test_normal_mixture_radius_is_where_the_integrated_ratio_reaches_one_over_alpha(variance, tau, alpha):
    from scipy.optimize import brentq

    boundary = brentq(lambda x: log_mixture_lr(x, variance, tau) - math.log(1 / alpha), 1e-9,
                      20 * math.sqrt(variance) + 10 * tau)
    assert sig.normal_mixture_radius(variance, tau, alpha) == pytest.approx(boundary, rel=1e-6)


def test_normal_power_matches_a_simulation_of_the_test():
    # GIVEN the variance at which a difference of 1 is to be found with the planning power, tau 1, alpha 0.0125
    variance = sig.planned_variance(1.0, 1.0, 0.0125)
    rng = np.random.default_rng(11)
    estimates = rng.normal(1.0, math.sqrt(variance), 40000)
    # THEN the share of simulated estimates the test rejects is that power (Monte Carlo: +-0.5 %)
    rejected = np.mean([sig.normal_mixture_p(x, variance, 1.0) <= 0.0125 for x in estimates])
    assert rejected == pytest.approx(sig.PLANNING_POWER, abs=0.01)


@pytest.mark.parametrize("x", [0.004, 0.3, 1.0, 2.5, 5.99, 6.0, 17.3, 250.0])
def test_trigamma_matches_scipy(x):
    assert sig.trigamma(x) == pytest.approx(float(special.polygamma(1, x)), rel=1e-10)


@pytest.mark.parametrize(("share", "tau"), [(0.5, 1.0), (0.1, 1.0), (0.0385, 1.0), (0.9, 0.5), (0.001, 2.0)])
def test_events_prior_has_the_traffic_share_as_mean_and_tau_as_the_logits_sd(share, tau):
    a, b = sig.events_prior(share, tau)
    # THEN its mean is the share and the variance of logit(p) for p ~ Beta(a, b) is tau^2 (scipy's digamma/trigamma)
    assert a / (a + b) == pytest.approx(share, rel=1e-12)
    assert float(special.polygamma(1, a) + special.polygamma(1, b)) == pytest.approx(tau * tau, rel=1e-8)


@pytest.mark.parametrize(("x1", "x2", "share"), [
    (5, 20, 200 / 5200), (0, 0, 0.5), (3, 0, 0.5), (0, 40, 0.2), (120, 380, 0.2), (12, 11, 0.9), (1, 1, 0.001),
    (400, 9600, 0.04)])
def test_events_mixture_p_is_the_beta_binomial_against_the_binomial(x1, x2, share):
    # GIVEN the prior the test mixes over
    a, b = sig.events_prior(share)
    n = x1 + x2
    # THEN 1/p is the beta-binomial probability of the split over the binomial one (scipy's distributions)
    ratio = stats.betabinom.pmf(x1, n, a, b) / stats.binom.pmf(x1, n, share) if n else 1.0
    assert sig.events_mixture_p(x1, x2, share) == pytest.approx(min(1.0, 1 / ratio), rel=1e-9)


def test_events_test_answers_small_counts_and_no_events():
    # GIVEN 5 of 200 errors against 20 of 5000 (Fisher's exact p = 0.002 at a single look) and no errors at all
    small = sig.events_mixture_p(5, 20, 200 / 5200)
    # THEN the sequential test answers (weaker than a single-look test, as any test valid under peeking is)
    assert stats.fisher_exact([[5, 195], [20, 4980]]).pvalue < small < 1
    # AND with no events in either variant it says the data show no difference, instead of "not enough data"
    assert sig.events_mixture_p(0, 0, 0.3) == 1.0


@pytest.mark.parametrize(("t", "df"), [(2.1, 3.7), (0.4, 0.5), (3.0, 1.0), (1.0, 2.5), (-2.6, 8.0), (5.0, 30.2),
                                       (1.96, 1e3)])
def test_student_t_tail_matches_scipy_for_small_and_fractional_df(t, df):
    assert sig.student_t_two_sided_p(t, df) == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-9)


@pytest.mark.parametrize(("p", "df"), [(0.05, 4), (0.0125, 9), (0.001, 2.5), (0.3, 40)])
def test_t_quantile_and_t_to_z_match_scipy(p, df):
    assert sig.t_quantile(p, df) == pytest.approx(stats.t.isf(p / 2, df), rel=1e-9)
    t = stats.t.isf(p / 2, df)
    assert sig.t_to_z(-t, df) == pytest.approx(-stats.norm.isf(p / 2), rel=1e-7)


def closed_testing(p_values: list[float], alpha: float) -> list[bool]:
    """Rejections of the closed testing procedure with Bonferroni local tests (Holm's procedure, by a theorem)."""
    k = len(p_values)
    rejected = []
    for i in range(k):
        ok = True
        for size in range(1, k + 1):
            for subset in itertools.combinations(range(k), size):
                if i in subset and not any(p_values[j] <= alpha / size for j in subset):
                    ok = False
        rejected.append(ok)
    return rejected


def test_holm_rejects_what_closed_testing_rejects():
    rng = np.random.default_rng(5)
    for _ in range(300):
        k = int(rng.integers(1, 7))
        p_values = [float(x) for x in rng.choice([rng.uniform(0, 0.03), rng.uniform(0, 1)], size=k)]
        assert [r for r, _ in sig.holm(p_values)] == closed_testing(p_values, 0.05), p_values


def test_holm_counts_untested_hypotheses_in_the_family():
    # GIVEN four hypotheses, two without data yet
    found = sig.holm([0.011, None, 0.02, None])
    # THEN the family still has four members: 0.011 passes 0.05/4 = 0.0125, then 0.02 fails 0.05/3
    assert found == [(True, 0.0125), (False, 0.05 / 3), (False, 0.05 / 3), (False, 0.05 / 3)]


def test_f1_delta_variance_matches_a_multinomial_simulation():
    # GIVEN pooled counts of a binary model
    q = QualityCounts(labeled=2000, tp=460, fp=140, fn=140, tn=1260)
    rng = np.random.default_rng(9)
    draws = rng.multinomial(2000, np.array([460, 140, 140, 1260]) / 2000, 100000)
    f1 = 2 * draws[:, 0] / (2 * draws[:, 0] + draws[:, 1] + draws[:, 2])
    # THEN the delta method's variance of F1 is the simulated one (within 2 %)
    assert _f1_variance(q) == pytest.approx(f1.var(), rel=0.02)


def test_mean_variance_from_sums_is_numpys_unequal_sizes_and_zero_variance():
    rng = np.random.default_rng(4)
    for values in (rng.exponential(2.0, 7), rng.normal(5, 3, 1500), np.full(12, 3.5)):
        mean, variance = _mean_variance(float(values.sum()), float((values ** 2).sum()), len(values))
        assert mean == pytest.approx(values.mean())
        assert variance == pytest.approx(values.var(ddof=1) / len(values), abs=1e-12)
