"""The evaluation script the monitoring pipeline runs, on files in SageMaker's data capture format.

The files are generated here as SageMaker writes them: JSON Lines under
`data-capture/<endpoint>/<variant>/yyyy/mm/dd/hh/`, each line a `captureData`
record with `endpointInput`/`endpointOutput`, `eventMetadata.inferenceTime` and
`eventMetadata.inferenceId` when the caller sent one. Reference values come
from hand computation or from scipy (an independent implementation).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path

import pytest
from capture_helpers import (
    BASELINE,
    ENDPOINT,
    HOUR,
    NOW,
    capture_key,
    capture_line,
    ground_truth_line,
    truth_key,
    write,
)

from provisioner.monitoring import evaluate


def run(root: Path, variants: list[str], problem_type: str = "binary", window_hours: int = 1, now: dt.datetime = NOW,
        mode: str = "scheduled", quality_hours: int = 168) -> dict:
    return evaluate.run(
        evaluate.DirStore(str(root)), workspace="recsys-ab", endpoint=ENDPOINT, variants=variants,
        problem_type=problem_type, capture_prefix="data-capture", ground_truth_prefix="ground-truth",
        baseline_key="monitoring/baseline/baseline.json", report_prefix="monitoring/reports",
        window_hours=window_hours, quality_hours=quality_hours, max_drift_psi=0.2, now=now, mode=mode,
        publish_metrics=False)


def at(hour: dt.datetime, minute: int = 5) -> dt.datetime:
    return hour + dt.timedelta(minutes=minute)


# --- windows --------------------------------------------------------------------------------------------

def test_hourly_runs_read_each_completed_hour_once_and_never_the_running_one(tmp_path):
    # GIVEN 600 captures in each of the hours 11, 12 and 13, and 50 in the running hour 14
    for hours_back, count in ((3, 600), (2, 600), (1, 600), (0, 50)):
        hour = HOUR.replace(hour=14) - dt.timedelta(hours=hours_back)
        write(tmp_path, capture_key("champion", hour), [capture_line([40, "pro"], "1", when=at(hour))] * count)
    # WHEN the hourly schedule runs at 14:15
    first = run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 30, 14, 15))
    # THEN it read the hour that has ended (13:00-14:00), all 600 of it
    assert first["window"] == {"start": "2026-11-30T13:00:00Z", "end": "2026-11-30T14:00:00Z"}
    assert first["variants"]["champion"]["captured_records"] == 600
    # AND the next run reads the 50 of hour 14, and a run two hours later catches up on the two hours it missed
    write(tmp_path, capture_key("champion", HOUR.replace(hour=16)),
          [capture_line([40, "pro"], "1", when=at(HOUR.replace(hour=16)))] * 7)
    assert run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 30, 15, 15))["variants"]["champion"][
        "captured_records"] == 50
    late = run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 30, 17, 15))
    assert late["window"] == {"start": "2026-11-30T15:00:00Z", "end": "2026-11-30T17:00:00Z"}
    assert late["variants"]["champion"]["captured_records"] == 7


def test_daily_run_reads_the_whole_previous_day_including_its_first_hour(tmp_path):
    # GIVEN captures at 00:05 and 23:55 of 29 November, and at 00:05 of the 30th
    day = dt.datetime(2026, 11, 29)
    for when, count in ((at(day), 3), (at(day.replace(hour=23), 55), 4), (at(day + dt.timedelta(days=1)), 5)):
        write(tmp_path, capture_key("champion", when.replace(minute=0), f"{when:%H%M}.jsonl"),
              [capture_line([40, "pro"], "1", when=when)] * count)
    # WHEN the daily schedule runs at 00:15 on the 30th
    report = run(tmp_path, ["champion"], window_hours=24, now=dt.datetime(2026, 11, 30, 0, 15))
    # THEN the day from midnight to midnight was read: its first and last hour, not the new day
    assert report["window"] == {"start": "2026-11-29T00:00:00Z", "end": "2026-11-30T00:00:00Z"}
    assert report["variants"]["champion"]["captured_records"] == 3 + 4


def test_a_record_in_the_next_hours_folder_counts_in_the_hour_it_was_made(tmp_path):
    # GIVEN a capture file opened at 13:58 that SageMaker wrote into the 14:00 folder with a record of 13:59
    write(tmp_path, capture_key("champion", HOUR.replace(hour=14)),
          [capture_line([40, "pro"], "1", when=at(HOUR, 59)), capture_line([40, "pro"], "1", when=at(HOUR.replace(hour=14), 1))])
    # WHEN the 14:15 run reads 13:00-14:00
    part = run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 30, 14, 15))["variants"]["champion"]
    # THEN the 13:59 record counts, the 14:01 one waits for the next run
    assert part["captured_records"] == 1


def test_a_second_run_in_the_same_hour_finds_nothing_new_and_keeps_the_window(tmp_path):
    # GIVEN a scheduled run at 14:15
    run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 30, 14, 15))
    state = (tmp_path / "monitoring/reports/state.json").read_text()
    # WHEN someone runs the scheduled mode again at 14:50
    again = run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 30, 14, 50))
    # THEN it says there is nothing new, evaluates nothing and leaves the window where it was
    assert any(note.startswith("nothing new") for note in again["notes"]) and again["variants"] == {}
    assert (tmp_path / "monitoring/reports/state.json").read_text() == state == '{"window_end": "2026-11-30T14:00:00Z"}'


def test_preview_reads_up_to_now_and_leaves_the_window_to_the_schedule(tmp_path):
    # GIVEN a scheduled run at 14:15, then 20 captures at 14:30
    run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 30, 14, 15))
    write(tmp_path, capture_key("champion", HOUR.replace(hour=14)),
          [capture_line([40, "pro"], "1", when=at(HOUR.replace(hour=14), 30))] * 20)
    # WHEN a preview runs at 14:40
    preview = run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 30, 14, 40), mode="preview")
    # THEN it read the running hour up to now, and says it is a preview
    assert preview["window"] == {"start": "2026-11-30T14:00:00Z", "end": "2026-11-30T14:40:00Z"}
    assert preview["mode"] == "preview" and preview["variants"]["champion"]["captured_records"] == 20
    assert (tmp_path / "monitoring/reports/runs/2026/11/30/144000-preview.json").is_file()
    # AND the next scheduled run still reads the whole hour 14
    assert run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 30, 15, 15))["variants"]["champion"][
        "captured_records"] == 20


def test_a_long_gap_is_cut_to_the_quality_lookback_and_said(tmp_path):
    # GIVEN a scheduled run, then none for ten days
    run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 20, 14, 15))
    # WHEN the schedule runs again
    report = run(tmp_path, ["champion"], now=dt.datetime(2026, 11, 30, 14, 15))
    # THEN it evaluates the last week only, and says what it left out
    assert report["window"] == {"start": "2026-11-23T14:00:00Z", "end": "2026-11-30T14:00:00Z"}
    assert any("was never evaluated" in note for note in report["notes"])


def test_each_label_is_counted_by_exactly_one_run_over_a_week_of_daily_runs(tmp_path):
    # GIVEN a week of captures with ids, and their labels uploaded 1 to 72 hours after each request
    rng = random.Random(5)
    start = dt.datetime(2026, 11, 20)
    truth: dict[str, tuple[str, str]] = {}  # id -> (prediction, label)
    uploads: dict[dt.datetime, list[str]] = {}
    for hour_index in range(7 * 24):
        hour = start + dt.timedelta(hours=hour_index)
        lines = []
        for k in range(6):
            rid = f"r{hour_index}-{k}"
            predicted, label = rng.choice("01"), rng.choice("01")
            truth[rid] = (predicted, label)
            lines.append(capture_line([40, "pro"], predicted, rid, when=at(hour, 10 * k)))
            uploaded = (hour + dt.timedelta(hours=rng.randint(1, 72))).replace(minute=0)
            uploads.setdefault(uploaded, []).append(ground_truth_line(rid, label))
        write(tmp_path, capture_key("champion", hour), lines)
    for hour, lines in uploads.items():
        write(tmp_path, truth_key(hour), lines)
    # WHEN the daily schedule runs every day at 00:15 for the week and the three days after
    reports = [run(tmp_path, ["champion"], window_hours=24, now=start + dt.timedelta(days=d, minutes=15))
               for d in range(1, 11)]
    # THEN every label was counted once: the runs' labeled records add up to the labels, and so do their counts
    counts = [r["variants"]["champion"]["quality"].get("counts") or {} for r in reports]
    assert sum(c.get("labeled", 0) for c in counts) == len(truth)
    expected_tp = sum(1 for p, t in truth.values() if p == t == "1")
    assert sum(c.get("tp", 0) for c in counts) == expected_tp
    assert sum(c.get("correct", 0) for c in counts) == sum(1 for p, t in truth.values() if p == t)


# --- drift ------------------------------------------------------------------------------------------------

def counts_of(baseline: dict, rows: list[dict]) -> list[evaluate.FeatureCounts]:
    found = [evaluate.FeatureCounts(f) for f in baseline["features"]]
    for row in rows:
        for counts in found:
            counts.add(row.get(counts.feature["name"]))
    return found


def test_drift_is_detected_on_a_shifted_feature_and_not_on_an_unshifted_one(tmp_path):
    # GIVEN a baseline of two features and 400 captured requests per variant
    write(tmp_path, "monitoring/baseline/baseline.json", [json.dumps(BASELINE)])
    rng = random.Random(7)
    same = [capture_line([rng.choice([20, 40, 50, 70]), rng.choice(["basic", "pro"])], "0.3") for _ in range(400)]
    # the challenger's users are all older than 60; their plans are as in the baseline
    older = [capture_line([rng.choice([65, 70, 80]), rng.choice(["basic", "pro"])], "0.3") for _ in range(400)]
    write(tmp_path, capture_key("champion", HOUR), same)
    write(tmp_path, capture_key("challenger", HOUR), older)
    # WHEN the evaluation runs
    report = run(tmp_path, ["champion", "challenger"])
    # THEN the challenger's age drifted (PSI far above 0.2, far beyond chance) and its plan did not
    challenger = report["variants"]["challenger"]["drift"]
    assert challenger["features"]["age"]["psi"] > 1.0 and challenger["features"]["age"]["p_value"] < 1e-6
    assert challenger["features"]["age"]["signals"] == ["distribution"]
    assert challenger["features"]["plan"]["psi"] < 0.05
    assert challenger["drifted"] == ["age"]
    assert challenger["max_psi"] == challenger["features"]["age"]["psi"]
    # AND nothing drifted on the champion
    champion = report["variants"]["champion"]["drift"]
    assert champion["drifted"] == [] and champion["max_psi"] < 0.05
    # AND the report was written, as the latest and as this run's
    latest = json.loads((tmp_path / "monitoring/reports/latest.json").read_text())
    assert latest == report
    assert (tmp_path / "monitoring/reports/runs/2026/11/30/142000.json").is_file()


def test_too_few_records_for_drift_say_so(tmp_path):
    # GIVEN only 5 captured requests
    write(tmp_path, "monitoring/baseline/baseline.json", [json.dumps(BASELINE)])
    write(tmp_path, capture_key("champion", HOUR), [capture_line([20, "pro"], "0.1") for _ in range(5)])
    # WHEN the evaluation runs
    drift = run(tmp_path, ["champion"])["variants"]["champion"]["drift"]
    # THEN no PSI is claimed, and the report says why
    assert drift["max_psi"] is None and "not enough data" in drift["note"] and drift["drifted"] == []


def test_thirty_records_from_the_baseline_itself_do_not_alarm_though_their_psi_is_large():
    # GIVEN 30 records drawn from a ten-bin baseline (PSI's mean at this size is about 0.5: chance alone)
    baseline = {"features": [{"name": "x", "type": "numeric", "bin_edges": list(range(1, 10)),
                              "proportions": [0.1] * 10}]}
    rng = random.Random(1)
    rows = [{"x": float(rng.randrange(10)) + 0.5} for _ in range(30)]
    # WHEN drift is judged
    result = evaluate.drift(baseline, counts_of(baseline, rows), 30, 0.2)
    # THEN the PSI is above the threshold but the test says it is chance: no alarm
    assert result["test_level"] == 0.01 / 2  # 1 % per run, over the feature's distribution and missing-share tests
    assert result["features"]["x"]["psi"] > 0.2
    assert result["features"]["x"]["p_value"] > result["test_level"] and result["drifted"] == []


def test_missing_values_are_drift_of_their_own():
    # GIVEN a feature that had no missing values in training and is missing in 60 of 100 requests
    baseline = {"features": [{"name": "age", "type": "numeric", "bin_edges": [30, 45, 60],
                              "proportions": [0.25] * 4}]}
    rows = [{"age": None} for _ in range(60)] + [{"age": float(20 + 15 * (i % 4))} for i in range(40)]
    # WHEN drift is judged
    found = evaluate.drift(baseline, counts_of(baseline, rows), 100, 0.2)["features"]["age"]
    # THEN the values that came are distributed as in training, but the missing share is drift
    assert found["psi"] < 0.05
    assert found["missing_share"] == 0.6 and found["signals"] == ["missing values"] and found["drifted"]


def test_missing_values_as_common_as_in_training_are_not_drift():
    # GIVEN a feature missing in 10 % of training rows and in 12 of 100 requests
    baseline = {"features": [{"name": "plan", "type": "categorical", "proportions": {"a": 0.5, "b": 0.5},
                              "missing": 0.1}]}
    rows = [{"plan": None} for _ in range(12)] + [{"plan": "ab"[i % 2]} for i in range(88)]
    # THEN nothing drifted
    assert evaluate.drift(baseline, counts_of(baseline, rows), 100, 0.2)["drifted"] == []


def test_text_in_a_numeric_feature_is_drift_not_skipped(tmp_path):
    # GIVEN requests whose age arrives as text ("forty") in 20 of 100
    write(tmp_path, "monitoring/baseline/baseline.json", [json.dumps(BASELINE)])
    lines = [capture_line(["forty" if i < 20 else 20 + 15 * (i % 4), "pro" if i % 2 else "basic"], "1")
             for i in range(100)]
    write(tmp_path, capture_key("champion", HOUR), lines)
    # WHEN the evaluation runs
    age = run(tmp_path, ["champion"])["variants"]["champion"]["drift"]["features"]["age"]
    # THEN the wrong type is counted and is drift
    assert age["wrong_type"] == 20 and "wrong type" in age["signals"]


def test_psi_counts_an_empty_bin_as_epsilon_on_either_side():
    from scipy.special import rel_entr

    # GIVEN distributions with a bin empty in the data, a bin empty in the baseline (an unseen category) and both
    cases = [([0.5, 0.3, 0.2], [0.7, 0.0, 0.3]), ([0.6, 0.4, 0.0], [0.5, 0.3, 0.2]), ([0.5, 0.5, 0.0], [1.0, 0.0, 0.0]),
             ([0.49995, 0.5, 0.00005], [0.5, 0.4, 0.1])]  # a bin below the epsilon counts as the epsilon too
    for expected, actual in cases:
        e = [max(x, evaluate.PSI_EPSILON) for x in expected]
        a = [max(x, evaluate.PSI_EPSILON) for x in actual]
        # THEN PSI is the Jeffreys divergence of the two with empty bins at 1e-4 (scipy's relative entropy)
        reference = float(sum(rel_entr(a, e)) + sum(rel_entr(e, a)))
        assert evaluate.psi(expected, actual) == pytest.approx(reference, rel=1e-12)
    # AND the value of the first case, by hand: 0.2 ln(0.7/0.5) + (1e-4 - 0.3) ln(1e-4/0.3) + 0.1 ln(0.3/0.2)
    hand = 0.2 * math.log(1.4) + (1e-4 - 0.3) * math.log(1e-4 / 0.3) + 0.1 * math.log(1.5)
    assert evaluate.psi(*cases[0]) == pytest.approx(hand, rel=1e-12)
    assert evaluate.psi([0.25] * 4, [0.25] * 4) == 0


@pytest.mark.parametrize(("statistic", "df"), [(0.5, 1), (3.84, 1), (11.3, 3), (0.2, 7), (45.0, 9), (250.0, 40)])
def test_chi_square_tail_matches_scipy(statistic, df):
    from scipy.stats import chi2

    assert evaluate.chi2_sf(statistic, df) == pytest.approx(chi2.sf(statistic, df), rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(("k", "n", "p"), [(1, 10, 0.05), (7, 20, 0.1), (60, 100, 0.0), (60, 100, 0.3),
                                           (12, 100, 0.1), (480, 1000, 0.45), (0, 5, 0.2)])
def test_binomial_tail_matches_scipy(k, n, p):
    from scipy.stats import binom

    # P(X >= k) = binom.sf(k - 1)
    assert evaluate.binomial_sf(k, n, p) == pytest.approx(binom.sf(k - 1, n, p), rel=1e-9, abs=1e-300)


def test_chi_square_merges_bins_expected_below_five():
    # GIVEN proportions whose small bins expect fewer than 5 of 40 records
    merged_e, merged_c = evaluate.merged_bins([0.5 * 40, 0.05 * 40, 0.05 * 40, 0.1 * 40, 0.3 * 40], [18, 3, 1, 6, 12])
    # THEN neighbours are merged until each expects at least 5; counts follow their bins
    assert merged_e == [20, 8, 12] and merged_c == [18, 10, 12]
    # AND the p-value is scipy's chi-square test on the merged bins
    from scipy.stats import chisquare

    expected = chisquare([18, 10, 12], [20, 8, 12]).pvalue
    assert evaluate.chi_square_p([0.5, 0.05, 0.05, 0.1, 0.3], [18, 3, 1, 6, 12]) == pytest.approx(expected, rel=1e-9)


# --- quality ----------------------------------------------------------------------------------------------

def test_binary_quality_equals_hand_computed_metrics(tmp_path):
    # GIVEN six labeled requests with captured probabilities
    #   id:    a    b    c    d    e    f
    #   p:    0.9  0.8  0.3  0.6  0.2  0.1   -> predicted 1 1 0 1 0 0 (threshold 0.5)
    #   true:  1    1    1    0    0    0
    probabilities = {"a": "0.9", "b": "0.8", "c": "0.3", "d": "0.6", "e": "0.2", "f": "0.1"}
    truth = {"a": "1", "b": "1", "c": "1", "d": "0", "e": "0", "f": "0"}
    write(tmp_path, capture_key("champion", HOUR), [capture_line([40, "pro"], p, i) for i, p in probabilities.items()])
    write(tmp_path, truth_key(HOUR), [ground_truth_line(i, t) for i, t in truth.items()])
    # WHEN the evaluation runs
    quality = run(tmp_path, ["champion"])["variants"]["champion"]["quality"]
    # THEN TP=2 (a, b), FP=1 (d), FN=1 (c), TN=2 (e, f)
    assert quality["labeled"] == 6
    counts = dict(quality["counts"])
    assert counts.pop("auc_variance") > 0
    assert counts == {"labeled": 6, "correct": 4, "tp": 2, "fp": 1, "fn": 1, "tn": 2, "auc_pairs": 9, "auc_concordant": 8}
    assert quality["accuracy"] == pytest.approx(4 / 6)
    assert quality["precision"] == pytest.approx(2 / 3)
    assert quality["recall"] == pytest.approx(2 / 3)
    assert quality["f1"] == pytest.approx(2 / 3)
    # AND AUC: of the 9 positive/negative pairs, 8 rank the positive higher (c=0.3 < d=0.6 is the miss)
    assert quality["auc"] == pytest.approx(8 / 9)


def test_auc_counts_match_mann_whitney_and_an_independent_delong_variance():
    import numpy as np
    from scipy.stats import mannwhitneyu

    # GIVEN scores with ties, 37 positives and 51 negatives
    rng = np.random.default_rng(3)
    pos = np.round(rng.normal(0.6, 0.2, 37), 1)
    neg = np.round(rng.normal(0.4, 0.2, 51), 1)
    pairs, concordant, variance = evaluate.auc_counts(list(pos) + list(neg), [True] * 37 + [False] * 51)
    # THEN the concordant pairs are scipy's Mann-Whitney U
    assert pairs == 37 * 51
    assert concordant == pytest.approx(mannwhitneyu(pos, neg).statistic)
    # AND the variance is DeLong's, computed here directly from the placements over all pairs
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    delong = v10.var(ddof=1) / 37 + v01.var(ddof=1) / 51
    assert variance == pytest.approx(delong * pairs ** 2, rel=1e-9)


def test_multiclass_quality_is_macro_averaged():
    # GIVEN labels as outputs (no probabilities), three classes
    #   predicted: x x y z z y ; true: x y y z x z
    quality = evaluate.Quality("multiclass", [], "1", False, "seed")
    for predicted, true in [("x", "x"), ("x", "y"), ("y", "y"), ("z", "z"), ("z", "x"), ("y", "z")]:
        quality.add(evaluate.Answer(label=predicted), true)
    result = quality.result()
    # THEN per class: x P=1/2 R=1/2, y P=1/2 R=1/2, z P=1/2 R=1/2 -> macro 1/2; accuracy 3/6
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["precision"] == pytest.approx(0.5)
    assert result["recall"] == pytest.approx(0.5)
    assert result["f1"] == pytest.approx(0.5)
    assert result["counts"] == {"labeled": 6, "correct": 3}
    # AND without probabilities there is no AUC
    assert "auc" not in result


def test_multiclass_auc_comes_from_captured_probability_vectors():
    # GIVEN probability vectors in the order of the baseline's classes, perfectly ranked for every class
    quality = evaluate.Quality("multiclass", ["a", "b", "c"], "c", False, "seed")
    for vector, true in [([0.8, 0.1, 0.1], "a"), ([0.1, 0.7, 0.2], "b"), ([0.2, 0.2, 0.6], "c"), ([0.6, 0.3, 0.1], "a")]:
        quality.add(evaluate.Answer(vector=vector), true)
    result = quality.result()
    # THEN every prediction is right and the one-vs-rest AUC is 1
    assert result["accuracy"] == 1 and result["auc"] == 1


def test_regression_quality_equals_hand_computed_metrics(tmp_path):
    # GIVEN predictions 2, 4, 7 for true values 3, 4, 5
    write(tmp_path, capture_key("primary", HOUR),
          [capture_line([40, "pro"], p, i) for i, p in (("r1", "2"), ("r2", "4"), ("r3", "7"))])
    write(tmp_path, truth_key(HOUR), [json.dumps({"inferenceId": i, "label": v}) for i, v in (("r1", 3), ("r2", 4), ("r3", 5))])
    # WHEN the evaluation runs as regression
    quality = run(tmp_path, ["primary"], problem_type="regression")["variants"]["primary"]["quality"]
    # THEN errors -1, 0, 2: MAE 1, RMSE sqrt(5/3), R2 = 1 - 5/2 (mean 4, total sum of squares 2)
    assert quality["mae"] == pytest.approx(1.0)
    assert quality["rmse"] == pytest.approx(math.sqrt(5 / 3))
    assert quality["r2"] == pytest.approx(1 - 5 / 2)
    # AND the sums the A/B readout pools: |e| 3, e^2 5, e^4 17, y 12, y^2 50
    assert quality["counts"] == {"labeled": 3, "abs_error": 3, "sq_error": 5, "fourth_error": 17, "label_sum": 12,
                                 "label_sq": 50}


def test_records_without_ground_truth_or_inference_id_are_counted_not_fatal(tmp_path):
    # GIVEN 4 requests: 2 labeled, 1 whose label has not arrived, 1 sent without an InferenceId
    lines = [capture_line([40, "pro"], "1", "a"), capture_line([40, "pro"], "0", "b"),
             capture_line([40, "pro"], "1", "late"), capture_line([40, "pro"], "1", None)]
    write(tmp_path, capture_key("champion", HOUR), lines)
    write(tmp_path, truth_key(HOUR), [ground_truth_line("a", "1"), ground_truth_line("b", "1"),
                                      ground_truth_line("gone", "1")])
    # WHEN the evaluation runs
    report = run(tmp_path, ["champion"])
    part = report["variants"]["champion"]
    # THEN quality covers the 2 joined records and the others are counted
    assert part["quality"]["labeled"] == 2 and part["quality"]["accuracy"] == pytest.approx(0.5)
    assert part["skipped"]["without_inference_id"] == 1
    assert part["captured_records"] == 4
    assert report["ground_truth"]["without_capture"] == 1  # "gone": no capture of the last week


def test_malformed_lines_are_skipped_with_a_count(tmp_path):
    # GIVEN a capture file with two good lines, a truncated line, a line of another format and a blank line
    write(tmp_path, "monitoring/baseline/baseline.json", [json.dumps(BASELINE)])
    good = capture_line([40, "pro"], "1", "a")
    write(tmp_path, capture_key("champion", HOUR), [good, good[:40], '{"hello": 1}', "", good])
    # AND a ground-truth file with one broken line
    write(tmp_path, truth_key(HOUR), [ground_truth_line("a", "1"), "not json"])
    # WHEN the evaluation runs
    report = run(tmp_path, ["champion"])
    part = report["variants"]["champion"]
    # THEN the good lines count, the bad ones are reported and the run finished
    assert part["captured_records"] == 2
    assert part["skipped"]["malformed_lines"] == 2
    assert report["ground_truth"]["records"] == 1 and report["ground_truth"]["malformed_lines"] == 1
    assert part["quality"]["accuracy"] == 1


# --- output formats ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "text", "answer"), [
    ("application/json", '{"predictions": [[0.9]]}', evaluate.Answer(probability=0.9, value=0.9)),  # TF-Serving
    ("application/json", '{"predictions": [[0.1, 0.9]]}', evaluate.Answer(vector=[0.1, 0.9])),
    ("application/json", '{"predictions": [0.3]}', evaluate.Answer(probability=0.3, value=0.3)),
    ("application/json", '{"predictions": [{"score": 0.9, "predicted_label": 1}]}',  # built-in binary
     evaluate.Answer(label="1", probability=0.9, value=0.9)),
    ("application/json", '{"predictions": [{"score": [0.1, 0.7, 0.2], "predicted_label": 1}]}',  # built-in multiclass
     evaluate.Answer(label="1", vector=[0.1, 0.7, 0.2], value=1.0)),
    ("application/json", '{"predictions": [{"score": 3.25}]}', evaluate.Answer(value=3.25)),  # built-in regression
    ("application/json", '{"probabilities": [0.2, 0.8]}', evaluate.Answer(vector=[0.2, 0.8])),
    ("application/json", "[[0.2, 0.8], [0.6, 0.4]]", evaluate.Answer(vector=[0.2, 0.8])),  # a batch: its first
    ("application/jsonlines", '{"prediction": 0.7}\n{"prediction": 0.1}', evaluate.Answer(probability=0.7, value=0.7)),
    ("application/json", '"cat"', evaluate.Answer(label="cat")),
    ("text/csv", "0.1,0.9", evaluate.Answer(vector=[0.1, 0.9])),
    ("text/csv", "0.75", evaluate.Answer(probability=0.75, value=0.75)),
    ("text/csv", "1", evaluate.Answer(label="1", value=1.0)),
    ("text/csv", "dog", evaluate.Answer(label="dog")),
])
def test_common_sagemaker_output_formats_are_read(kind, text, answer):
    assert evaluate.parse_output(kind, text) == answer


@pytest.mark.parametrize("text", ['{"result": 1}', '{"predictions": []}', '{"predictions": [["a", 0.2]]}', "{}"])
def test_unreadable_outputs_raise_instead_of_being_guessed(text):
    with pytest.raises(ValueError):
        evaluate.parse_output("application/json", text)


def binary(answers: list, truths: list, classes: list[str] = (), positive: str = "1") -> dict:
    quality = evaluate.Quality("binary", list(classes), positive, False, "seed")
    for answer, truth in zip(answers, truths):
        quality.add(answer, truth)
    return quality.result()


def test_a_perfect_model_answering_in_tf_serving_format_scores_f1_one():
    # GIVEN a model whose TF-Serving answers give the positive class 0.9 and the negative 0.1, always right
    answers = [evaluate.parse_output("application/json", json.dumps({"predictions": [[p]]})) for p in (0.9, 0.1) * 5]
    # THEN F1 and AUC are 1 (not class 0 for every answer)
    result = binary(answers, ["1", "0"] * 5)
    assert result["f1"] == 1 and result["auc"] == 1 and result["unreadable_outputs"] == 0


def test_one_rule_for_positive_label_probabilities_belong_to_it():
    # GIVEN positive_label "0", classes ["0", "1"]
    vector = [evaluate.Answer(vector=[0.8, 0.2]), evaluate.Answer(vector=[0.3, 0.7])]
    bare = [evaluate.Answer(probability=0.8, value=0.8), evaluate.Answer(probability=0.3, value=0.3)]
    # THEN a vector's probability of "0" and a bare probability (of "0") say the same: the first answer is "0"
    for answers in (vector, bare):
        result = binary(answers, ["0", "1"], classes=["0", "1"], positive="0")
        assert result["counts"]["tp"] == 1 and result["counts"]["tn"] == 1 and result["accuracy"] == 1


def test_answers_outside_the_classes_are_counted_as_unreadable():
    # GIVEN classes ["0", "1"] and an answer "2" and one with no usable value
    result = binary([evaluate.Answer(label="2"), None, evaluate.Answer(label="1")], ["1", "1", "1"],
                    classes=["0", "1"])
    # THEN they are counted, and the metrics cover the readable one only
    assert result["unreadable_outputs"] == 2 and result["labeled"] == 1 and result["recall"] == 1


# --- bounded memory ---------------------------------------------------------------------------------------

def test_auc_uses_a_bounded_sample_and_says_so(monkeypatch):
    # GIVEN at most 100 scores kept per variant and 1000 labeled answers
    monkeypatch.setattr(evaluate, "AUC_SAMPLE", 100)
    rng = random.Random(2)
    truths = [rng.choice("01") for _ in range(1000)]
    answers = [evaluate.Answer(probability=min(0.99, max(0.01, (0.7 if t == "1" else 0.3) + rng.gauss(0, 0.2))))
               for t in truths]
    result = binary(answers, truths)
    # THEN the counts cover all 1000 answers, AUC a uniform sample of 100, and the report gives its size
    assert result["labeled"] == 1000 and result["auc_sample"] == 100
    assert 0.75 < result["auc"] < 1


def test_labels_beyond_the_limit_are_thinned_by_id_and_the_report_says_so():
    # GIVEN room for 100 labels and 1000 uploaded
    labels = evaluate.Labels(limit=100)
    for i in range(1000):
        labels.add_line(json.dumps({"inferenceId": f"id-{i}", "label": 1}))
    # THEN at most 100 are kept, chosen by a hash of the id (the same ones whatever the order), and it is said
    assert 25 <= len(labels.labels) <= 100
    again = evaluate.Labels(limit=100)
    for i in reversed(range(1000)):
        again.add_line(json.dumps({"inferenceId": f"id-{i}", "label": 1}))
    assert set(again.labels) == set(labels.labels)
    assert labels.to_dict()["records"] == 1000 and "sample" in labels.to_dict()["note"]


# --- parsing and baselines --------------------------------------------------------------------------------

def test_json_requests_and_base64_payloads_are_read():
    # GIVEN a JSON request with named features, and a base64-encoded CSV request
    import base64

    named = json.dumps({"captureData": {
        "endpointInput": {"observedContentType": "application/json", "mode": "INPUT",
                          "data": json.dumps({"instances": [{"age": 33, "plan": "pro"}]}), "encoding": "JSON"},
        "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                           "data": json.dumps({"predictions": [0.7]}), "encoding": "JSON"}},
        "eventMetadata": {"eventId": "e1", "inferenceId": "i1", "inferenceTime": "2026-11-30T13:05:00Z"},
        "eventVersion": "0"})
    encoded = json.dumps({"captureData": {
        "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                          "data": base64.b64encode(b"51,basic").decode(), "encoding": "BASE64"}},
        "eventMetadata": {"eventId": "e2"}, "eventVersion": "0"})
    # WHEN they are parsed with the baseline's feature order
    first = evaluate.parse_capture_line(named, ["age", "plan"])
    second = evaluate.parse_capture_line(encoded, ["age", "plan"])
    # THEN both give the features by name, the time of the request when SageMaker recorded it
    assert first.features == {"age": 33.0, "plan": "pro"} and first.inference_id == "i1"
    assert first.output == evaluate.Answer(probability=0.7, value=0.7) and first.time == dt.datetime(2026, 11, 30, 13, 5)
    assert second.features == {"age": 51.0, "plan": "basic"} and second.inference_id is None and second.time is None


def test_baseline_from_training_data_shows_no_drift_on_that_data():
    # GIVEN training rows, one in twenty without a plan
    rng = random.Random(3)
    rows = [{"age": str(rng.randint(18, 90)), "plan": "" if i % 20 == 0 else rng.choice(["basic", "pro", "team"])}
            for i in range(1000)]
    # WHEN a baseline is made from them and the same data is compared with it
    baseline = evaluate.make_baseline(rows, ["age", "plan"])
    values = [{"age": evaluate._number(r["age"]), "plan": evaluate._number(r["plan"])} for r in rows]
    result = evaluate.drift(baseline, counts_of(baseline, values), len(rows), 0.2)
    # THEN numeric and categorical features are recognised, the missing share is recorded and nothing drifted
    assert [f["type"] for f in baseline["features"]] == ["numeric", "categorical"]
    assert baseline["features"][1]["missing"] == 0.05 and "missing" not in baseline["features"][0]
    assert result["max_psi"] < 0.01 and result["drifted"] == []


def test_baseline_command_writes_the_documented_format(tmp_path, capsys):
    # GIVEN a training CSV with a header row
    data = tmp_path / "train.csv"
    data.write_text("age,plan\n" + "".join(f"{20 + i % 50},{'pro' if i % 3 else 'basic'}\n" for i in range(200)))
    # WHEN the script's baseline command runs
    assert evaluate.main(["baseline", str(data), "--classes", "0,1"]) == 0
    baseline = json.loads(capsys.readouterr().out)
    # THEN it is the format the evaluation reads
    assert baseline["version"] == 1 and baseline["classes"] == ["0", "1"]
    age = baseline["features"][0]
    assert len(age["proportions"]) == len(age["bin_edges"]) + 1
    assert sum(age["proportions"]) == pytest.approx(1, abs=1e-4)
