"""The measures of the A/B readout: what each compares, on which data, with which always-valid test.

Each function compares one challenger with the champion on one measure and
returns a `Comparison`: both values, the estimated difference, the always-valid
p-value (None when the test cannot run yet, with the reason), and the sample
the test asks for to detect the measure's difference that matters with 80 %
power (`planned`). The readout (ab_report.py) then applies Holm over the
whole family and turns p-values into verdicts.

- error rates (5XX, 4XX) and rate-like quality (accuracy, precision, recall):
  pooled counts, the events test (significance.events_mixture_p), exact;
- latency: per-period averages of both variants paired by period, so that the
  traffic's daily rhythm cancels, then batch means (non-overlapping blocks of
  m^0.6 of the m periods) so that autocorrelation does not pass for certainty,
  with Student's t for few batches; normal mixture test;
- F1, AUC, MAE, RMSE: pooled sums the monitoring runs publish (each label in
  exactly one run), the delta method (F1, RMSE) or DeLong's variance (AUC);
  normal mixture test. R² is compared through RMSE (same traffic, same
  variance of the truth).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from statistics import NormalDist

from provisioner.ds.significance import (
    EVENTS_TAU,
    PLANNING_POWER,
    events_mixture_p,
    normal_mixture_p,
    normal_mixture_radius,
    planned_events,
    planned_variance,
    t_quantile,
    t_to_z,
)

MIN_LATENCY_BATCHES = 8  # batch means need this many blocks before the test runs
MIN_LABELED = 30  # labeled records per variant before a normal-approximation quality test runs
MIN_CLASS_RECORDS = 10  # F1 and AUC: records of each class per variant
RELATIVE_DIFFERENCE = 0.05  # latency, MAE, RMSE: default difference that matters, of the champion's value
QUALITY_DIFFERENCE = 0.02  # accuracy, precision, recall, F1, AUC: default difference that matters (absolute)
ERROR_RATE_DIFFERENCE = 0.005  # 5XX, 4XX: default difference that matters (0.5 percentage points)
_NORMAL = NormalDist()


@dataclass
class QualityCounts:
    """Sums the monitoring runs publish per variant (provision/ModelQuality), pooled over the readout's window."""

    labeled: float = 0.0
    correct: float = 0.0  # classification
    tp: float = 0.0  # binary
    fp: float = 0.0
    fn: float = 0.0
    tn: float = 0.0
    auc_pairs: float = 0.0  # binary with scores: positive/negative pairs, concordant pairs, DeLong variance
    auc_concordant: float = 0.0
    auc_variance: float = 0.0
    abs_error: float = 0.0  # regression: sum |e|, sum e^2, sum e^4, sum y, sum y^2
    sq_error: float = 0.0
    fourth_error: float = 0.0
    label_sum: float = 0.0
    label_sq: float = 0.0

    def value(self, metric: str) -> float | None:
        """The pooled metric (None when its denominator is 0)."""
        n = self.labeled
        ratios = {"accuracy": (self.correct, n), "precision": (self.tp, self.tp + self.fp),
                  "recall": (self.tp, self.tp + self.fn), "f1": (2 * self.tp, 2 * self.tp + self.fp + self.fn),
                  "auc": (self.auc_concordant, self.auc_pairs), "mae": (self.abs_error, n),
                  "mse": (self.sq_error, n)}
        if metric in ratios:
            top, bottom = ratios[metric]
            return top / bottom if bottom else None
        if metric == "rmse":
            mse = self.value("mse")
            return None if mse is None else math.sqrt(mse)
        if metric == "r2":
            total = self.label_sq - self.label_sum ** 2 / n if n else 0.0
            return 1 - self.sq_error / total if total > 0 else None
        raise KeyError(metric)


@dataclass
class VariantData:
    """One production variant over the readout's window."""

    name: str
    weight: float
    invocations: float = 0.0
    errors_4xx: float = 0.0
    errors_5xx: float = 0.0
    latency: dict[int, float] = field(default_factory=dict)  # period start (epoch s) -> average ModelLatency, ms
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    quality: QualityCounts = field(default_factory=QualityCounts)


@dataclass(frozen=True)
class Planned:
    """The sample a test asks for, and what it has."""

    have: float
    needed: float | None  # None: cannot be computed yet (no variation, no baseline)
    unit: str  # "requests", "5-minute periods", "labeled records"

    @property
    def reached(self) -> bool:
        return self.needed is not None and self.have >= self.needed


