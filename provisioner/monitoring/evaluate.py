"""provision's model monitoring evaluation: data drift and model quality per production variant.

This file runs on its own inside a SageMaker processing job (the scikit-learn
processing image: Python 3 with boto3). It uses only the standard library
(boto3 only to reach S3 and CloudWatch) and imports nothing from provision.
Terraform puts it in the workspace's data bucket; the monitoring pipeline runs
it on the schedule of the spec (`monitoring.schedule`).

What one run does, for each production variant of the endpoint:

1. reads the requests and responses SageMaker captured in the last
   `--window-hours` (data capture JSON Lines under
   `<capture-prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/`);
2. data drift: the population stability index (PSI) of every input feature
   against the baseline (`--baseline-key`, format below);
3. model quality, when ground truth exists under `--ground-truth-prefix`
   (records joined to captured requests on `inferenceId`, over the last
   `--quality-hours`): binary/multiclass accuracy, precision, recall, F1 and
   AUC (when probabilities are captured), or regression MAE, RMSE and R²;
4. publishes CloudWatch metrics in namespace `provision/ModelQuality` with
   dimensions Workspace and Variant (`MaxFeaturePSI`, `CapturedRecords`,
   `LabeledRecords`, `Accuracy`, `Precision`, `Recall`, `F1`, `AUC`, `MAE`,
   `RMSE`, `R2`; `FeaturePSI` adds a Feature dimension);
5. writes a JSON report to `<report-prefix>/runs/<timestamp>.json` and
   `<report-prefix>/latest.json`, and (with `--log-group`) a one-line summary
   per variant to the workspace's log group (KMS-encrypted, with retention).

Bad records never stop a run: malformed capture lines, requests whose input
cannot be read, records without `inferenceId` and records without ground
truth are counted in the report.

Baseline (`baseline.json`), written by `python evaluate.py baseline TRAIN.csv`
or by hand:

    {"version": 1,
     "features": [
       {"name": "age", "type": "numeric", "bin_edges": [25, 40, 60], "proportions": [0.2, 0.3, 0.3, 0.2]},
       {"name": "plan", "type": "categorical", "proportions": {"basic": 0.7, "pro": 0.3}}],
     "classes": ["0", "1"], "positive_label": "1"}

The features are listed in the order of the CSV columns of a request (JSON
requests may name them). A numeric feature's `bin_edges` cut the line into
len(bin_edges) + 1 bins, (-inf, e0], (e0, e1], ..., (e_last, inf), and
`proportions` is the training data's share in each bin. A categorical
feature's `proportions` maps each category to its share; categories the
baseline has not seen count as one extra bin. `classes` (optional) names the
classes in the order of captured probability lists; `positive_label` (binary
only, default "1") is the class precision, recall, F1 and AUC are about.

Ground truth: JSON Lines files under the ground-truth prefix (any file name,
usually `yyyy/mm/dd/hh/*.jsonl`), one record per line, in the format of
SageMaker Model Monitor:

    {"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "<inferenceId>"},
     "eventVersion": "0"}

or the short form `{"inferenceId": "<inferenceId>", "label": 1}`. Send the
`InferenceId` with each request (`invoke_endpoint(..., InferenceId=...)`):
SageMaker records it in the capture as `eventMetadata.inferenceId`.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import io
import json
import math
import os
import sys
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

NAMESPACE = "provision/ModelQuality"
PSI_EPSILON = 1e-4  # stands in for an empty bin, so PSI stays finite
MIN_RECORDS_FOR_DRIFT = 30  # fewer records say nothing about a distribution
OTHER = "__other__"
CLASSIFICATION = ("binary", "multiclass")
QUALITY_METRICS = {
    "binary": ("accuracy", "precision", "recall", "f1", "auc"),
    "multiclass": ("accuracy", "precision", "recall", "f1", "auc"),
    "regression": ("mae", "rmse", "r2"),
}
METRIC_NAMES = {"accuracy": "Accuracy", "precision": "Precision", "recall": "Recall", "f1": "F1", "auc": "AUC",
                "mae": "MAE", "rmse": "RMSE", "r2": "R2"}


# --- where the data lives ----------------------------------------------------------------------

class DirStore:
    """Objects as files below a folder, keys as relative paths (tests, and trying the script locally)."""

    def __init__(self, root: str) -> None:
        self.root = root

    def list(self, prefix: str) -> List[str]:
        base = os.path.join(self.root, prefix)
        found = []
        if os.path.isdir(base):
            for folder, _, files in os.walk(base):
                for name in files:
                    found.append(os.path.relpath(os.path.join(folder, name), self.root).replace(os.sep, "/"))
        return sorted(found)

    def read(self, key: str) -> Optional[bytes]:
        path = os.path.join(self.root, key)
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as handle:
            return handle.read()

    def write(self, key: str, body: bytes) -> None:
        path = os.path.join(self.root, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(body)


class S3Store:
    """Objects in one S3 bucket; writes are encrypted with the workspace key."""

    def __init__(self, bucket: str, kms_key: str = "", client: Any = None) -> None:
        import boto3  # only inside the job: the tests of the pure parts need no AWS

        self.bucket, self.kms_key = bucket, kms_key
        self.client = client or boto3.client("s3")

    def list(self, prefix: str) -> List[str]:
        keys: List[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(keys)

    def read(self, key: str) -> Optional[bytes]:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def write(self, key: str, body: bytes) -> None:
        extra: Dict[str, str] = {"ServerSideEncryption": "aws:kms"}
        if self.kms_key:
            extra["SSEKMSKeyId"] = self.kms_key
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json", **extra)


def hour_prefixes(prefix: str, now: dt.datetime, hours: int) -> List[str]:
    """The `yyyy/mm/dd/hh/` partitions of the last `hours` hours, the current one included."""
    top = now.replace(minute=0, second=0, microsecond=0)
    return [f"{prefix}/{(top - dt.timedelta(hours=h)).strftime('%Y/%m/%d/%H')}/" for h in range(hours)]


def read_lines(store: Any, prefixes: Sequence[str]) -> Iterator[str]:
    for prefix in prefixes:
        for key in store.list(prefix):
            body = store.read(key)
            if body is None:
                continue
            for line in body.decode("utf-8", errors="replace").splitlines():
                if line.strip():
                    yield line


# --- captured records ---------------------------------------------------------------------------

class Captured:
    """One captured request/response pair, parsed."""

    __slots__ = ("inference_id", "features", "output")

    def __init__(self, inference_id: Optional[str], features: Optional[Dict[str, Any]], output: Any) -> None:
        self.inference_id, self.features, self.output = inference_id, features, output


def _payload(block: Dict[str, Any]) -> Tuple[str, str]:
    """(content type, text) of a capture's endpointInput/endpointOutput."""
    data = block.get("data", "")
    if not isinstance(data, str):
        raise ValueError("data is not a string")
    if str(block.get("encoding", "")).upper() == "BASE64":
        data = base64.b64decode(data).decode("utf-8")
    kind = str(block.get("observedContentType") or "").lower()
    if "json" not in kind and str(block.get("encoding", "")).upper() == "JSON":
        kind = "application/json"
    return kind, data


