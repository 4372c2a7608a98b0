"""provision's model monitoring evaluation: data drift and model quality per production variant.

This file runs on its own inside a SageMaker processing job (the scikit-learn
processing image: Python 3.8 or later with boto3). It uses only the standard
library (boto3 only to reach S3, CloudWatch and CloudWatch Logs) and imports
nothing from provision. Terraform puts it in the workspace's data bucket; the
monitoring pipeline runs it on the schedule of the spec (`monitoring.schedule`).

Contract (what a runner passes and what a run reads and writes)
---------------------------------------------------------------

    python3 evaluate.py evaluate (--bucket BUCKET [--kms-key KEY_ARN] | --local-root DIR)
        --workspace NAME --endpoint ENDPOINT --variants A,B --problem-type binary|multiclass|regression
        [--capture-prefix data-capture] [--ground-truth-prefix ground-truth]
        [--baseline-key monitoring/baseline/baseline.json] [--report-prefix monitoring/reports]
        [--window-hours 24] [--quality-hours 168] [--max-drift-psi 0.2] [--settle-minutes 10]
        [--mode scheduled|preview] [--now 2026-11-30T14:15:00Z] [--no-metrics] [--log-group GROUP]

The monitoring pipeline passes everything up to `--log-group` (infra/capabilities/monitoring.py)
and `--mode` from its `Mode` parameter (default `scheduled`; `provision monitoring run` starts
`preview`). `--local-root` reads and writes a folder laid out like the bucket (tests, trying it).

Windows. A `scheduled` run evaluates the completed hours since the previous scheduled run, never
the running one: its window ends at the last full hour that ended `--settle-minutes` ago (data
capture files land a few minutes late) and starts where the previous scheduled run's window ended
(`<report-prefix>/state.json`), or `--window-hours` before its end on the first run; a window of
more than `--quality-hours` (the schedule was off) is cut to that. A `preview` run evaluates from
there up to now, the running hour included, and publishes nothing, moves no window and writes no
state: the scheduled runs' counts stay each label's only count.

Reads, for each production variant:
1. captures (SageMaker data capture JSON Lines under `<capture-prefix>/<endpoint>/<variant>/
   yyyy/mm/dd/hh/`); a record belongs to the window of its `eventMetadata.inferenceTime`;
2. data drift of the window's captures against the baseline (`--baseline-key`, format below):
   per feature the population stability index (PSI), the share of missing values and values of
   the wrong type (text in a numeric feature). A feature drifts when its distribution (or its
   missing-value share) moved by more than `--max-drift-psi` AND the move is beyond what chance
   gives at this number of records: Pearson's chi-square test (bins with fewer than 5 expected
   records merged) and the exact binomial test of the missing share, Bonferroni over the features,
   so that a run of one variant alarms falsely at most 1 % of the time (DRIFT_FALSE_ALARM_RATE).
   Text in a numeric feature in at least 1 % of the records is drift by itself. Fewer than 30
   records: "not enough data", no drift value;
3. model quality on the labels that arrived in the window (ground truth JSON Lines under
   `<ground-truth-prefix>/yyyy/mm/dd/hh/`, the hour of upload), joined on `inferenceId` to the
   variant's captures of the last `--quality-hours`: each label is counted by exactly one
   scheduled run. Binary/multiclass: accuracy, precision, recall, F1, AUC (when the model answers
   probabilities); regression: MAE, RMSE, R². Besides the metrics, the counts they come from
   (QUALITY_COUNTS), so that the A/B readout pools runs instead of averaging their summaries.

Writes:
- `<report-prefix>/runs/yyyy/mm/dd/hhmmss.json` (`...-preview.json`) and `<report-prefix>/latest.json`;
- `<report-prefix>/state.json` (scheduled runs): `{"window_end": "2026-11-30T14:00:00Z"}`;
- CloudWatch metrics (scheduled runs, unless `--no-metrics`), namespace `provision/ModelQuality`,
  dimensions Workspace and Variant: CapturedRecords, LabeledRecords, MaxFeaturePSI, DriftedFeatures
  (FeaturePSI adds a Feature dimension), the quality metrics (METRIC_NAMES; from 30 labels on) and the
  counts (QUALITY_COUNTS);
- with `--log-group`: one summary line per variant in stream `monitoring/<run time>`.

Exit code 0 when the run finished (bad records are counted, never fatal), 2 for bad arguments.

Memory stays bounded: drift keeps counts per bin, quality keeps counts plus a uniform sample
(reservoir) of at most AUC_SAMPLE scores per variant for AUC, and the window's labels are thinned
by a hash of their inferenceId beyond MAX_LABELS (the report says how many were kept).

Baseline (`baseline.json`), written by `python evaluate.py baseline TRAIN.csv` or by hand:

    {"version": 1,
     "features": [
       {"name": "age", "type": "numeric", "bin_edges": [25, 40, 60], "proportions": [0.2, 0.3, 0.3, 0.2],
        "missing": 0.01},
       {"name": "plan", "type": "categorical", "proportions": {"basic": 0.7, "pro": 0.3}}],
     "classes": ["0", "1"], "positive_label": "1"}

The features are listed in the order of the CSV columns of a request (JSON requests may name
them). A numeric feature's `bin_edges` cut the line into len(bin_edges) + 1 bins,
(-inf, e0], (e0, e1], ..., (e_last, inf), and `proportions` is the training data's share of each
bin among its values. A categorical feature's `proportions` maps each category to its share;
categories the baseline has not seen count as one extra bin. `missing` (optional, default 0) is
the share of empty values in training. `classes` (optional) names the classes in the order of
captured probability vectors; `positive_label` (binary, default the last of `classes`, else "1")
is the class precision, recall, F1 and AUC are about. `output` (optional): "probability" when a
binary model's bare 0 and 1 are probabilities too.

Model outputs (one rule, docs/monitoring.md): CSV (one value, or a row of class probabilities),
JSON Lines (the first line), JSON: a bare value or list, TF-Serving `{"predictions": [...]}`
(the first prediction of the batch), the built-in algorithms' `{"predictions": [{"score": ...,
"predicted_label": ...}]}` and objects with `probabilities`/`probability`/`scores`/`score`/
`predicted_label`/`label`/`prediction`. A list of one number is that number. In a binary problem
a number strictly between 0 and 1 is the probability of `positive_label` (predicted at >= 0.5); a
vector holds the classes' probabilities in the order of `classes` (without `classes`, position i
is class "i"); anything else is a class label. An output that fits none of these is counted as
unreadable, never guessed.

Ground truth: one JSON record per line, Model Monitor's format

    {"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "<inferenceId>"},
     "eventVersion": "0"}

or the short form `{"inferenceId": "<inferenceId>", "label": 1}`. Send the `InferenceId` with each
request (`invoke_endpoint(..., InferenceId=...)`): SageMaker records it as `eventMetadata.inferenceId`.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import random
import sys
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

NAMESPACE = "provision/ModelQuality"
PSI_EPSILON = 1e-4  # stands in for an empty bin, so PSI stays finite
MIN_RECORDS_FOR_DRIFT = 30  # fewer records say nothing about a distribution
MIN_EXPECTED = 5.0  # chi-square bins hold at least this many expected records (smaller ones are merged)
DRIFT_FALSE_ALARM_RATE = 0.01  # per run and variant, over all its features (Bonferroni)
WRONG_TYPE_SHARE = 0.01  # text in a numeric feature in this share of the records is drift
MIN_LABELED_FOR_METRICS = 30  # quality metrics are published from this many labels on
AUC_SAMPLE = 50000  # scores kept per variant for AUC (a uniform sample beyond that)
MAX_LABELS = 2000000  # labels of one window kept in memory (thinned by a hash of their inferenceId beyond)
DEFAULT_SETTLE_MINUTES = 10
OTHER = "__other__"
CLASSIFICATION = ("binary", "multiclass")
QUALITY_METRICS = {
    "binary": ("accuracy", "precision", "recall", "f1", "auc"),
    "multiclass": ("accuracy", "precision", "recall", "f1", "auc"),
    "regression": ("mae", "rmse", "r2"),
}
METRIC_NAMES = {"accuracy": "Accuracy", "precision": "Precision", "recall": "Recall", "f1": "F1", "auc": "AUC",
                "mae": "MAE", "rmse": "RMSE", "r2": "R2"}
# The sums the A/B readout pools over runs (report key -> CloudWatch metric), per problem type.
QUALITY_COUNTS = {
    "labeled": "LabeledRecords", "correct": "CorrectPredictions", "tp": "TruePositives", "fp": "FalsePositives",
    "fn": "FalseNegatives", "tn": "TrueNegatives", "auc_pairs": "AUCPairs", "auc_concordant": "AUCConcordantPairs",
    "auc_variance": "AUCConcordanceVariance", "abs_error": "SumAbsoluteError", "sq_error": "SumSquaredError",
    "fourth_error": "SumFourthPowerError", "label_sum": "SumLabel", "label_sq": "SumSquaredLabel",
}
COUNTS_OF = {
    "binary": ("labeled", "correct", "tp", "fp", "fn", "tn", "auc_pairs", "auc_concordant", "auc_variance"),
    "multiclass": ("labeled", "correct"),
    "regression": ("labeled", "abs_error", "sq_error", "fourth_error", "label_sum", "label_sq"),
}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


# --- where the data lives ----------------------------------------------------------------------

class DirStore:
    """Objects as files below a folder, keys as relative paths (tests, and trying the script locally)."""

    def __init__(self, root: str) -> None:
        self.root = root

    def list(self, prefix: str) -> List[str]:
        found = []
        folder = os.path.join(self.root, os.path.dirname(prefix))
        if os.path.isdir(folder):
            for parent, _, files in os.walk(folder):
                for name in files:
                    key = os.path.relpath(os.path.join(parent, name), self.root).replace(os.sep, "/")
                    if key.startswith(prefix):
                        found.append(key)
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


# --- windows -----------------------------------------------------------------------------------

def hour_of(when: dt.datetime) -> dt.datetime:
    return when.replace(minute=0, second=0, microsecond=0)


def hours_between(start: dt.datetime, end: dt.datetime) -> List[dt.datetime]:
    """The hours that overlap [start, end)."""
    found, hour = [], hour_of(start)
    while hour < end:
        found.append(hour)
        hour += dt.timedelta(hours=1)
    return found


def hour_prefixes(prefix: str, hours: Sequence[dt.datetime]) -> List[str]:
    """The `yyyy/mm/dd/hh/` partitions of these hours."""
    return [f"{prefix}/{hour.strftime('%Y/%m/%d/%H')}/" for hour in hours]


class Window:
    """[start, end) of one run, and why it is that."""

    def __init__(self, start: dt.datetime, end: dt.datetime, notes: Sequence[str] = ()) -> None:
        self.start, self.end, self.notes = start, end, list(notes)

    @property
    def empty(self) -> bool:
        return self.start >= self.end

    def to_dict(self) -> Dict[str, Any]:
        return {"start": self.start.strftime(TIME_FORMAT), "end": self.end.strftime(TIME_FORMAT)}


def run_window(now: dt.datetime, *, mode: str, window_hours: int, max_hours: int, settle_minutes: int,
               previous_end: Optional[dt.datetime]) -> Window:
    """The data a run evaluates (see the module docstring: completed hours since the previous scheduled run)."""
    notes = []
    end = now if mode == "preview" else hour_of(now - dt.timedelta(minutes=settle_minutes))
    start = previous_end if previous_end is not None else hour_of(end) - dt.timedelta(hours=window_hours)
    if previous_end is None:
        notes.append(f"no previous scheduled run: the window starts {window_hours} h before the last full hour")
    if start < end - dt.timedelta(hours=max_hours):
        notes.append(f"{start.strftime(TIME_FORMAT)} to {(end - dt.timedelta(hours=max_hours)).strftime(TIME_FORMAT)} "
                     f"was never evaluated (no run for more than {max_hours} h): the window starts "
                     f"{max_hours} h before its end")
        start = end - dt.timedelta(hours=max_hours)
    return Window(start, end, notes)


def read_state(store: Any, report_prefix: str) -> Optional[dt.datetime]:
    """Where the previous scheduled run's window ended (listed first: without the object S3 answers 403)."""
    key = f"{report_prefix}/state.json"
    if key not in store.list(key):
        return None
    try:
        return dt.datetime.strptime(json.loads(store.read(key) or b"{}")["window_end"], TIME_FORMAT)
    except (ValueError, KeyError, TypeError):
        return None