@dataclass(frozen=True)
class Comparison:
    challenger: str
    champion: str
    measure: str
    method: str
    better_when: str  # "lower" or "higher"
    challenger_value: float | None
    champion_value: float | None
    difference: float | None  # challenger - champion, in the measure's unit
    p_value: float | None  # always valid; None when the test cannot run yet
    planned: Planned
    matters: float  # the difference that matters (the test is powered for it)
    variance: float | None = None  # of the difference's estimate (normal mixture tests)
    tau: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"challenger": self.challenger, "champion": self.champion, "measure": self.measure,
                "method": self.method, "better_when": self.better_when,
                "challenger_value": self.challenger_value, "champion_value": self.champion_value,
                "difference": self.difference, "p_value": self.p_value, "difference_that_matters": self.matters,
                "sample": {"have": self.planned.have, "needed": self.planned.needed, "unit": self.planned.unit},
                "note": self.note}


def _not_yet(challenger: str, champion: str, measure: str, method: str, better_when: str,
             values: tuple[float | None, float | None], planned: Planned, matters: float, note: str) -> Comparison:
    return Comparison(challenger, champion, measure, method, better_when, values[0], values[1], None, None,
                      planned, matters, note=note)


# --- rates ---------------------------------------------------------------------------------------------

EVENTS_METHOD = "events test (exact, sequential)"


def rate_comparison(challenger: str, champion: str, measure: str, events: tuple[float, float],
                    trials: tuple[float, float], *, matters: float, plan_alpha: float, better_when: str = "lower",
                    values: tuple[float | None, float | None] | None = None, unit: str = "requests") -> Comparison:
    """Events out of trials in each variant (5XX answers of requests, wrong answers of labeled records).

    `values` shows something else than the event rate (accuracy for wrong
    answers); the test is the same. `matters` is an absolute difference of the
    event rate.
    """
    (x1, x2), (n1, n2) = events, trials
    rates = (x1 / n1 if n1 else None, x2 / n2 if n2 else None)
    shown = values if values is not None else rates
    planned = Planned(n1 + n2, None, unit)
    if not n1 or not n2:
        which = challenger if not n1 else champion
        return _not_yet(challenger, champion, measure, EVENTS_METHOD, better_when, shown, planned, matters,
                        f"no {unit} of {which} yet")
    share = n1 / (n1 + n2)
    p = events_mixture_p(x1, x2, share)
    # Plan for a challenger `matters` worse than the champion (a champion rate near 0 counts as a tenth of it).
    base = max(x2 / n2, matters / 10)
    worse = min(base + matters, 1.0)
    per_trial = share * worse + (1 - share) * base
    needed = planned_events(worse / base, share, plan_alpha) / per_trial
    difference = None if shown[0] is None or shown[1] is None else shown[0] - shown[1]
    return Comparison(challenger, champion, measure, EVENTS_METHOD, better_when, shown[0], shown[1], difference, p,
                      Planned(n1 + n2, needed, unit), matters, tau=EVENTS_TAU)


# --- normal mixture tests --------------------------------------------------------------------------------

def _normal(challenger: str, champion: str, measure: str, method: str, better_when: str,
            values: tuple[float, float], variances: tuple[float, float], sizes: tuple[float, float], *,
            matters: float, plan_alpha: float, unit: str, note: str = "") -> Comparison:
    """A difference of two independent estimates, each with a variance proportional to 1 / its sample size."""
    variance = variances[0] + variances[1]
    have = sizes[0] + sizes[1]
    if variance <= 0:
        return _not_yet(challenger, champion, measure, method, better_when, values, Planned(have, None, unit),
                        matters, "no variation in either variant: the test cannot judge")
    difference = values[0] - values[1]
    p = normal_mixture_p(difference, variance, matters)
    share = sizes[0] / have
    per_unit = variances[0] * sizes[0] / share + variances[1] * sizes[1] / (1 - share)  # variance x total sample
    needed = per_unit / planned_variance(matters, matters, plan_alpha)
    return Comparison(challenger, champion, measure, method, better_when, values[0], values[1], difference, p,
                      Planned(have, needed, unit), matters, variance=variance, tau=matters, note=note)


LATENCY_METHOD = "paired batch means (sequential)"
BATCH_EXPONENT = 0.6  # a batch is m^0.6 periods: long against autocorrelation, yet m^0.4 batches


def latency_batches(periods: int) -> tuple[int, int]:
    """(periods per batch, batches) for `periods` paired periods."""
    size = max(1, int(periods ** BATCH_EXPONENT))
    return size, periods // size


