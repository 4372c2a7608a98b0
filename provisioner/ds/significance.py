"""Always-valid significance tests of the A/B readout, in plain Python (no scipy in the CLI's environment).

A readout people re-run every day is a sequential test: a fixed-sample p-value
read at every look claims a difference far more often than its 5 % (FIELD-NOTES,
"Statistics of readouts"). Every test here gives an *always-valid* p-value: the
chance that it ever drops below alpha, at any look, however often people look,
is at most alpha when the variants do not differ (Ville's inequality for a
nonnegative martingale; Robbins 1970; Johari, Pekelis and Walsh, "Always Valid
Inference", 2017). Valid as long as every look covers data from the same start.

- `normal_mixture_p`: the mixture sequential probability ratio test (mSPRT) of
  a difference whose estimate is approximately normal with a known variance
  (latency, F1, AUC, MAE, RMSE), mixing over differences ~ N(0, tau^2);
  `normal_mixture_radius` is the matching always-valid confidence interval.
- `events_mixture_p`: events (5XX or 4XX answers, wrong predictions) that fall
  on each variant in proportion to its traffic when the variants do not differ.
  The likelihood ratio of the challenger's share of the events, mixed over a
  Beta prior centred on its traffic share: exact, no large-sample condition, so
  small counts get an answer (and none when there are no events at all).
- `holm`: Holm's step-down over the readout's family (every measure of every
  challenger); with always-valid p-values it bounds the family-wise false-claim
  rate over all looks.
- `normal_power`, `planned_variance`, `planned_events`: the sample at which a
  test detects a stated difference with 80 % power (at its last look; earlier
  looks only add power).
- `student_t_two_sided_p`, `t_quantile`, `t_to_z`: Student's t (batch means with few batches).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from statistics import NormalDist

ALPHA = 0.05  # family-wise false-claim rate of a readout
POWER = 0.8  # the sample a readout asks for detects the stated difference at least this often
# The sample sizes come from normal approximations at the last look; they aim a little higher than POWER
# so that the power measured by simulation (tests/error_rates/) clears it with room to spare.
PLANNING_POWER = 0.88
EVENTS_TAU = 1.0  # prior sd of the log rate ratio in the events test: ratios of ~e (2.7x) are typical
_NORMAL = NormalDist()


# --- the normal mixture (mSPRT) ---------------------------------------------------------------------

def _normal_log_lr(estimate: float, variance: float, tau: float) -> float:
    """log of the mixture likelihood ratio: N(estimate; theta, variance) mixed over theta ~ N(0, tau^2), against theta = 0."""
    tau2 = tau * tau
    return 0.5 * math.log(variance / (variance + tau2)) + tau2 * estimate * estimate / (2 * variance * (variance + tau2))


def normal_mixture_p(estimate: float, variance: float, tau: float) -> float:
    """Always-valid two-sided p-value of "the difference is 0", from its estimate and the estimate's variance."""
    if variance <= 0 or tau <= 0:
        raise ValueError("variance and tau must be positive")
    return min(1.0, math.exp(-_normal_log_lr(estimate, variance, tau)))


def normal_mixture_radius(variance: float, tau: float, alpha: float) -> float:
    """Half-width of the always-valid (1 - alpha) confidence interval around the estimate."""
    tau2 = tau * tau
    bound = math.log(1 / alpha) + 0.5 * math.log((variance + tau2) / variance)
    return math.sqrt(2 * variance * (variance + tau2) / tau2 * bound)


def normal_power(difference: float, variance: float, tau: float, alpha: float) -> float:
    """Chance that the normal mixture test rejects at a look where the estimate ~ N(difference, variance)."""
    radius, sd = normal_mixture_radius(variance, tau, alpha), math.sqrt(variance)
    return _NORMAL.cdf((abs(difference) - radius) / sd) + _NORMAL.cdf((-abs(difference) - radius) / sd)


def planned_variance(difference: float, tau: float, alpha: float, power: float = PLANNING_POWER) -> float:
    """The largest variance of the estimate at which a true `difference` is detected with `power`."""
    if difference == 0:
        raise ValueError("a zero difference cannot be detected")
    # The test is scale-free: in units of the difference, only tau / difference matters.
    return difference * difference * _planned_unit_variance(abs(tau / difference), alpha, power)


@lru_cache(maxsize=256)
def _planned_unit_variance(tau: float, alpha: float, power: float) -> float:
    low, high = -60.0, 5.0
    for _ in range(40):  # bisection on log(variance): power falls as the variance grows
        middle = (low + high) / 2
        if normal_power(1.0, math.exp(middle), tau, alpha) >= power:
            low = middle
        else:
            high = middle
    return math.exp(low)


# --- events split between two variants ---------------------------------------------------------------

