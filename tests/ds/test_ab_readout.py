"""The A/B readout's arithmetic: what it claims, and when it refuses to, on hand-made metrics (no AWS).

Reading CloudWatch is tested on the moto server (test_monitoring_commands.py);
the claims' error rates are measured by simulation (tests/error_rates/).
"""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from provisioner.ds.ab_measures import QualityCounts, VariantData, latency_comparison
from provisioner.ds.ab_report import (
    BETTER,
    NEGLIGIBLE,
    NO_DATA,
    NONE_FOUND,
    NOT_YET,
    WORSE,
    Settings,
    Start,
    parse_since,
    readout,
    render_text,
)
from provisioner.errors import InvalidInput

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.timezone.utc)
START = Start(NOW - dt.timedelta(days=7), "when the endpoint's configuration last changed", nested=True)
F1 = Settings(quality_metric="f1", problem_type="binary")


def wave(periods: int, level: float, seed: int, spread: float = 3.0) -> dict[int, float]:
    """Per-period average latency (ms): a level plus seeded noise (an AR(1), as real 5-minute averages are)."""
    rng, value, found = random.Random(seed), 0.0, {}
    for t in range(periods):
        value = 0.5 * value + rng.gauss(0.0, spread)
        found[t] = level + value
    return found


def variants(challenger: dict | None = None, champion: dict | None = None) -> list[VariantData]:
    """Champion and challenger; errors at 0.1 % (5XX) and 0.5 % (4XX) of their invocations unless given."""
    found = []
    for name, weight, given in (("champion", 80, champion or {}), ("challenger", 20, challenger or {})):
        invocations = given.get("invocations", 100000.0)
        found.append(VariantData(name, weight, **{"invocations": invocations, "errors_5xx": 0.001 * invocations,
                                                  "errors_4xx": 0.005 * invocations, **given}))
    return found


def judged(report, measure: str):  # noqa: ANN001, ANN201
    return next(j for j in report.judged if j.comparison.measure == measure)


def test_promotion_is_not_suggested_while_a_measure_has_no_data_though_another_is_better():
    # GIVEN a challenger far faster, with error counts like the champion's, and no labels yet
    found = variants({"latency": wave(2000, 40.0, 1)}, {"latency": wave(2000, 60.0, 2)})
    report = readout(found, F1, workspace="ab", endpoint="ep", start=START, end=NOW)
    # THEN latency says "challenger better", F1 "not enough data yet"
    assert judged(report, "mean latency (ms)").verdict == BETTER
    assert judged(report, "f1").verdict == NO_DATA
    # AND the conclusion names the better measure but suggests no promotion, saying what it waits for
    sentence = report.conclusions()["challenger"]
    assert "beats champion on mean latency (ms)" in sentence and "no promotion yet" in sentence and "f1" in sentence
    assert "endpoint promote" not in sentence


def test_promotion_is_suggested_when_better_somewhere_and_every_other_test_reached_its_sample():
    # GIVEN plenty of traffic with equal error rates, a faster challenger, and equal F1 on many labels
    quality = QualityCounts(labeled=200000, tp=46000, fp=14000, fn=14000, tn=126000)
    found = variants({"latency": wave(4000, 40.0, 1), "invocations": 4e6, "quality": quality},
                     {"latency": wave(4000, 60.0, 2), "invocations": 4e6, "quality": quality})
    report = readout(found, F1, workspace="ab", endpoint="ep", start=START, end=NOW)
    # THEN every other test found no difference at the sample it asked for, and a promotion is suggested
    assert [j.verdict for j in report.judged] == [NONE_FOUND, NONE_FOUND, BETTER, NONE_FOUND]
    assert report.conclusions()["challenger"].endswith("consider `provision endpoint promote ab challenger`")


def test_a_tiny_latency_difference_is_shown_as_too_small_to_matter():
    # GIVEN the challenger slower by 0.05 ms, measured very precisely, with 5 ms as the difference that matters
    champion = wave(4000, 60.0, 2)
    noise = wave(4000, 0.05, 3, spread=0.05)
    challenger = {t: v + noise[t] for t, v in champion.items()}
    found = variants({"latency": challenger}, {"latency": champion})
    report = readout(found, Settings("f1", "binary", latency_difference_ms=5.0), workspace="ab", endpoint="ep",
                     start=START, end=NOW)
    latency = judged(report, "mean latency (ms)")
    # THEN the difference is significant, but said to be too small to matter, and it is no reason to keep the champion
    assert latency.rejected and latency.verdict == NEGLIGIBLE
    assert "worse" not in report.conclusions()["challenger"]