MIN_LATENCY_PERIODS = next(m for m in range(1, 100_000) if latency_batches(m)[1] >= MIN_LATENCY_BATCHES)


def planned_periods(long_run_variance: float, matters: float, alpha: float) -> float:
    """Periods at which a latency difference of `matters` is found with 80 % power, Student's t included."""
    variance = planned_variance(matters, matters, alpha)
    for _ in range(4):  # the batches, hence the t correction, depend on the answer: iterate to a fixed point
        periods = long_run_variance / variance
        batches = max(MIN_LATENCY_BATCHES, latency_batches(int(periods) + 1)[1])
        z = normal_mixture_radius(variance, matters, alpha) / math.sqrt(variance)
        variance = (matters / (_t_critical(float(f"{z:.4g}"), batches - 1) + _NORMAL.inv_cdf(PLANNING_POWER))) ** 2
    return long_run_variance / variance


@lru_cache(maxsize=4096)
def _t_critical(z: float, df: int) -> float:
    """The |t| with the two-sided tail of a normal |z| (planning only: z to 4 digits is plenty)."""
    return t_quantile(2 * _NORMAL.cdf(-z), df)


def latency_comparison(challenger: VariantData, champion: VariantData, *, matters_ms: float | None,
                       plan_alpha: float, period_minutes: int = 5) -> Comparison:
    """Mean ModelLatency: per-period differences, batch means, Student's t for few batches, normal mixture test."""
    unit = f"{period_minutes}-minute periods"
    periods = sorted(challenger.latency.keys() & champion.latency.keys())
    mine, theirs = list(map(challenger.latency.__getitem__, periods)), list(map(champion.latency.__getitem__, periods))
    d = list(map(operator.sub, mine, theirs))
    m = len(d)
    values = (sum(mine) / m, sum(theirs) / m) if m else (None, None)
    matters = matters_ms if matters_ms is not None else (
        RELATIVE_DIFFERENCE * values[1] if values[1] else 0.0)
    size, batches = latency_batches(m)
    if batches < MIN_LATENCY_BATCHES or matters <= 0:
        needed = MIN_LATENCY_PERIODS
        return _not_yet(challenger.name, champion.name, "mean latency (ms)", LATENCY_METHOD, "lower", values,
                        Planned(m, needed, unit), matters,
                        f"needs at least {needed} {unit} with traffic in both variants (has {m})")
    start = m - batches * size  # the oldest periods that do not fill a batch are left out
    means = [sum(d[start + i * size:start + (i + 1) * size]) / size for i in range(batches)]
    estimate = sum(means) / batches
    spread = sum((x - estimate) ** 2 for x in means) / (batches - 1)
    if spread == 0:
        return _not_yet(challenger.name, champion.name, "mean latency (ms)", LATENCY_METHOD, "lower", values,
                        Planned(m, None, unit), matters, "no variation between batches: the test cannot judge")
    variance = spread / batches
    t = estimate / math.sqrt(variance)
    z = t_to_z(t, batches - 1)
    effective = variance * (t / z) ** 2 if z else variance  # Student's t for few batches widens the interval
    needed = planned_periods(spread * size, matters, plan_alpha)  # spread * size: long-run variance per period
    return Comparison(challenger.name, champion.name, "mean latency (ms)", LATENCY_METHOD, "lower", values[0],
                      values[1], estimate, normal_mixture_p(estimate, effective, matters),
                      Planned(m, needed, unit), matters, variance=effective, tau=matters)


# --- model quality ---------------------------------------------------------------------------------------

QUALITY_UNIT = "labeled records"
HIGHER_IS_BETTER = ("accuracy", "precision", "recall", "f1", "auc", "r2")


def _f1_variance(q: QualityCounts) -> float:
    """Delta method: F1 = 2a / (2a + b) of the shares a (true positives) and b (false positives + negatives)."""
    n = q.labeled
    a, b = q.tp / n, (q.fp + q.fn) / n
    denominator = (2 * a + b) ** 2
    ga, gb = 2 * b / denominator, -2 * a / denominator
    return (ga * ga * a * (1 - a) + gb * gb * b * (1 - b) - 2 * ga * gb * a * b) / n


def _mean_variance(total: float, squares: float, n: float) -> tuple[float, float]:
    """Mean and variance of the mean of n values from their sum and sum of squares."""
    mean = total / n
    spread = max(0.0, (squares - n * mean * mean) / (n - 1)) if n > 1 else 0.0
    return mean, spread / n