def read_lines(store: Any, prefixes: Sequence[str]) -> Iterator[str]:
    """The non-empty lines of every object under the prefixes, one object in memory at a time."""
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

    __slots__ = ("inference_id", "features", "output", "time")

    def __init__(self, inference_id: Optional[str], features: Optional[Dict[str, Any]], output: Any,
                 time: Optional[dt.datetime] = None) -> None:
        self.inference_id, self.features, self.output, self.time = inference_id, features, output, time


class Answer:
    """A model's answer to one request: a class label, a probability (of positive_label), class probabilities, a value."""

    __slots__ = ("label", "probability", "vector", "value")

    def __init__(self, label: Optional[str] = None, probability: Optional[float] = None,
                 vector: Optional[List[float]] = None, value: Optional[float] = None) -> None:
        self.label, self.probability, self.vector, self.value = label, probability, vector, value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Answer) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __repr__(self) -> str:
        return "Answer(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__ if getattr(self, k) is not None) + ")"


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
    """Numbers as floats (NaN as missing), numeric text as a float, other text stripped; None stays None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        return None if math.isnan(number) else number
    return value


def _first_json(kind: str, text: str) -> Any:
    if "jsonlines" in kind or "x-ndjson" in kind:
        text = next(line for line in text.splitlines() if line.strip())
    return json.loads(text)


def parse_input(kind: str, text: str, names: Sequence[str]) -> Dict[str, Any]:
    """A request's features by name: a CSV row (in baseline order) or JSON (object, list, instances)."""
    if "json" in kind:
        doc = _first_json(kind, text)
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