def _number(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value.strip()
    return value


def parse_input(kind: str, text: str, names: Sequence[str]) -> Dict[str, Any]:
    """A request's features by name: a CSV row (in baseline order) or JSON (object, list, instances)."""
    if "json" in kind:
        doc = json.loads(text)
        if isinstance(doc, dict):
            for key in ("instances", "features", "inputs"):
                if key in doc:
                    doc = doc[key]
                    break
        if isinstance(doc, list) and doc and isinstance(doc[0], (list, dict)):
            doc = doc[0]  # one record per request is what the drift check counts
        if isinstance(doc, dict):
            return {k: _number(v) for k, v in doc.items()}
        if isinstance(doc, list):
            return {name: _number(v) for name, v in zip(names, doc)}
        raise ValueError("JSON input is neither an object nor a list")
    row = next(csv.reader(io.StringIO(text.strip().splitlines()[0])))
    return {name: _number(v) for name, v in zip(names, row)}


def parse_output(kind: str, text: str) -> Any:
    """The model's answer: a number, a label, or a list of class probabilities."""
    if "json" in kind:
        doc = json.loads(text)
        if isinstance(doc, dict):
            for key in ("predictions", "probabilities", "probability", "scores", "score", "predicted_label",
                        "label", "prediction"):
                if key in doc:
                    doc = doc[key]
                    break
        if isinstance(doc, list) and len(doc) == 1:
            doc = doc[0]
        if isinstance(doc, dict):
            raise ValueError("JSON output has no known prediction key")
        return [_number(v) for v in doc] if isinstance(doc, list) else _number(doc)
    row = next(csv.reader(io.StringIO(text.strip().splitlines()[0])))
    values = [_number(v) for v in row]
    return values[0] if len(values) == 1 else values


def parse_capture_line(line: str, names: Sequence[str]) -> Captured:
    """One line of a data capture file; raises ValueError when the line is not a capture record."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(record, dict) or not isinstance(record.get("captureData"), dict):
        raise ValueError("no captureData")
    capture = record["captureData"]
    meta = record.get("eventMetadata") or {}
    inference_id = meta.get("inferenceId") if isinstance(meta, dict) else None
    features = None
    if isinstance(capture.get("endpointInput"), dict):
        try:
            features = parse_input(*_payload(capture["endpointInput"]), names)
        except (ValueError, TypeError, StopIteration, IndexError):
            features = None
    output = None
    if isinstance(capture.get("endpointOutput"), dict):
        try:
            output = parse_output(*_payload(capture["endpointOutput"]))
        except (ValueError, TypeError, StopIteration, IndexError):
            output = None
    return Captured(str(inference_id) if inference_id not in (None, "") else None, features, output)


def parse_ground_truth_line(line: str) -> Tuple[str, Any]:
    """(inferenceId, label) of one ground-truth record; raises ValueError when malformed."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise ValueError("not an object")
    if "groundTruthData" in record:
        event = (record.get("eventMetadata") or {}).get("eventId")
        data = record["groundTruthData"] or {}
        text = data.get("data")
        if str(data.get("encoding", "")).upper() == "BASE64" and isinstance(text, str):
            text = base64.b64decode(text).decode("utf-8")
        if str(data.get("encoding", "")).upper() == "JSON" and isinstance(text, str):
            text = json.loads(text)
        label = text
    else:
        event, label = record.get("inferenceId"), record.get("label")
    if event in (None, "") or label in (None, ""):
        raise ValueError("no inferenceId or no label")
    return str(event), _number(label)


# --- drift --------------------------------------------------------------------------------------

def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index of two distributions over the same bins."""
    total = 0.0
    for e, a in zip(expected, actual):
        e, a = max(e, PSI_EPSILON), max(a, PSI_EPSILON)
        total += (a - e) * math.log(a / e)
    return total


def bin_index(value: float, edges: Sequence[float]) -> int:
    for index, edge in enumerate(edges):
        if value <= edge:
            return index
    return len(edges)


def feature_psi(feature: Dict[str, Any], values: Sequence[Any]) -> Optional[float]:
    """PSI of one feature's captured values against its baseline; None without usable values."""
    if feature.get("type") == "categorical":
        expected_map = {str(k): float(v) for k, v in feature["proportions"].items()}
        categories = sorted(expected_map)
        counts = dict.fromkeys(categories + [OTHER], 0)
        used = 0
        for value in values:
            if value is None or value == "":
                continue
            key = _label(value)
            counts[key if key in expected_map else OTHER] += 1
            used += 1
        if not used:
            return None
        expected = [expected_map[c] for c in categories] + [0.0]
        return psi(expected, [counts[c] / used for c in categories + [OTHER]])
    edges = [float(e) for e in feature["bin_edges"]]
    counts_list = [0] * (len(edges) + 1)
    used = 0
    for value in values:
        if isinstance(value, float) and not math.isnan(value):
            counts_list[bin_index(value, edges)] += 1
            used += 1
    if not used:
        return None
    return psi([float(p) for p in feature["proportions"]], [c / used for c in counts_list])


def drift(baseline: Dict[str, Any], records: Sequence[Captured], threshold: float) -> Dict[str, Any]:
    usable = [r.features for r in records if r.features is not None]
    result: Dict[str, Any] = {"records": len(usable), "features": {}, "max_psi": None, "drifted": []}
    if len(usable) < MIN_RECORDS_FOR_DRIFT:
        result["note"] = f"not enough data: {len(usable)} records, drift needs at least {MIN_RECORDS_FOR_DRIFT}"
        return result
    for feature in baseline.get("features", []):
        value = feature_psi(feature, [f.get(feature["name"]) for f in usable])
        result["features"][feature["name"]] = None if value is None else round(value, 6)
    scores = [v for v in result["features"].values() if v is not None]
    if scores:
        result["max_psi"] = max(scores)
        result["drifted"] = sorted(name for name, v in result["features"].items() if v is not None and v > threshold)
    return result


def make_baseline(rows: Sequence[Dict[str, str]], names: Sequence[str], bins: int = 10) -> Dict[str, Any]:
    """A baseline from training rows: quantile bins for numeric columns, shares for the others."""
    features = []
    for name in names:
        raw = [row.get(name, "") for row in rows]
        numbers = [v for v in (_number(x) for x in raw) if isinstance(v, float) and not math.isnan(v)]
        if raw and len(numbers) == len([x for x in raw if x != ""]) and numbers:
            ordered = sorted(numbers)
            edges = sorted({ordered[min(len(ordered) - 1, (len(ordered) * q) // bins)] for q in range(1, bins)})
            counts = [0] * (len(edges) + 1)
            for value in numbers:
                counts[bin_index(value, edges)] += 1
            features.append({"name": name, "type": "numeric", "bin_edges": edges,
                             "proportions": [round(c / len(numbers), 6) for c in counts]})
        else:
            shares: Dict[str, int] = {}
            for value in raw:
                if value != "":
                    shares[_label(_number(value))] = shares.get(_label(_number(value)), 0) + 1
            total = sum(shares.values()) or 1
            features.append({"name": name, "type": "categorical",
                             "proportions": {k: round(v / total, 6) for k, v in sorted(shares.items())}})
    return {"version": 1, "features": features}


# --- quality ------------------------------------------------------------------------------------

def _label(value: Any) -> str:
    """Labels compare as text; 1, 1.0 and "1" are the same class."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value.strip()
        return str(int(number)) if number.is_integer() else value.strip()
    return str(value)


def auc(scores: Sequence[float], positives: Sequence[bool]) -> Optional[float]:
    """Area under the ROC curve (Mann-Whitney, ties share their rank); None with one class only."""
    n_pos = sum(1 for p in positives if p)
    n_neg = len(positives) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    rank_sum = sum(r for r, p in zip(ranks, positives) if p)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _is_probability(value: Any) -> bool:
    return isinstance(value, float) and 0.0 <= value <= 1.0


def _prediction(output: Any, problem_type: str, classes: Sequence[str], threshold: float,
                probabilities: bool) -> Tuple[str, Any]:
    """(predicted label, scores or None) of one captured output."""
    if isinstance(output, list):
        numbers = [v for v in output if isinstance(v, float)]
        if len(numbers) != len(output) or not numbers:
            raise ValueError("output list is not numeric")
        names = list(classes) if len(classes) == len(numbers) else [str(i) for i in range(len(numbers))]
        best = max(range(len(numbers)), key=lambda i: numbers[i])
        return names[best], dict(zip(names, numbers))
    if problem_type == "binary" and probabilities and _is_probability(output):
        positive = classes[-1] if classes else "1"
        negative = classes[0] if len(classes) == 2 else "0"
        return (positive if output >= threshold else negative), output
    if output is None or output == "":
        raise ValueError("no output")
    return _label(output), None


def classification_quality(pairs: Sequence[Tuple[Any, Any]], problem_type: str, classes: Sequence[str],
                           positive_label: str = "1", threshold: float = 0.5) -> Dict[str, Any]:
    """Metrics of (captured output, true label) pairs; multiclass precision/recall/F1/AUC are macro averages."""
    predicted, truth, scores = [], [], []
    unreadable = 0
    # A binary model answers with a label (0/1) or a probability: one value strictly between 0 and 1
    # says the outputs are probabilities (then 0.0 and 1.0 are probabilities too).
    probabilities = any(_is_probability(o) and not o.is_integer() for o, _ in pairs)
    for output, label in pairs:
        try:
            guess, score = _prediction(output, problem_type, classes, threshold, probabilities)
        except ValueError:
            unreadable += 1
            continue
        predicted.append(guess)
        truth.append(_label(label))
        scores.append(score)
    result: Dict[str, Any] = {"labeled": len(truth), "unreadable_outputs": unreadable}
    if not truth:
        return result
    result["accuracy"] = sum(1 for p, t in zip(predicted, truth) if p == t) / len(truth)
    if problem_type == "binary":
        targets = [positive_label]
    else:
        targets = sorted(set(truth) | set(predicted))
    precisions, recalls, f1s, aucs = [], [], [], []
    for target in targets:
        tp = sum(1 for p, t in zip(predicted, truth) if p == target and t == target)
        fp = sum(1 for p, t in zip(predicted, truth) if p == target and t != target)
        fn = sum(1 for p, t in zip(predicted, truth) if p != target and t == target)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        precisions.append(precision)
        recalls.append(recall)
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
        target_scores = []
        for score in scores:
            if isinstance(score, dict):
                target_scores.append(score.get(target))
            elif isinstance(score, float):
                target_scores.append(score if target == (classes[-1] if classes else "1") else 1.0 - score)
            else:
                target_scores.append(None)
        if all(s is not None for s in target_scores):
            value = auc([float(s) for s in target_scores], [t == target for t in truth])
            if value is not None:
                aucs.append(value)
    result["precision"] = sum(precisions) / len(precisions)
    result["recall"] = sum(recalls) / len(recalls)
    result["f1"] = sum(f1s) / len(f1s)
    if aucs:
        result["auc"] = sum(aucs) / len(aucs)
    return result


def regression_quality(pairs: Sequence[Tuple[Any, Any]]) -> Dict[str, Any]:
    predicted, truth = [], []
    unreadable = 0
    for output, label in pairs:
        guess = output[0] if isinstance(output, list) and len(output) == 1 else output
        if not isinstance(guess, float) or not isinstance(label, float):
            unreadable += 1
            continue
        predicted.append(guess)
        truth.append(label)
    result: Dict[str, Any] = {"labeled": len(truth), "unreadable_outputs": unreadable}
    if not truth:
        return result
    errors = [p - t for p, t in zip(predicted, truth)]
    result["mae"] = sum(abs(e) for e in errors) / len(errors)
    result["rmse"] = math.sqrt(sum(e * e for e in errors) / len(errors))
    mean = sum(truth) / len(truth)
    total = sum((t - mean) ** 2 for t in truth)
    if total > 0:
        result["r2"] = 1 - sum(e * e for e in errors) / total
    return result


# --- one run ------------------------------------------------------------------------------------

def read_captures(lines: Iterable[str], names: Sequence[str]) -> Tuple[List[Captured], int]:
    records, malformed = [], 0
    for line in lines:
        try:
            records.append(parse_capture_line(line, names))
        except ValueError:
            malformed += 1
    return records, malformed


def read_ground_truth(lines: Iterable[str]) -> Tuple[Dict[str, Any], int]:
    labels: Dict[str, Any] = {}
    malformed = 0
    for line in lines:
        try:
            event, label = parse_ground_truth_line(line)
        except (ValueError, TypeError, AttributeError):
            malformed += 1
            continue
        labels[event] = label
    return labels, malformed


def evaluate_variant(recent: Sequence[Captured], malformed: int, labeled_window: Sequence[Captured],
                     labels: Dict[str, Any], baseline: Optional[Dict[str, Any]], problem_type: str,
                     max_drift_psi: float) -> Dict[str, Any]:
    report: Dict[str, Any] = {
        "captured_records": len(recent),
        "skipped": {
            "malformed_lines": malformed,
            "unreadable_inputs": sum(1 for r in recent if r.features is None),
        },
    }
    if baseline is None:
        report["drift"] = {"note": "no baseline: drift not computed"}
    else:
        report["drift"] = drift(baseline, recent, max_drift_psi)
    without_id = sum(1 for r in labeled_window if r.inference_id is None)
    with_id = [r for r in labeled_window if r.inference_id is not None]
    joined = [(r.output, labels[r.inference_id]) for r in with_id if r.inference_id in labels]
    report["skipped"]["without_inference_id"] = without_id
    report["skipped"]["without_ground_truth"] = len(with_id) - len(joined)
    if not labels:
        report["quality"] = {"note": "no ground truth in the window: quality not computed"}
    elif problem_type == "regression":
        report["quality"] = regression_quality(joined)
    else:
        classes = [str(c) for c in (baseline or {}).get("classes", [])]
        positive = str((baseline or {}).get("positive_label", classes[-1] if classes else "1"))
        report["quality"] = classification_quality(joined, problem_type, classes, positive_label=positive)
    return report


def metric_data(workspace: str, variant: str, report: Dict[str, Any], problem_type: str,
                when: dt.datetime) -> List[Dict[str, Any]]:
    """The CloudWatch datapoints of one variant's report."""
    dims = [{"Name": "Workspace", "Value": workspace}, {"Name": "Variant", "Value": variant}]
    points = [{"MetricName": "CapturedRecords", "Dimensions": dims, "Value": float(report["captured_records"]),
               "Unit": "Count", "Timestamp": when}]
    drift_part = report.get("drift", {})
    if drift_part.get("max_psi") is not None:
        points.append({"MetricName": "MaxFeaturePSI", "Dimensions": dims, "Value": float(drift_part["max_psi"]),
                       "Unit": "None", "Timestamp": when})
        for feature, value in sorted(drift_part["features"].items()):
            if value is not None:
                points.append({"MetricName": "FeaturePSI", "Dimensions": dims + [{"Name": "Feature", "Value": feature}],
                               "Value": float(value), "Unit": "None", "Timestamp": when})
    quality = report.get("quality", {})
    if "labeled" in quality:
        points.append({"MetricName": "LabeledRecords", "Dimensions": dims, "Value": float(quality["labeled"]),
                       "Unit": "Count", "Timestamp": when})
    for key in QUALITY_METRICS[problem_type]:
        if quality.get(key) is not None:
            points.append({"MetricName": METRIC_NAMES[key], "Dimensions": dims, "Value": float(quality[key]),
                           "Unit": "None", "Timestamp": when})
    return points


def publish(points: Sequence[Dict[str, Any]], client: Any = None) -> None:
    if not points:
        return
    if client is None:
        import boto3

        client = boto3.client("cloudwatch")
    for start in range(0, len(points), 20):
        client.put_metric_data(Namespace=NAMESPACE, MetricData=list(points[start:start + 20]))


def summary_lines(report: Dict[str, Any]) -> List[str]:
    """One JSON line per variant: what a person scanning the log wants to see."""
    lines = []
    for variant, part in sorted(report["variants"].items()):
        quality = {k: v for k, v in part.get("quality", {}).items() if k != "note"}
        lines.append(json.dumps({"run_at": report["run_at"], "variant": variant,
                                 "captured_records": part["captured_records"],
                                 "max_psi": part.get("drift", {}).get("max_psi"),
                                 "drifted": part.get("drift", {}).get("drifted", []),
                                 "quality": quality, "skipped": part["skipped"]}, sort_keys=True))
    return lines


def write_log(log_group: str, report: Dict[str, Any], client: Any = None) -> None:
    """The run's summary as one log stream `monitoring/<run time>` in the workspace's log group."""
    if client is None:
        import boto3

        client = boto3.client("logs")
    stream = "monitoring/" + report["run_at"].replace(":", "-")
    client.create_log_stream(logGroupName=log_group, logStreamName=stream)
    stamp = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
    client.put_log_events(logGroupName=log_group, logStreamName=stream,
                          logEvents=[{"timestamp": stamp, "message": line} for line in summary_lines(report)])


def run(store: Any, *, workspace: str, endpoint: str, variants: Sequence[str], problem_type: str,
        capture_prefix: str, ground_truth_prefix: str, baseline_key: str, report_prefix: str,
        window_hours: int, quality_hours: int, max_drift_psi: float, now: dt.datetime,
        metrics_client: Any = None, publish_metrics: bool = True) -> Dict[str, Any]:
    """One evaluation: read, compute, publish, write the report; returns the report."""
    baseline_body = store.read(baseline_key)
    baseline = json.loads(baseline_body) if baseline_body else None
    names = [f["name"] for f in (baseline or {}).get("features", [])]
    labels, gt_malformed = read_ground_truth(
        read_lines(store, hour_prefixes(ground_truth_prefix, now, quality_hours)))
    report: Dict[str, Any] = {
        "workspace": workspace, "endpoint": endpoint, "problem_type": problem_type,
        "run_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "drift_window_hours": window_hours, "quality_window_hours": quality_hours,
        "baseline": baseline_key if baseline else None, "max_drift_psi": max_drift_psi,
        "ground_truth": {"records": len(labels), "malformed_lines": gt_malformed},
        "variants": {},
    }
    if baseline is None:
        report["notes"] = [f"no baseline at {baseline_key}: drift not computed (see the monitoring guide)"]
    points: List[Dict[str, Any]] = []
    for variant in variants:
        base = f"{capture_prefix}/{endpoint}/{variant}"
        recent, malformed = read_captures(read_lines(store, hour_prefixes(base, now, window_hours)), names)
        if quality_hours == window_hours:
            labeled_window = recent
        else:
            labeled_window, _ = read_captures(read_lines(store, hour_prefixes(base, now, quality_hours)), names)
        part = evaluate_variant(recent, malformed, labeled_window, labels, baseline, problem_type, max_drift_psi)
        report["variants"][variant] = part
        points.extend(metric_data(workspace, variant, part, problem_type, now))
    if publish_metrics:
        publish(points, metrics_client)
    body = json.dumps(report, indent=2, sort_keys=True).encode()
    store.write(f"{report_prefix}/runs/{now.strftime('%Y/%m/%d/%H%M%S')}.json", body)
    store.write(f"{report_prefix}/latest.json", body)
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    base = sub.add_parser("baseline", help="write baseline.json from a training CSV with a header row")
    base.add_argument("csv")
    base.add_argument("--columns", help="comma-separated feature columns in request order (default: all)")
    base.add_argument("--classes", help="comma-separated class names in the order of captured probabilities")
    base.add_argument("--bins", type=int, default=10)
    ev = sub.add_parser("evaluate", help="one monitoring run (what the pipeline does)")
    ev.add_argument("--bucket", help="data bucket (reads and writes S3)")
    ev.add_argument("--local-root", help="a folder laid out like the bucket, instead of S3")
    ev.add_argument("--kms-key", default="")
    ev.add_argument("--workspace", required=True)
    ev.add_argument("--endpoint", required=True)
    ev.add_argument("--variants", required=True, help="comma-separated production variants")
    ev.add_argument("--problem-type", choices=sorted(QUALITY_METRICS), required=True)
    ev.add_argument("--capture-prefix", default="data-capture")
    ev.add_argument("--ground-truth-prefix", default="ground-truth")
    ev.add_argument("--baseline-key", default="monitoring/baseline/baseline.json")
    ev.add_argument("--report-prefix", default="monitoring/reports")
    ev.add_argument("--window-hours", type=int, default=24)
    ev.add_argument("--quality-hours", type=int, default=168)
    ev.add_argument("--max-drift-psi", type=float, default=0.2)
    ev.add_argument("--now", help="evaluate as of this UTC time (ISO 8601); default: now")
    ev.add_argument("--no-metrics", action="store_true", help="do not publish CloudWatch metrics")
    ev.add_argument("--log-group", default="", help="also write a summary per variant to this log group")
    args = parser.parse_args(argv)
    if args.command == "baseline":
        with open(args.csv, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        names = args.columns.split(",") if args.columns else list(rows[0].keys() if rows else [])
        result = make_baseline(rows, names, bins=args.bins)
        if args.classes:
            result["classes"] = args.classes.split(",")
        print(json.dumps(result, indent=2))
        return 0
    if args.command != "evaluate":
        parser.print_help()
        return 2
    if bool(args.bucket) == bool(args.local_root):
        parser.error("give exactly one of --bucket and --local-root")
    store = DirStore(args.local_root) if args.local_root else S3Store(args.bucket, args.kms_key)
    now = (dt.datetime.strptime(args.now, "%Y-%m-%dT%H:%M:%SZ") if args.now
           else dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    report = run(store, workspace=args.workspace, endpoint=args.endpoint, variants=args.variants.split(","),
                 problem_type=args.problem_type, capture_prefix=args.capture_prefix,
                 ground_truth_prefix=args.ground_truth_prefix, baseline_key=args.baseline_key,
                 report_prefix=args.report_prefix, window_hours=args.window_hours,
                 quality_hours=args.quality_hours, max_drift_psi=args.max_drift_psi, now=now,
                 publish_metrics=not args.no_metrics)
    if args.log_group:
        write_log(args.log_group, report)
    for variant, part in report["variants"].items():
        print(f"{variant}: {part['captured_records']} records, drift max PSI "
              f"{part['drift'].get('max_psi')}, quality {json.dumps(part['quality'], sort_keys=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