def test_identical_values_give_no_certainty():
    # GIVEN latency with no variation at all in either variant (identical series)
    flat = {t: 50.0 for t in range(1000)}
    found = latency_comparison(VariantData("challenger", 20, latency=dict(flat)),
                               VariantData("champion", 80, latency=dict(flat)), matters_ms=2.0, plan_alpha=0.0125)
    # THEN the test cannot judge and says so, instead of a p-value of 0
    assert found.p_value is None and "no variation" in found.note


def test_small_error_counts_get_an_exact_answer_and_no_errors_at_all_a_finished_test():
    # GIVEN 5 of 200 errors against 20 of 5000 (the sample is small)
    small = readout(variants({"invocations": 200.0, "errors_5xx": 5.0}, {"invocations": 5000.0, "errors_5xx": 20.0}),
                    F1, workspace="ab", endpoint="ep", start=START, end=NOW)
    rate = judged(small, "5XX rate")
    # THEN the exact test answers with a p-value (no "not enough data"), and says how many requests it asks for
    assert rate.comparison.p_value is not None and rate.verdict == NOT_YET
    assert rate.comparison.planned.needed > 5200
    # AND with no 5XX at all in 200,000 requests per variant, the test has reached its sample: no difference found
    none = readout(variants({"invocations": 2e5, "errors_5xx": 0.0}, {"invocations": 2e5, "errors_5xx": 0.0}),
                   F1, workspace="ab", endpoint="ep", start=START, end=NOW)
    assert judged(none, "5XX rate").verdict == NONE_FOUND


def test_a_clearly_worse_challenger_is_called_worse_and_the_champion_kept():
    # GIVEN 48 5XX answers in 2,400 requests against 12 in 12,000
    report = readout(variants({"invocations": 2400.0, "errors_5xx": 48.0}, {"invocations": 12000.0, "errors_5xx": 12.0}),
                     F1, workspace="ab", endpoint="ep", start=START, end=NOW)
    assert judged(report, "5XX rate").verdict == WORSE
    assert report.conclusions()["challenger"] == "challenger is worse than champion on 5XX rate: keep champion"


def test_the_family_covers_every_measure_of_every_challenger():
    # GIVEN two challengers
    found = variants() + [VariantData("third", 10, invocations=1e5, errors_4xx=500.0, errors_5xx=100.0)]
    report = readout(found, F1, workspace="ab", endpoint="ep", start=START, end=NOW)
    # THEN eight comparisons share one 5 % false-claim rate, and the readout says so
    assert len(report.judged) == 8
    assert report.to_dict()["family"]["comparisons"] == 8
    assert "5 % family-wise false-claim rate over the 8 comparisons (Holm)" in report.family()


def test_multiclass_macro_metrics_are_compared_through_accuracy_and_it_says_why():
    found = variants({"quality": QualityCounts(labeled=500, correct=400)},
                     {"quality": QualityCounts(labeled=2000, correct=1500)})
    report = readout(found, Settings("f1", "multiclass"), workspace="ab", endpoint="ep", start=START, end=NOW)
    accuracy = report.judged[3].comparison
    assert accuracy.measure == "accuracy" and accuracy.challenger_value == 0.8 and "compares accuracy" in accuracy.note


def test_text_states_each_tests_method_sample_and_the_familys_error_rate():
    report = readout(variants(), F1, workspace="ab", endpoint="ep", start=START, end=NOW)
    text = render_text(report)
    assert "events test (exact, sequential)" in text and "paired batch means (sequential)" in text
    assert "200,000 of " in text and " requests" in text  # the sample column: what it has of what it asks for
    assert "family-wise false-claim rate" in text and "always-valid" in text