def _answer_of(record: Any) -> Answer:
    """One prediction (not a batch): a scalar, a vector or an object with known keys."""
    if isinstance(record, dict):
        found = Answer()
        for key in ("predicted_label", "label"):
            if record.get(key) is not None:
                found.label = _label(_number(record[key]))
                break
        for key in ("probabilities", "scores", "probability", "score", "prediction"):
            if record.get(key) is None or isinstance(record[key], dict):
                continue
            inner = _answer_of(record[key])
            found.vector = found.vector if found.vector is not None else inner.vector
            found.probability = found.probability if found.probability is not None else inner.probability
            found.value = found.value if found.value is not None else inner.value
            if found.label is None and key == "prediction":
                found.label = inner.label
        if found.label is None and found.vector is None and found.value is None:
            raise ValueError("JSON output has no known prediction key")
        if found.value is None and found.label is not None:
            number = _number(found.label)
            found.value = number if isinstance(number, float) else None
        return found
    if isinstance(record, list):
        if len(record) == 1:
            return _answer_of(record[0])
        numbers = [_number(v) for v in record]
        if not numbers or not all(isinstance(v, float) for v in numbers):
            raise ValueError("output list is not numeric")
        return Answer(vector=numbers)
    value = _number(record)
    if isinstance(value, float):
        if 0.0 < value < 1.0:
            return Answer(probability=value, value=value)
        return Answer(label=_label(value), value=value)
    if isinstance(value, str):
        return Answer(label=value)
    raise ValueError("no readable output")


def parse_output(kind: str, text: str) -> Answer:
    """The model's answer to the first record of the request (see the module docstring for the formats)."""
    if "json" in kind:
        doc = _first_json(kind, text)
        if isinstance(doc, dict) and "predictions" in doc:
            batch = doc["predictions"]
            if not isinstance(batch, list) or not batch:
                raise ValueError("predictions is not a non-empty list")
            return _answer_of(batch[0])
        if isinstance(doc, list) and doc and isinstance(doc[0], (list, dict)):
            return _answer_of(doc[0])  # a batch: its first record
        return _answer_of(doc)
    row = next(csv.reader(io.StringIO(text.strip().splitlines()[0])))
    return _answer_of(row if len(row) > 1 else row[0])


def _capture_time(meta: Dict[str, Any]) -> Optional[dt.datetime]:
    text = meta.get("inferenceTime")
    if not isinstance(text, str) or len(text) < 19:
        return None
    try:
        return dt.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


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
    meta = meta if isinstance(meta, dict) else {}
    inference_id = meta.get("inferenceId")
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
        except (ValueError, TypeError, StopIteration, IndexError, KeyError):
            output = None
    return Captured(str(inference_id) if inference_id not in (None, "") else None, features, output,
                    _capture_time(meta))


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