def quality_comparison(challenger: VariantData, champion: VariantData, metric: str, problem_type: str, *,
                       matters: float | None, plan_alpha: float) -> Comparison:
    """The workspace's quality metric, on the labels each variant's monitoring runs counted (once each)."""
    q1, q2 = challenger.quality, champion.quality
    names = (challenger.name, champion.name)
    note = ""
    if problem_type == "multiclass" and metric != "accuracy":
        note = f"macro-averaged {metric} has no per-request outcome to pool: the readout compares accuracy"
        metric = "accuracy"
    if metric == "r2":
        note = "R² is compared through RMSE (both variants see the same traffic, so the lower RMSE has the higher R²)"
        metric = "rmse"
    better = "higher" if metric in HIGHER_IS_BETTER else "lower"
    values = (q1.value(metric), q2.value(metric))
    label = metric.upper() if metric in ("auc", "mae", "rmse") else metric
    if metric in ("accuracy", "precision", "recall"):
        trials = {"accuracy": (q1.labeled, q2.labeled), "precision": (q1.tp + q1.fp, q2.tp + q2.fp),
                  "recall": (q1.tp + q1.fn, q2.tp + q2.fn)}[metric]
        wrong = {"accuracy": (q1.labeled - q1.correct, q2.labeled - q2.correct), "precision": (q1.fp, q2.fp),
                 "recall": (q1.fn, q2.fn)}[metric]
        found = rate_comparison(*names, label, wrong, trials, matters=matters or QUALITY_DIFFERENCE,
                                plan_alpha=plan_alpha, better_when=better, values=values, unit=QUALITY_UNIT)
        return _with_note(found, note)
    default = QUALITY_DIFFERENCE if metric in ("f1", "auc") else (
        RELATIVE_DIFFERENCE * values[1] if values[1] else 0.0)
    matters = matters if matters is not None else default
    sizes = (q1.labeled, q2.labeled)
    short = _quality_shortfall(metric, q1, q2, names)
    if short or not matters:
        return _not_yet(*names, label, "normal mixture (sequential)", better, values,
                        Planned(sizes[0] + sizes[1], None, QUALITY_UNIT), matters,
                        "; ".join(x for x in (short or "no champion value yet", note) if x))
    if metric == "f1":
        variances, method = (_f1_variance(q1), _f1_variance(q2)), "delta method, normal mixture (sequential)"
    elif metric == "auc":
        variances = (q1.auc_variance / q1.auc_pairs ** 2, q2.auc_variance / q2.auc_pairs ** 2)
        method = "DeLong variance, normal mixture (sequential)"
    elif metric == "mae":
        variances = (_mean_variance(q1.abs_error, q1.sq_error, q1.labeled)[1],
                     _mean_variance(q2.abs_error, q2.sq_error, q2.labeled)[1])
        method = "normal mixture (sequential)"
    else:  # rmse: the delta method from the variance of the squared errors' mean
        variances = tuple(_mean_variance(q.sq_error, q.fourth_error, q.labeled)[1] / (4 * q.sq_error / q.labeled)
                          for q in (q1, q2))
        method = "delta method, normal mixture (sequential)"
    found = _normal(*names, label, method, better, (values[0], values[1]), variances, sizes, matters=matters,
                    plan_alpha=plan_alpha, unit=QUALITY_UNIT)
    return _with_note(found, note)


def _quality_shortfall(metric: str, q1: QualityCounts, q2: QualityCounts, names: tuple[str, str]) -> str:
    for q, name in zip((q1, q2), names):
        if q.labeled < MIN_LABELED:
            return f"needs at least {MIN_LABELED} labeled records per variant ({name} has {q.labeled:g})"
        if metric in ("f1", "auc"):
            positives, negatives = q.tp + q.fn, q.fp + q.tn
            if min(positives, negatives) < MIN_CLASS_RECORDS:
                return (f"needs at least {MIN_CLASS_RECORDS} labeled records of each class per variant "
                        f"({name} has {positives:g} positive, {negatives:g} negative)")
            if metric == "auc" and not q.auc_pairs:
                return f"{name}'s model answered no scores (probabilities), so there is no AUC"
        if metric == "rmse" and q.sq_error == 0:
            return f"{name}'s predictions have no error at all: the test cannot judge"
    return ""


def _with_note(found: Comparison, note: str) -> Comparison:
    if not note:
        return found
    joined = "; ".join(x for x in (found.note, note) if x)
    return Comparison(**{**found.__dict__, "note": joined})
