"""The evaluation script against S3, CloudWatch and CloudWatch Logs, as the processing job runs it (moto server)."""

from __future__ import annotations

import datetime as dt
import json
import random

import boto3
import pytest
from capture_helpers import BASELINE, ENDPOINT, HOUR, NOW, capture_key, capture_line, ground_truth_line, truth_key

from provisioner.monitoring import evaluate

pytestmark = pytest.mark.moto
BUCKET = "acme-recsys-ab-prod-data-123456789012"
DIMENSIONS = [{"Name": "Workspace", "Value": "recsys-ab"}, {"Name": "Variant", "Value": "champion"}]


def evaluate_main(*extra: str, bucket: str = BUCKET) -> int:
    return evaluate.main(["evaluate", "--bucket", bucket, "--workspace", "recsys-ab", "--endpoint", ENDPOINT,
                          "--variants", "champion,challenger", "--problem-type", "binary", "--window-hours", "1",
                          *extra])


def metric_sum(name: str) -> list[float]:
    stats = boto3.client("cloudwatch", region_name="eu-west-1").get_metric_statistics(
        Namespace="provision/ModelQuality", MetricName=name, Dimensions=DIMENSIONS,
        StartTime=NOW.replace(hour=0), EndTime=NOW.replace(hour=23), Period=3600, Statistics=["Sum"])
    return [p["Sum"] for p in stats["Datapoints"]]


def test_a_run_reads_s3_publishes_metrics_and_writes_an_encrypted_report(aws):
    # GIVEN a data bucket with a baseline, the last hour's captures of two variants and the labels of that hour
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    key_id = boto3.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["Arn"]
    s3.put_object(Bucket=BUCKET, Key="monitoring/baseline/baseline.json", Body=json.dumps(BASELINE))
    rng = random.Random(11)
    for variant, ages in (("champion", [20, 40, 50, 70]), ("challenger", [65, 70, 80])):
        lines = [capture_line([rng.choice(ages), rng.choice(["basic", "pro"])], "1", f"{variant}-{i}")
                 for i in range(100)]
        s3.put_object(Bucket=BUCKET, Key=capture_key(variant, HOUR), Body="\n".join(lines))
    labels = [ground_truth_line(f"champion-{i}", "1" if i % 4 else "0") for i in range(100)]
    s3.put_object(Bucket=BUCKET, Key=truth_key(HOUR, "a.jsonl"), Body="\n".join(labels))
    logs = boto3.client("logs", region_name="eu-west-1")
    logs.create_log_group(logGroupName="/provision/acme/recsys-ab/prod")
    # WHEN the script runs as the pipeline's scheduled step runs it
    code = evaluate_main("--kms-key", key_id, "--now", NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "--log-group", "/provision/acme/recsys-ab/prod")
    # THEN it succeeded and the latest report is in the bucket, encrypted with the workspace key
    assert code == 0
    head = s3.head_object(Bucket=BUCKET, Key="monitoring/reports/latest.json")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_id
    report = json.loads(s3.get_object(Bucket=BUCKET, Key="monitoring/reports/latest.json")["Body"].read())
    assert report["variants"]["challenger"]["drift"]["drifted"] == ["age"]
    assert report["variants"]["champion"]["quality"]["accuracy"] == pytest.approx(0.75)
    # AND where its window ended, for the next run
    state = json.loads(s3.get_object(Bucket=BUCKET, Key="monitoring/reports/state.json")["Body"].read())
    assert state == {"window_end": "2026-11-30T14:00:00Z"}
    # AND the metrics are in provision/ModelQuality with dimensions Workspace and Variant: the drift decision, the
    # quality metric and the counts the A/B readout pools
    cloudwatch = boto3.client("cloudwatch", region_name="eu-west-1")
    metrics = cloudwatch.list_metrics(Namespace="provision/ModelQuality")["Metrics"]
    found = {(m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))) for m in metrics}
    assert ("DriftedFeatures", (("Variant", "challenger"), ("Workspace", "recsys-ab"))) in found
    assert ("MaxFeaturePSI", (("Variant", "challenger"), ("Workspace", "recsys-ab"))) in found
    assert ("Accuracy", (("Variant", "champion"), ("Workspace", "recsys-ab"))) in found
    assert metric_sum("LabeledRecords") == [100.0]
    assert metric_sum("CorrectPredictions") == [75.0] and metric_sum("TruePositives") == [75.0]
    assert metric_sum("FalsePositives") == [25.0] and metric_sum("FalseNegatives") == [0.0]
    # AND the workspace's log group has the run's summary, one line per variant
    events = logs.get_log_events(logGroupName="/provision/acme/recsys-ab/prod",
                                 logStreamName="monitoring/2026-11-30T14-20-00Z")["events"]
    summaries = {json.loads(e["message"])["variant"]: json.loads(e["message"]) for e in events}
    assert summaries["challenger"]["drifted"] == ["age"]
    assert summaries["champion"]["quality"]["accuracy"] == pytest.approx(0.75)


def test_a_preview_publishes_nothing_and_the_next_scheduled_run_counts_the_labels_once(aws):
    # GIVEN a bucket with the running hour's captures and labels
    bucket = "acme-preview-data-123456789012"
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    running = HOUR + dt.timedelta(hours=1)
    s3.put_object(Bucket=bucket, Key=capture_key("champion", running), Body="\n".join(
        capture_line([40, "pro"], "1", f"p-{i}", when=running + dt.timedelta(minutes=5)) for i in range(40)))
    s3.put_object(Bucket=bucket, Key=truth_key(running), Body="\n".join(ground_truth_line(f"p-{i}", "1") for i in range(40)))
    dims = [{"Name": "Workspace", "Value": "recsys-ab"}, {"Name": "Variant", "Value": "champion"}]

    def labeled() -> list[float]:
        stats = boto3.client("cloudwatch", region_name="eu-west-1").get_metric_statistics(
            Namespace="provision/ModelQuality", MetricName="CorrectPredictions", Dimensions=dims,
            StartTime=NOW.replace(hour=0), EndTime=NOW.replace(hour=23), Period=86400, Statistics=["Sum"])
        return [p["Sum"] for p in stats["Datapoints"]]

    before = labeled()
    # WHEN a preview runs at 14:20 (what `provision monitoring run` starts)
    assert evaluate_main("--mode", "preview", "--now", "2026-11-30T14:20:00Z", bucket=bucket) == 0
    report = json.loads(s3.get_object(Bucket=bucket, Key="monitoring/reports/latest.json")["Body"].read())
    # THEN it evaluated the running hour's 40 labels, but published nothing and left no state
    assert report["mode"] == "preview" and report["variants"]["champion"]["quality"]["labeled"] == 40
    assert labeled() == before
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="monitoring/reports/state.json")
    # AND the scheduled run after the hour counts them, once
    assert evaluate_main("--now", "2026-11-30T15:15:00Z", bucket=bucket) == 0
    assert sum(labeled()) - sum(before) == 40.0