# --- statistics (standard library only) ---------------------------------------------------------

def _gamma_series(a: float, x: float) -> float:
    total = term = 1.0 / a
    for n in range(1, 1000):
        term *= x / (a + n)
        total += term
        if abs(term) < abs(total) * 1e-15:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_fraction(a: float, x: float) -> float:
    tiny = 1e-300
    b = x + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        step = d * c
        h *= step
        if abs(step - 1) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def chi2_sf(statistic: float, df: int) -> float:
    """P(X >= statistic) for a chi-square variable with df degrees of freedom (regularized upper gamma)."""
    if statistic <= 0:
        return 1.0
    a, x = df / 2.0, statistic / 2.0
    if x < a + 1:
        return max(0.0, 1.0 - _gamma_series(a, x))
    return _gamma_fraction(a, x)


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((a - 1 + m2) * (a + m2)), -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2))):
            d = 1 + aa * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def binomial_sf(successes: int, trials: int, p: float) -> float:
    """P(X >= successes) for X ~ Binomial(trials, p) (the regularized incomplete beta I_p(k, n - k + 1))."""
    if successes <= 0:
        return 1.0
    if successes > trials or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    a, b = float(successes), float(trials - successes + 1)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(p) + b * math.log(1 - p))
    if p < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, p) / a
    return 1 - front * _beta_fraction(b, a, 1 - p) / b


# --- drift --------------------------------------------------------------------------------------