def trigamma(x: float) -> float:
    """psi'(x), the variance of log(Gamma(x, 1)); recurrence up to x >= 10, then the asymptotic series."""
    if x <= 0:
        raise ValueError("trigamma needs x > 0")
    total = 0.0
    while x < 10:
        total += 1 / (x * x)
        x += 1
    inv = 1 / x
    inv2 = inv * inv
    return total + inv + inv2 / 2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 * (1 / 30 - inv2 * 5 / 66))))


def events_prior(share: float, tau: float = EVENTS_TAU) -> tuple[float, float]:
    """Beta(a, b) with mean `share` whose logit has standard deviation `tau` (logit of Beta: psi'(a) + psi'(b))."""
    low, high = math.log(1e-6), math.log(1e12)
    for _ in range(40):  # the logit's variance falls as the concentration grows
        middle = (low + high) / 2
        k = math.exp(middle)
        if trigamma(k * share) + trigamma(k * (1 - share)) > tau * tau:
            low = middle
        else:
            high = middle
    k = math.exp(high)
    return k * share, k * (1 - share)


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def events_mixture_p(challenger_events: float, champion_events: float, share: float,
                     tau: float = EVENTS_TAU) -> float:
    """Always-valid p-value of "the challenger's rate equals the champion's".

    When the rates are equal, each event is the challenger's with probability
    `share` (its part of the trials), independently of the others: the events'
    split is binomial. The test mixes the binomial likelihood ratio over a
    Beta prior on the challenger's share of the events (`events_prior`); its
    inverse is a nonnegative martingale in the number of events, so the
    p-value is exact at any count, including small ones. Conservative when
    events are not rare (the split is then hypergeometric, which varies less).
    """
    if not 0 < share < 1:
        raise ValueError("share must be between 0 and 1")
    x1, x2 = float(challenger_events), float(champion_events)
    if x1 + x2 == 0:
        return 1.0
    a, b = events_prior(share, tau)
    log_mixture = _log_beta(a + x1, b + x2) - _log_beta(a, b)
    log_null = x1 * math.log(share) + x2 * math.log(1 - share)
    return min(1.0, math.exp(log_null - log_mixture))


def planned_events(rate_ratio: float, share: float, alpha: float, tau: float = EVENTS_TAU,
                   power: float = PLANNING_POWER) -> float:
    """Events (both variants together) at which a challenger rate `rate_ratio` times the champion's is detected.

    Normal approximation of the events test on the log-odds of the challenger's
    share of the events (variance 1 / (events * p * (1 - p))); the simulation
    in tests/error_rates/ checks that the power holds.
    """
    if rate_ratio <= 0 or rate_ratio == 1:
        raise ValueError("the rate ratio must be positive and not 1")
    shifted = share * rate_ratio / (share * rate_ratio + 1 - share)
    return 1 / (planned_variance(math.log(rate_ratio), tau, alpha, power) * shifted * (1 - shifted))


# --- the family -------------------------------------------------------------------------------------

def holm(p_values: Sequence[float | None], alpha: float = ALPHA) -> list[tuple[bool, float]]:
    """Holm's step-down over a family: per hypothesis, (rejected, the level it was tested at).

    A hypothesis without a p-value (not enough data) counts in the family as
    one never rejected, so the family's size does not change from look to look.
    """
    k = len(p_values)
    order = sorted(range(k), key=lambda i: (1.0 if p_values[i] is None else p_values[i], i))
    found = [(False, alpha / k) for _ in range(k)]
    for rank, index in enumerate(order):
        level = alpha / (k - rank)
        p = p_values[index]
        if p is None or p > level:
            for rest in order[rank:]:
                found[rest] = (False, alpha / (k - rank))
            break
        found[index] = (True, level)
    return found


# --- Student's t --------------------------------------------------------------------------------------

def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    tiny, eps = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        step = d * c
        h *= step
        if abs(step - 1) < eps:
            break
    return h


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) (Numerical Recipes' continued fraction)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1 - front * _beta_continued_fraction(b, a, 1 - x) / b


def student_t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom (any positive df, fractional too)."""
    return regularized_incomplete_beta(df / 2, 0.5, df / (df + t * t))


def t_quantile(p: float, df: float) -> float:
    """The |t| whose two-sided tail under Student's t with `df` degrees of freedom is `p`."""
    low, high = 0.0, 1.0
    while student_t_two_sided_p(high, df) > p:
        high *= 2
    for _ in range(60):
        middle = (low + high) / 2
        if student_t_two_sided_p(middle, df) > p:
            low = middle
        else:
            high = middle
    return high


def t_to_z(t: float, df: float) -> float:
    """The normal deviate with the same two-sided tail as Student's t: few batches widen the interval."""
    p = student_t_two_sided_p(t, df)
    if p <= 0:
        return math.copysign(38.0, t)  # beyond any double-precision normal tail
    return math.copysign(-_NORMAL.inv_cdf(p / 2), t) if p < 1 else 0.0