def test_since_takes_a_fixed_start_or_a_moving_window():
    # GIVEN a date, a time and a duration
    assert parse_since("2026-11-20", NOW).when == dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)
    assert parse_since("2026-11-20T14:30", NOW).nested
    moving = parse_since("7d", NOW)
    # THEN a duration is a window that moves, and the readout says looks on different days are not one test
    assert moving.when == NOW - dt.timedelta(days=7) and not moving.nested
    report = readout(variants(), F1, workspace="ab", endpoint="ep", start=moving, end=NOW)
    assert "moves with every look" in report.family()


@pytest.mark.parametrize("text", ["a week", "0d", "64d", "2027-01-01", "2026-09-01", "7x"])
def test_fails_when_since_is_not_a_past_start_within_63_days(text):
    with pytest.raises(InvalidInput) as raised:
        parse_since(text, NOW)
    assert all(p.field == "--since" for p in raised.value.problems)


def test_equal_rates_on_unequal_traffic_are_no_difference():
    # GIVEN the challenger on 20 % of the traffic with exactly the champion's error rates
    report = readout(variants({"invocations": 50000.0}, {"invocations": 200000.0}), F1, workspace="ab", endpoint="ep",
                     start=START, end=NOW)
    # THEN neither rate test claims anything (each error is the challenger's with probability 0.2, as observed)
    assert {judged(report, m).verdict for m in ("5XX rate", "4XX rate")} <= {NONE_FOUND, NOT_YET}
    assert judged(report, "5XX rate").comparison.p_value == 1.0


def test_samples_are_planned_at_holms_strictest_level():
    from provisioner.ds.ab_measures import rate_comparison

    # GIVEN two challengers: eight comparisons, the strictest Holm level 0.05 / 8
    found = variants() + [VariantData("third", 10, invocations=1e5, errors_4xx=500.0, errors_5xx=100.0)]
    report = readout(found, F1, workspace="ab", endpoint="ep", start=START, end=NOW)
    # THEN each test's sample is the one it needs at that level
    planned = rate_comparison("challenger", "champion", "5XX rate", (100.0, 100.0), (1e5, 1e5), matters=0.005,
                              plan_alpha=0.05 / 8).planned.needed
    assert judged(report, "5XX rate").comparison.planned.needed == pytest.approx(planned)


def test_too_small_to_matter_needs_the_whole_interval_inside_the_difference_that_matters():
    from provisioner.ds.ab_measures import Comparison, Planned
    from provisioner.ds.ab_report import judge
    from provisioner.ds.significance import normal_mixture_p

    def latency(variance: float):  # noqa: ANN202
        # a challenger 3 ms slower, 5 ms being the difference that matters, measured with this variance
        return Comparison("challenger", "champion", "mean latency (ms)", "test", "lower", 43.0, 40.0, 3.0,
                          normal_mixture_p(3.0, variance, 5.0), Planned(1000, 500, "periods"), 5.0,
                          variance=variance, tau=5.0)

    # GIVEN a precise estimate: significant, and its whole always-valid interval within 5 ms
    [precise] = judge([latency(0.25)], 0.05)
    assert precise.rejected and precise.verdict == NEGLIGIBLE
    # AND a rougher one: still significant, but its interval reaches past 5 ms, so it may matter
    [rough] = judge([latency(0.49)], 0.05)
    assert rough.rejected and rough.verdict == WORSE


def test_latency_uses_batches_of_m_to_the_0_6_with_students_t_for_few_batches():
    import numpy as np

    # GIVEN 168 paired periods (the minimum: 8 batches of 21)
    champion, challenger = wave(168, 40.0, 2), wave(168, 41.0, 5)
    found = latency_comparison(VariantData("challenger", 20, latency=challenger),
                               VariantData("champion", 80, latency=champion), matters_ms=2.0, plan_alpha=0.0125)
    d = np.array([challenger[t] - champion[t] for t in range(168)])
    means = d.reshape(8, 21).mean(axis=1)
    from scipy import stats

    # THEN the estimate is the batches' mean, and its variance the batch-means variance widened by t with 7 df
    plain = means.var(ddof=1) / 8
    t = means.mean() / math.sqrt(plain)
    z = stats.norm.isf(2 * stats.t.sf(abs(t), 7) / 2)
    assert found.difference == pytest.approx(means.mean())
    assert found.variance == pytest.approx(plain * (t / z) ** 2, rel=1e-9)
    assert found.variance > plain