def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index of two distributions over the same bins (an empty bin counts as PSI_EPSILON)."""
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


def merged_bins(expected: Sequence[float], counts: Sequence[int], minimum: float = MIN_EXPECTED) -> Tuple[List[float], List[int]]:
    """Neighbouring bins merged until each expects at least `minimum` records (Pearson's chi-square needs it)."""
    merged_e: List[float] = []
    merged_c: List[int] = []
    run_e, run_c = 0.0, 0
    for e, c in zip(expected, counts):
        run_e += e
        run_c += c
        if run_e >= minimum:
            merged_e.append(run_e)
            merged_c.append(run_c)
            run_e, run_c = 0.0, 0
    if run_e > 0 or run_c > 0:
        if merged_e:
            merged_e[-1] += run_e
            merged_c[-1] += run_c
        else:
            merged_e.append(run_e)
            merged_c.append(run_c)
    return merged_e, merged_c


def chi_square_p(proportions: Sequence[float], counts: Sequence[int]) -> Optional[float]:
    """Pearson's goodness-of-fit p-value of bin counts against proportions; None when fewer than 2 bins remain."""
    n = sum(counts)
    expected, observed = merged_bins([p * n for p in proportions], counts)
    if len(expected) < 2 or n == 0:
        return None
    statistic = 0.0
    for e, o in zip(expected, observed):
        if e <= 0:
            return 0.0 if o > 0 else None  # a value the baseline calls impossible
        statistic += (o - e) ** 2 / e
    return chi2_sf(statistic, len(expected) - 1)


class FeatureCounts:
    """What a window's records say about one feature: bin counts, missing values, values of the wrong type."""

    __slots__ = ("feature", "bins", "missing", "wrong_type", "records")

    def __init__(self, feature: Dict[str, Any]) -> None:
        self.feature = feature
        if feature.get("type") == "categorical":
            self.bins: Any = dict.fromkeys(sorted(str(k) for k in feature["proportions"]), 0)
            self.bins[OTHER] = 0
        else:
            self.bins = [0] * (len(feature["bin_edges"]) + 1)
        self.missing = self.wrong_type = self.records = 0

    def add(self, value: Any) -> None:
        self.records += 1
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            self.missing += 1
        elif isinstance(self.bins, dict):
            key = _label(value)
            self.bins[key if key in self.bins else OTHER] += 1
        elif isinstance(value, float):
            self.bins[bin_index(value, self.feature["bin_edges"])] += 1
        else:
            self.wrong_type += 1

    def distribution(self) -> Tuple[List[float], List[int]]:
        """(baseline proportions, counts) over the bins, in order."""
        if isinstance(self.bins, dict):
            shares = {str(k): float(v) for k, v in self.feature["proportions"].items()}
            keys = sorted(shares, key=lambda k: -shares[k]) + [OTHER]  # small bins last, merged together
            return [shares.get(k, 0.0) for k in keys], [self.bins[k] for k in keys]
        return [float(p) for p in self.feature["proportions"]], list(self.bins)


def feature_drift(counts: FeatureCounts, threshold: float, level: float) -> Dict[str, Any]:
    """Has one feature drifted? Its PSI, missing share and wrong types, each judged at `level` (see the docstring)."""
    n = counts.records
    expected, observed = counts.distribution()
    present = sum(observed)
    result: Dict[str, Any] = {"records": n, "missing_share": round(counts.missing / n, 6) if n else None,
                              "wrong_type": counts.wrong_type, "psi": None, "p_value": None, "signals": []}
    if present:
        result["psi"] = round(psi(expected, [c / present for c in observed]), 6)
        result["p_value"] = chi_square_p(expected, observed)
        if result["psi"] > threshold and result["p_value"] is not None and result["p_value"] <= level:
            result["signals"].append("distribution")
    baseline_missing = float(counts.feature.get("missing", 0.0) or 0.0)
    if n and counts.missing / n > baseline_missing:
        shares = [1 - baseline_missing, baseline_missing]
        missing_psi = psi(shares, [1 - counts.missing / n, counts.missing / n])
        missing_p = binomial_sf(counts.missing, n, baseline_missing)
        result["missing_psi"], result["missing_p_value"] = round(missing_psi, 6), missing_p
        if missing_psi > threshold and missing_p <= level:
            result["signals"].append("missing values")
    if counts.wrong_type and counts.wrong_type >= max(1.0, WRONG_TYPE_SHARE * n):
        result["signals"].append("wrong type")
    result["drifted"] = bool(result["signals"])
    return result


def drift(baseline: Dict[str, Any], feature_counts: Sequence[FeatureCounts], records: int,
          threshold: float) -> Dict[str, Any]:
    """Every feature's drift; the run alarms when any feature drifted (at most DRIFT_FALSE_ALARM_RATE by chance)."""
    features = baseline.get("features", [])
    level = DRIFT_FALSE_ALARM_RATE / max(1, 2 * len(features))  # a distribution and a missing-share test per feature
    result: Dict[str, Any] = {"records": records, "features": {}, "max_psi": None, "drifted": [],
                              "false_alarm_rate": DRIFT_FALSE_ALARM_RATE, "test_level": level}
    if records < MIN_RECORDS_FOR_DRIFT:
        result["note"] = f"not enough data: {records} records, drift needs at least {MIN_RECORDS_FOR_DRIFT}"
        return result
    for counts in feature_counts:
        result["features"][counts.feature["name"]] = feature_drift(counts, threshold, level)
    scores = [f["psi"] for f in result["features"].values() if f["psi"] is not None]
    if scores:
        result["max_psi"] = max(scores)
    result["drifted"] = sorted(name for name, f in result["features"].items() if f["drifted"])
    return result


def make_baseline(rows: Sequence[Dict[str, str]], names: Sequence[str], bins: int = 10) -> Dict[str, Any]:
    """A baseline from training rows: quantile bins for numeric columns, shares for the others, missing shares."""
    features = []
    for name in names:
        raw = [_number(row.get(name, "")) for row in rows]
        present = [v for v in raw if v is not None]
        missing = round((len(raw) - len(present)) / len(raw), 6) if raw else 0.0
        numbers = [v for v in present if isinstance(v, float)]
        if present and len(numbers) == len(present):
            ordered = sorted(numbers)
            edges = sorted({ordered[min(len(ordered) - 1, (len(ordered) * q) // bins)] for q in range(1, bins)})
            counts = [0] * (len(edges) + 1)
            for value in numbers:
                counts[bin_index(value, edges)] += 1
            feature: Dict[str, Any] = {"name": name, "type": "numeric", "bin_edges": edges,
                                       "proportions": [round(c / len(numbers), 6) for c in counts]}
        else:
            shares: Dict[str, int] = {}
            for value in present:
                shares[_label(value)] = shares.get(_label(value), 0) + 1
            total = sum(shares.values()) or 1
            feature = {"name": name, "type": "categorical",
                       "proportions": {k: round(v / total, 6) for k, v in sorted(shares.items())}}
        if missing:
            feature["missing"] = missing
        features.append(feature)
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


def _ranks(scores: Sequence[float]) -> List[float]:
    """1-based ranks, ties sharing their mean rank."""
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
    return ranks


def auc_counts(scores: Sequence[float], positives: Sequence[bool]) -> Optional[Tuple[float, float, float]]:
    """(pairs, concordant pairs, DeLong variance of the concordant count) of positive/negative pairs; None with one class.

    Concordant: the positive scored higher (ties count half); AUC = concordant / pairs. DeLong's
    variance of AUC is var(V10) / m + var(V01) / n over the placements of the m positives and n
    negatives; times pairs^2 it is the count's, which adds up over runs.
    """
    pos = [s for s, p in zip(scores, positives) if p]
    neg = [s for s, p in zip(scores, positives) if not p]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return None
    all_ranks = _ranks(pos + neg)
    pos_ranks, neg_ranks = _ranks(pos), _ranks(neg)
    v10 = [(all_ranks[i] - pos_ranks[i]) / n for i in range(m)]  # share of negatives below each positive
    v01 = [1 - (all_ranks[m + j] - neg_ranks[j]) / m for j in range(n)]  # share of positives above each negative
    area = sum(v10) / m
    s10 = sum((v - area) ** 2 for v in v10) / (m - 1) if m > 1 else 0.0
    s01 = sum((v - area) ** 2 for v in v01) / (n - 1) if n > 1 else 0.0
    pairs = float(m * n)
    return pairs, area * pairs, (s10 / m + s01 / n) * pairs * pairs


def auc(scores: Sequence[float], positives: Sequence[bool]) -> Optional[float]:
    """Area under the ROC curve (Mann-Whitney, ties share their rank); None with one class only."""
    found = auc_counts(scores, positives)
    return None if found is None else found[1] / found[0]


class Reservoir:
    """A uniform sample of at most `size` items of a stream (Algorithm R), seeded for repeatable runs."""

    def __init__(self, size: int, seed: str) -> None:
        self.size, self.seen, self.items = size, 0, []  # type: int, int, List[Any]
        self.random = random.Random(seed)

    def add(self, item: Any) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
            return
        slot = self.random.randrange(self.seen)
        if slot < self.size:
            self.items[slot] = item


class Quality:
    """Streaming quality of (answer, true label) pairs: counts, and a reservoir of scores for AUC."""

    def __init__(self, problem_type: str, classes: Sequence[str], positive_label: str, probability_output: bool,
                 seed: str) -> None:
        self.problem_type, self.classes, self.positive = problem_type, list(classes), positive_label
        self.probability_output = probability_output
        self.unreadable = 0
        self.counts: Dict[str, float] = dict.fromkeys(COUNTS_OF[problem_type], 0.0)
        self.confusion: Dict[Tuple[str, str], int] = {}  # multiclass: (predicted, true) -> records
        self.scores = Reservoir(AUC_SAMPLE, seed)

    def _class_names(self, size: int) -> List[str]:
        return list(self.classes) if len(self.classes) == size else [str(i) for i in range(size)]

    def add(self, answer: Optional[Answer], label: Any) -> None:
        try:
            if answer is None:
                raise ValueError("no output")
            if self.problem_type == "regression":
                self._add_regression(answer, label)
            elif self.problem_type == "binary":
                self._add_binary(answer, _label(label))
            else:
                self._add_multiclass(answer, _label(label))
        except ValueError:
            self.unreadable += 1

    def _add_regression(self, answer: Answer, label: Any) -> None:
        value = answer.value if answer.value is not None else (answer.vector[0] if answer.vector and len(answer.vector) == 1 else None)
        if value is None or not isinstance(label, float):
            raise ValueError("not a number")
        error = value - label
        c = self.counts
        c["labeled"] += 1
        c["abs_error"] += abs(error)
        c["sq_error"] += error * error
        c["fourth_error"] += error ** 4
        c["label_sum"] += label
        c["label_sq"] += label * label

    def _add_binary(self, answer: Answer, truth: str) -> None:
        probability = answer.probability
        if answer.vector is not None:
            names = self._class_names(len(answer.vector))
            if self.positive not in names:
                raise ValueError("the positive label is not a class of the probability vector")
            probability = answer.vector[names.index(self.positive)]
        elif probability is None and self.probability_output and answer.value in (0.0, 1.0):
            probability = answer.value
        if answer.label is not None and answer.vector is None:
            if self.classes and answer.label not in self.classes:
                raise ValueError(f"label {answer.label!r} is not one of the classes")
            predicted = answer.label == self.positive
        elif probability is not None:
            predicted = probability >= 0.5
        else:
            raise ValueError("no label and no probability")
        actual = truth == self.positive
        c = self.counts
        c["labeled"] += 1
        c["correct"] += predicted == actual
        c["tp" if predicted and actual else "fp" if predicted else "fn" if actual else "tn"] += 1
        if probability is None and answer.vector is None and answer.value in (0.0, 1.0):
            probability = 1.0 if predicted else 0.0  # a bare 0 or 1 is a class, scored as certain for AUC
        if probability is not None:
            self.scores.add((probability, actual))

    def _add_multiclass(self, answer: Answer, truth: str) -> None:
        if answer.vector is not None:
            names = self._class_names(len(answer.vector))
            predicted = names[max(range(len(names)), key=lambda i: answer.vector[i])]
            self.scores.add((dict(zip(names, answer.vector)), truth))
        elif answer.label is not None:
            predicted = answer.label
        else:
            raise ValueError("a multiclass answer needs a label or class probabilities")
        self.counts["labeled"] += 1
        self.counts["correct"] += predicted == truth
        self.confusion[(predicted, truth)] = self.confusion.get((predicted, truth), 0) + 1

    def result(self) -> Dict[str, Any]:
        c = self.counts
        found: Dict[str, Any] = {"labeled": int(c["labeled"]), "unreadable_outputs": self.unreadable}
        n = c["labeled"]
        if not n:
            return found
        if self.problem_type == "regression":
            found["mae"] = c["abs_error"] / n
            found["rmse"] = math.sqrt(c["sq_error"] / n)
            total = c["label_sq"] - c["label_sum"] ** 2 / n
            if total > 0:
                found["r2"] = 1 - c["sq_error"] / total
        elif self.problem_type == "binary":
            found["accuracy"] = c["correct"] / n
            found["precision"] = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
            found["recall"] = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
            top = 2 * c["tp"] + c["fp"] + c["fn"]
            found["f1"] = 2 * c["tp"] / top if top else 0.0
            sample = self.scores.items
            counted = auc_counts([s for s, _ in sample], [p for _, p in sample]) if sample else None
            if counted is not None:
                c["auc_pairs"], c["auc_concordant"], c["auc_variance"] = counted
                found["auc"] = counted[1] / counted[0]
                found["auc_sample"] = len(sample)
        else:
            found.update(self._macro(n))
        found["counts"] = {k: c[k] for k in COUNTS_OF[self.problem_type]}
        return found

    def _macro(self, n: float) -> Dict[str, float]:
        found = {"accuracy": self.counts["correct"] / n}
        targets = sorted({t for _, t in self.confusion} | {p for p, _ in self.confusion})
        precisions, recalls, f1s, aucs = [], [], [], []
        for target in targets:
            tp = self.confusion.get((target, target), 0)
            fp = sum(v for (p, t), v in self.confusion.items() if p == target and t != target)
            fn = sum(v for (p, t), v in self.confusion.items() if p != target and t == target)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            precisions.append(precision)
            recalls.append(recall)
            f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
            sample = [(s.get(target), t == target) for s, t in self.scores.items]
            if sample and all(s is not None for s, _ in sample):
                value = auc([float(s) for s, _ in sample], [p for _, p in sample])
                if value is not None:
                    aucs.append(value)
        found["precision"] = sum(precisions) / len(precisions)
        found["recall"] = sum(recalls) / len(recalls)
        found["f1"] = sum(f1s) / len(f1s)
        if aucs:
            found["auc"] = sum(aucs) / len(aucs)
            found["auc_sample"] = len(self.scores.items)
        return found


# --- one run ------------------------------------------------------------------------------------

class Labels:
    """The window's ground truth by inferenceId, thinned by a hash of the id when there are more than `limit`.

    Thinning by hash keeps or drops a label whatever order the files come
    in, so a label kept is joined exactly as it would be without thinning.
    """

    def __init__(self, limit: int = MAX_LABELS) -> None:
        self.limit, self.labels, self.malformed, self.read = limit, {}, 0, 0  # type: int, Dict[str, Any], int, int
        self.cutoff = 1 << 64  # keep ids whose hash is below

    @staticmethod
    def _hash(key: str) -> int:
        return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")

    def add_line(self, line: str) -> None:
        try:
            event, label = parse_ground_truth_line(line)
        except (ValueError, TypeError, AttributeError):
            self.malformed += 1
            return
        self.read += 1
        if self._hash(event) >= self.cutoff:
            return
        self.labels[event] = label
        while len(self.labels) > self.limit:
            self.cutoff //= 2
            self.labels = {k: v for k, v in self.labels.items() if self._hash(k) < self.cutoff}

    @property
    def kept_share(self) -> float:
        return self.cutoff / float(1 << 64)

    def to_dict(self) -> Dict[str, Any]:
        found: Dict[str, Any] = {"records": self.read, "malformed_lines": self.malformed}
        if self.cutoff < 1 << 64:
            found["kept"] = len(self.labels)
            found["note"] = (f"more than {self.limit} labels in the window: a {100 * self.kept_share:.3g} % sample "
                             "by inferenceId is used")
        return found


def evaluate_variant(store: Any, *, base: str, names: Sequence[str], window: Window, quality_start: dt.datetime,
                     labels: Labels, baseline: Optional[Dict[str, Any]], problem_type: str, max_drift_psi: float,
                     seed: str) -> Dict[str, Any]:
    """One pass over a variant's captures of the quality window: drift counts of the run's window, joins to labels."""
    features = [FeatureCounts(f) for f in (baseline or {}).get("features", [])]
    classes = [str(c) for c in (baseline or {}).get("classes", [])]
    positive = str((baseline or {}).get("positive_label", classes[-1] if classes else "1"))
    quality = Quality(problem_type, classes, positive, (baseline or {}).get("output") == "probability", seed)
    captured = malformed = unreadable_inputs = without_id = joined = 0
    first = min(window.start, quality_start)
    # A capture file lands in the folder of the hour it was opened: read one more hour, judge each record by its time.
    hours = hours_between(first, window.end + dt.timedelta(hours=1))
    for prefix in hour_prefixes(base, hours):
        folder_hour = dt.datetime.strptime(prefix[len(base) + 1:len(base) + 14], "%Y/%m/%d/%H")
        for line in read_lines(store, [prefix]):
            try:
                record = parse_capture_line(line, names)
            except ValueError:
                if window.start <= folder_hour < window.end:
                    malformed += 1
                continue
            when = record.time or folder_hour
            if not first <= when < window.end:
                continue
            if window.start <= when:
                captured += 1
                if record.features is None:
                    unreadable_inputs += 1
                else:
                    for counts in features:
                        counts.add(record.features.get(counts.feature["name"]))
            if record.inference_id is None:
                without_id += window.start <= when
                continue
            label = labels.labels.pop(record.inference_id, None)
            if label is not None:
                joined += 1
                quality.add(record.output, label)
    report: Dict[str, Any] = {
        "captured_records": captured,
        "skipped": {"malformed_lines": malformed, "unreadable_inputs": unreadable_inputs,
                    "without_inference_id": without_id},
    }
    if baseline is None:
        report["drift"] = {"note": "no baseline: drift not computed"}
    else:
        report["drift"] = drift(baseline, features, captured - unreadable_inputs, max_drift_psi)
    report["quality"] = quality.result() if joined else {"labeled": 0, "note": "no label of the window joins a "
                                                                               "capture of this variant"}
    return report


def metric_data(workspace: str, variant: str, report: Dict[str, Any], problem_type: str,
                when: dt.datetime) -> List[Dict[str, Any]]:
    """The CloudWatch datapoints of one variant's report."""
    dims = [{"Name": "Workspace", "Value": workspace}, {"Name": "Variant", "Value": variant}]

    def point(name: str, value: float, unit: str = "None", extra: Sequence[Dict[str, str]] = ()) -> Dict[str, Any]:
        return {"MetricName": name, "Dimensions": dims + list(extra), "Value": float(value), "Unit": unit,
                "Timestamp": when}

    points = [point("CapturedRecords", report["captured_records"], "Count")]
    drift_part = report.get("drift", {})
    if drift_part.get("max_psi") is not None:
        points.append(point("MaxFeaturePSI", drift_part["max_psi"]))
        points.append(point("DriftedFeatures", len(drift_part["drifted"]), "Count"))
        for feature, found in sorted(drift_part["features"].items()):
            if found.get("psi") is not None:
                points.append(point("FeaturePSI", found["psi"], extra=[{"Name": "Feature", "Value": feature}]))
    quality = report.get("quality", {})
    points.append(point("LabeledRecords", quality.get("labeled", 0), "Count"))
    if quality.get("labeled", 0) >= MIN_LABELED_FOR_METRICS:
        for key in QUALITY_METRICS[problem_type]:
            if quality.get(key) is not None:
                points.append(point(METRIC_NAMES[key], quality[key]))
    for key, value in sorted((quality.get("counts") or {}).items()):
        if key != "labeled":
            points.append(point(QUALITY_COUNTS[key], value, "Count" if key in ("correct", "tp", "fp", "fn", "tn") else "None"))
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
        quality = {k: v for k, v in part.get("quality", {}).items() if k not in ("note", "counts")}
        lines.append(json.dumps({"run_at": report["run_at"], "mode": report["mode"], "window": report["window"],
                                 "variant": variant, "captured_records": part["captured_records"],
                                 "max_psi": part.get("drift", {}).get("max_psi"),
                                 "drifted": part.get("drift", {}).get("drifted", []),
                                 "quality": quality, "skipped": part["skipped"]}, sort_keys=True))
    return lines


def write_log(log_group: str, report: Dict[str, Any], client: Any = None) -> None:
    """The run's summary as one log stream `monitoring/<run time>` in the workspace's log group."""
    if client is None:
        import boto3

        client = boto3.client("logs")
    stream = "monitoring/" + report["run_at"].replace(":", "-") + ("-preview" if report["mode"] == "preview" else "")
    client.create_log_stream(logGroupName=log_group, logStreamName=stream)
    stamp = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
    client.put_log_events(logGroupName=log_group, logStreamName=stream,
                          logEvents=[{"timestamp": stamp, "message": line} for line in summary_lines(report)])


def run(store: Any, *, workspace: str, endpoint: str, variants: Sequence[str], problem_type: str,
        capture_prefix: str, ground_truth_prefix: str, baseline_key: str, report_prefix: str,
        window_hours: int, quality_hours: int, max_drift_psi: float, now: dt.datetime, mode: str = "scheduled",
        settle_minutes: int = DEFAULT_SETTLE_MINUTES, metrics_client: Any = None,
        publish_metrics: bool = True) -> Dict[str, Any]:
    """One evaluation: read, compute, publish (scheduled runs), write the report and state; returns the report."""
    baseline_body = store.read(baseline_key)
    baseline = json.loads(baseline_body) if baseline_body else None
    names = [f["name"] for f in (baseline or {}).get("features", [])]
    window = run_window(now, mode=mode, window_hours=window_hours, max_hours=quality_hours,
                        settle_minutes=settle_minutes, previous_end=read_state(store, report_prefix))
    report: Dict[str, Any] = {
        "workspace": workspace, "endpoint": endpoint, "problem_type": problem_type, "mode": mode,
        "run_at": now.strftime(TIME_FORMAT), "window": window.to_dict(), "quality_lookback_hours": quality_hours,
        "baseline": baseline_key if baseline else None, "max_drift_psi": max_drift_psi,
        "drift_false_alarm_rate": DRIFT_FALSE_ALARM_RATE, "notes": list(window.notes), "variants": {},
    }
    if baseline is None:
        report["notes"].append(f"no baseline at {baseline_key}: drift not computed (see the monitoring guide)")
    if window.empty:
        report["notes"].append(f"nothing new: the previous scheduled run evaluated up to "
                               f"{window.start.strftime(TIME_FORMAT)}; the next hour is evaluated after it ends")
        report["ground_truth"] = {"records": 0, "malformed_lines": 0}
    else:
        labels = Labels()
        upload_hours = hours_between(window.start, window.end)
        for line in read_lines(store, hour_prefixes(ground_truth_prefix, upload_hours)):
            labels.add_line(line)
        points: List[Dict[str, Any]] = []
        for variant in variants:
            part = evaluate_variant(
                store, base=f"{capture_prefix}/{endpoint}/{variant}", names=names, window=window,
                quality_start=window.end - dt.timedelta(hours=quality_hours), labels=labels, baseline=baseline,
                problem_type=problem_type, max_drift_psi=max_drift_psi, seed=f"{report['run_at']}/{variant}")
            report["variants"][variant] = part
            points.extend(metric_data(workspace, variant, part, problem_type, now))
        report["ground_truth"] = labels.to_dict()
        report["ground_truth"]["without_capture"] = len(labels.labels)
        if mode == "scheduled" and publish_metrics:
            publish(points, metrics_client)
    body = json.dumps(report, indent=2, sort_keys=True).encode()
    suffix = "-preview" if mode == "preview" else ""
    store.write(f"{report_prefix}/runs/{now.strftime('%Y/%m/%d/%H%M%S')}{suffix}.json", body)
    store.write(f"{report_prefix}/latest.json", body)
    if mode == "scheduled" and not window.empty:
        store.write(f"{report_prefix}/state.json", json.dumps({"window_end": window.end.strftime(TIME_FORMAT)}).encode())
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
    ev.add_argument("--window-hours", type=int, default=24, help="the schedule's interval (the first run's window)")
    ev.add_argument("--quality-hours", type=int, default=168, help="how far back captures join the window's labels")
    ev.add_argument("--max-drift-psi", type=float, default=0.2)
    ev.add_argument("--settle-minutes", type=int, default=DEFAULT_SETTLE_MINUTES,
                    help="an hour counts as complete this long after it ended")
    ev.add_argument("--mode", choices=("scheduled", "preview"), default="scheduled")
    ev.add_argument("--now", help="evaluate as of this UTC time (2026-11-30T14:15:00Z); default: now")
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
    now = (dt.datetime.strptime(args.now, TIME_FORMAT) if args.now
           else dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0))
    report = run(store, workspace=args.workspace, endpoint=args.endpoint, variants=args.variants.split(","),
                 problem_type=args.problem_type, capture_prefix=args.capture_prefix,
                 ground_truth_prefix=args.ground_truth_prefix, baseline_key=args.baseline_key,
                 report_prefix=args.report_prefix, window_hours=args.window_hours,
                 quality_hours=args.quality_hours, max_drift_psi=args.max_drift_psi, now=now, mode=args.mode,
                 settle_minutes=args.settle_minutes, publish_metrics=not args.no_metrics)
    if args.log_group:
        write_log(args.log_group, report)
    window = report["window"]
    print(f"{args.mode} run, window {window['start']} to {window['end']}")
    for note in report["notes"]:
        print(f"note: {note}")
    for variant, part in report["variants"].items():
        quality = {k: v for k, v in part["quality"].items() if k != "counts"}
        print(f"{variant}: {part['captured_records']} records, drift max PSI {part['drift'].get('max_psi')}, "
              f"drifted {part['drift'].get('drifted')}, quality {json.dumps(quality, sort_keys=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
