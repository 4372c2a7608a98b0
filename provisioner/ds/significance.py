"""Significance tests of the A/B readout, in plain Python (no scipy in the CLI's environment).

- rates (error shares): the two-proportion z-test with the pooled proportion;
- means (latency, model quality per run): Welch's t-test (unequal variances,
  Welch-Satterthwaite degrees of freedom), p from Student's t distribution via
  the regularized incomplete beta function (Numerical Recipes' continued fraction).

Each test says "not enough data" instead of a p-value when its usual
large-sample conditions do not hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

ALPHA = 0.05
MIN_EXPECTED = 5  # z-test: at least 5 expected events and non-events in each group
MIN_SAMPLES = 5  # Welch: at least 5 values per group


@dataclass(frozen=True)
class TestResult:
    test: str
    statistic: float | None
    p_value: float | None
    enough_data: bool
    note: str = ""

    @property
    def significant(self) -> bool:
        return self.enough_data and self.p_value is not None and self.p_value < ALPHA

    def to_dict(self) -> dict[str, object]:
        return {"test": self.test, "statistic": self.statistic, "p_value": self.p_value,
                "enough_data": self.enough_data, "significant": self.significant, "note": self.note}


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def two_proportion_z_test(x1: float, n1: float, x2: float, n2: float) -> TestResult:
    """Is x1/n1 different from x2/n2? (events x out of trials n in each group)"""
    name = "two-proportion z-test"
    if n1 <= 0 or n2 <= 0:
        return TestResult(name, None, None, False, "no traffic in one of the groups")
    pooled = (x1 + x2) / (n1 + n2)
    expected = min(n * p for n in (n1, n2) for p in (pooled, 1 - pooled))
    if expected < MIN_EXPECTED:
        return TestResult(name, None, None, False,
                          f"needs at least {MIN_EXPECTED} expected events and non-events per variant")
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x1 / n1 - x2 / n2) / se
    return TestResult(name, z, normal_two_sided_p(z), True)


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
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1 - front * _beta_continued_fraction(b, a, 1 - x) / b


def student_t_two_sided_p(t: float, df: float) -> float:
    return regularized_incomplete_beta(df / 2, 0.5, df / (df + t * t))


def welch_t_test(a: Sequence[float], b: Sequence[float]) -> TestResult:
    """Is the mean of `a` different from the mean of `b`? (unequal variances)"""
    name = "Welch's t-test"
    if len(a) < MIN_SAMPLES or len(b) < MIN_SAMPLES:
        return TestResult(name, None, None, False, f"needs at least {MIN_SAMPLES} values per variant "
                          f"(has {len(a)} and {len(b)})")
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    var_a = sum((x - mean_a) ** 2 for x in a) / (len(a) - 1)
    var_b = sum((x - mean_b) ** 2 for x in b) / (len(b) - 1)
    se2 = var_a / len(a) + var_b / len(b)
    if se2 == 0:
        p = 1.0 if mean_a == mean_b else 0.0
        return TestResult(name, None, p, True, "no variance within the variants")
    t = (mean_a - mean_b) / math.sqrt(se2)
    df = se2 ** 2 / ((var_a / len(a)) ** 2 / (len(a) - 1) + (var_b / len(b)) ** 2 / (len(b) - 1))
    return TestResult(name, t, student_t_two_sided_p(t, df), True)
