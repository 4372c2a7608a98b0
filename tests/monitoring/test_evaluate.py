"""The evaluation script the monitoring pipeline runs, on files in SageMaker's data capture format.

The files are generated here exactly as SageMaker writes them: JSON Lines
under `data-capture/<endpoint>/<variant>/yyyy/mm/dd/hh/`, each line a
`captureData` record with `endpointInput`/`endpointOutput` and
`eventMetadata.inferenceId` when the caller sent one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path

import pytest
from capture_helpers import BASELINE, ENDPOINT, NOW, capture_key, capture_line, ground_truth_line, write

from provisioner.monitoring import evaluate


def run(root: Path, variants: list[str], problem_type: str = "binary", window_hours: int = 1) -> dict:
    return evaluate.run(
        evaluate.DirStore(str(root)), workspace="recsys-ab", endpoint=ENDPOINT, variants=variants,
        problem_type=problem_type, capture_prefix="data-capture", ground_truth_prefix="ground-truth",
        baseline_key="monitoring/baseline/baseline.json", report_prefix="monitoring/reports",
        window_hours=window_hours, quality_hours=window_hours, max_drift_psi=0.2, now=NOW, publish_metrics=False)


def test_drift_is_detected_on_a_shifted_feature_and_not_on_an_unshifted_one(tmp_path):
    # GIVEN a baseline of two features and 400 captured requests per variant
    write(tmp_path, "monitoring/baseline/baseline.json", [json.dumps(BASELINE)])
    rng = random.Random(7)
    same = [capture_line([rng.choice([20, 40, 50, 70]), rng.choice(["basic", "pro"])], "0.3") for _ in range(400)]
    # the challenger's users are all older than 60; their plans are as in the baseline
    older = [capture_line([rng.choice([65, 70, 80]), rng.choice(["basic", "pro"])], "0.3") for _ in range(400)]
    write(tmp_path, capture_key("champion", NOW), same)
    write(tmp_path, capture_key("challenger", NOW), older)
    # WHEN the evaluation runs
    report = run(tmp_path, ["champion", "challenger"])
    # THEN the challenger's age drifted (PSI far above 0.2) and its plan did not
    challenger = report["variants"]["challenger"]["drift"]
    assert challenger["features"]["age"] > 1.0
    assert challenger["features"]["plan"] < 0.05
    assert challenger["drifted"] == ["age"]
    assert challenger["max_psi"] == challenger["features"]["age"]
    # AND nothing drifted on the champion
    champion = report["variants"]["champion"]["drift"]
    assert champion["drifted"] == [] and champion["max_psi"] < 0.05
    # AND the report was written, as the latest and as this run's
    latest = json.loads((tmp_path / "monitoring/reports/latest.json").read_text())
    assert latest == report
    assert (tmp_path / "monitoring/reports/runs/2026/11/30/142000.json").is_file()


def test_psi_equals_the_hand_computed_value():
    # GIVEN expected shares 0.5/0.5 and actual 0.8/0.2
    # THEN PSI = (0.8-0.5) ln(0.8/0.5) + (0.2-0.5) ln(0.2/0.5)
    expected = 0.3 * math.log(1.6) + (-0.3) * math.log(0.4)
    assert evaluate.psi([0.5, 0.5], [0.8, 0.2]) == pytest.approx(expected)
    # AND identical distributions have PSI 0
    assert evaluate.psi([0.25] * 4, [0.25] * 4) == 0


def test_too_few_records_for_drift_say_so(tmp_path):
    # GIVEN only 5 captured requests
    write(tmp_path, "monitoring/baseline/baseline.json", [json.dumps(BASELINE)])
    write(tmp_path, capture_key("champion", NOW), [capture_line([20, "pro"], "0.1") for _ in range(5)])
    # WHEN the evaluation runs
    drift = run(tmp_path, ["champion"])["variants"]["champion"]["drift"]
    # THEN no PSI is claimed, and the report says why
    assert drift["max_psi"] is None and "not enough data" in drift["note"]


def test_binary_quality_equals_hand_computed_metrics(tmp_path):
    # GIVEN six labeled requests with captured probabilities
    #   id:    a    b    c    d    e    f
    #   p:    0.9  0.8  0.3  0.6  0.2  0.1   -> predicted 1 1 0 1 0 0 (threshold 0.5)
    #   true:  1    1    1    0    0    0
    probabilities = {"a": "0.9", "b": "0.8", "c": "0.3", "d": "0.6", "e": "0.2", "f": "0.1"}
    truth = {"a": "1", "b": "1", "c": "1", "d": "0", "e": "0", "f": "0"}
    write(tmp_path, capture_key("champion", NOW), [capture_line([40, "pro"], p, i) for i, p in probabilities.items()])
    write(tmp_path, f"ground-truth/{NOW.strftime('%Y/%m/%d/%H')}/labels.jsonl",
          [ground_truth_line(i, t) for i, t in truth.items()])
    # WHEN the evaluation runs
    quality = run(tmp_path, ["champion"])["variants"]["champion"]["quality"]
    # THEN TP=2 (a, b), FP=1 (d), FN=1 (c), TN=2 (e, f)
    assert quality["labeled"] == 6
    assert quality["accuracy"] == pytest.approx(4 / 6)
    assert quality["precision"] == pytest.approx(2 / 3)
    assert quality["recall"] == pytest.approx(2 / 3)
    assert quality["f1"] == pytest.approx(2 / 3)
    # AND AUC: of the 9 positive/negative pairs, 8 rank the positive higher (c=0.3 < d=0.6 is the miss)
    assert quality["auc"] == pytest.approx(8 / 9)


def test_multiclass_quality_is_macro_averaged(tmp_path):
    # GIVEN labels as outputs (no probabilities), three classes
    #   predicted: x x y z z y ; true: x y y z x z
    pairs = [("x", "x"), ("x", "y"), ("y", "y"), ("z", "z"), ("z", "x"), ("y", "z")]
    # WHEN the metrics are computed
    quality = evaluate.classification_quality(pairs, "multiclass", [])
    # THEN per class: x P=1/2 R=1/2, y P=1/2 R=1/2, z P=1/2 R=1/2 -> macro 1/2; accuracy 3/6
    assert quality["accuracy"] == pytest.approx(0.5)
    assert quality["precision"] == pytest.approx(0.5)
    assert quality["recall"] == pytest.approx(0.5)
    assert quality["f1"] == pytest.approx(0.5)
    # AND without probabilities there is no AUC
    assert "auc" not in quality


def test_multiclass_auc_comes_from_captured_probability_lists():
    # GIVEN probability lists in the order of the baseline's classes, perfectly ranked for every class
    pairs = [([0.8, 0.1, 0.1], "a"), ([0.1, 0.7, 0.2], "b"), ([0.2, 0.2, 0.6], "c"), ([0.6, 0.3, 0.1], "a")]
    # WHEN the metrics are computed
    quality = evaluate.classification_quality(pairs, "multiclass", ["a", "b", "c"])
    # THEN every prediction is right and the one-vs-rest AUC is 1
    assert quality["accuracy"] == 1 and quality["auc"] == 1


def test_regression_quality_equals_hand_computed_metrics(tmp_path):
    # GIVEN predictions 2, 4, 7 for true values 3, 4, 5
    write(tmp_path, capture_key("primary", NOW),
          [capture_line([40, "pro"], p, i) for i, p in (("r1", "2"), ("r2", "4"), ("r3", "7"))])
    write(tmp_path, f"ground-truth/{NOW.strftime('%Y/%m/%d/%H')}/labels.jsonl",
          [json.dumps({"inferenceId": i, "label": v}) for i, v in (("r1", 3), ("r2", 4), ("r3", 5))])
    # WHEN the evaluation runs as regression
    quality = run(tmp_path, ["primary"], problem_type="regression")["variants"]["primary"]["quality"]
    # THEN errors -1, 0, 2: MAE 1, RMSE sqrt(5/3), R2 = 1 - 5/2 (mean 4, total sum of squares 2)
    assert quality["mae"] == pytest.approx(1.0)
    assert quality["rmse"] == pytest.approx(math.sqrt(5 / 3))
    assert quality["r2"] == pytest.approx(1 - 5 / 2)


def test_records_without_ground_truth_or_inference_id_are_counted_not_fatal(tmp_path):
    # GIVEN 4 requests: 2 labeled, 1 whose label has not arrived, 1 sent without an InferenceId
    lines = [capture_line([40, "pro"], "1", "a"), capture_line([40, "pro"], "0", "b"),
             capture_line([40, "pro"], "1", "late"), capture_line([40, "pro"], "1", None)]
    write(tmp_path, capture_key("champion", NOW), lines)
    write(tmp_path, f"ground-truth/{NOW.strftime('%Y/%m/%d/%H')}/labels.jsonl",
          [ground_truth_line("a", "1"), ground_truth_line("b", "1")])
    # WHEN the evaluation runs
    part = run(tmp_path, ["champion"])["variants"]["champion"]
    # THEN quality covers the 2 joined records and the others are counted
    assert part["quality"]["labeled"] == 2 and part["quality"]["accuracy"] == pytest.approx(0.5)
    assert part["skipped"]["without_ground_truth"] == 1
    assert part["skipped"]["without_inference_id"] == 1
    assert part["captured_records"] == 4


def test_malformed_lines_are_skipped_with_a_count(tmp_path):
    # GIVEN a capture file with two good lines, a truncated line, a line of another format and a blank line
    write(tmp_path, "monitoring/baseline/baseline.json", [json.dumps(BASELINE)])
    good = capture_line([40, "pro"], "1", "a")
    write(tmp_path, capture_key("champion", NOW), [good, good[:40], '{"hello": 1}', "", good])
    # AND a ground-truth file with one broken line
    write(tmp_path, f"ground-truth/{NOW.strftime('%Y/%m/%d/%H')}/labels.jsonl",
          [ground_truth_line("a", "1"), "not json"])
    # WHEN the evaluation runs
    report = run(tmp_path, ["champion"])
    part = report["variants"]["champion"]
    # THEN the good lines count, the bad ones are reported and the run finished
    assert part["captured_records"] == 2
    assert part["skipped"]["malformed_lines"] == 2
    assert report["ground_truth"] == {"records": 1, "malformed_lines": 1}
    assert part["quality"]["accuracy"] == 1


def test_only_the_drift_window_is_read(tmp_path):
    # GIVEN captures of this hour and of three hours ago
    write(tmp_path, capture_key("champion", NOW), [capture_line([40, "pro"], "1")])
    write(tmp_path, capture_key("champion", NOW - dt.timedelta(hours=3)), [capture_line([40, "pro"], "1")] * 5)
    # WHEN an hourly evaluation runs
    part = run(tmp_path, ["champion"], window_hours=1)["variants"]["champion"]
    # THEN only this hour's record is read
    assert part["captured_records"] == 1


def test_json_requests_and_base64_payloads_are_read():
    # GIVEN a JSON request with named features, and a base64-encoded CSV request
    import base64

    named = json.dumps({"captureData": {
        "endpointInput": {"observedContentType": "application/json", "mode": "INPUT",
                          "data": json.dumps({"instances": [{"age": 33, "plan": "pro"}]}), "encoding": "JSON"},
        "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                           "data": json.dumps({"predictions": [0.7]}), "encoding": "JSON"}},
        "eventMetadata": {"eventId": "e1", "inferenceId": "i1"}, "eventVersion": "0"})
    encoded = json.dumps({"captureData": {
        "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                          "data": base64.b64encode(b"51,basic").decode(), "encoding": "BASE64"}},
        "eventMetadata": {"eventId": "e2"}, "eventVersion": "0"})
    # WHEN they are parsed with the baseline's feature order
    first = evaluate.parse_capture_line(named, ["age", "plan"])
    second = evaluate.parse_capture_line(encoded, ["age", "plan"])
    # THEN both give the features by name
    assert first.features == {"age": 33.0, "plan": "pro"} and first.output == 0.7 and first.inference_id == "i1"
    assert second.features == {"age": 51.0, "plan": "basic"} and second.inference_id is None


def test_baseline_from_training_data_shows_no_drift_on_that_data(tmp_path):
    # GIVEN training rows
    rng = random.Random(3)
    rows = [{"age": str(rng.randint(18, 90)), "plan": rng.choice(["basic", "pro", "team"])} for _ in range(1000)]
    # WHEN a baseline is made from them and the same data is compared with it
    baseline = evaluate.make_baseline(rows, ["age", "plan"])
    records = [evaluate.Captured(None, {"age": float(r["age"]), "plan": r["plan"]}, None) for r in rows]
    result = evaluate.drift(baseline, records, 0.2)
    # THEN numeric and categorical features are recognised and nothing drifted
    assert [f["type"] for f in baseline["features"]] == ["numeric", "categorical"]
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
