"""The evaluation script against S3 and CloudWatch, as the processing job runs it (moto server)."""

from __future__ import annotations

import json
import random

import boto3
import pytest
from capture_helpers import BASELINE, ENDPOINT, NOW, capture_key, capture_line, ground_truth_line

from provisioner.monitoring import evaluate

pytestmark = pytest.mark.moto
BUCKET = "acme-recsys-ab-prod-data-123456789012"


def test_a_run_reads_s3_publishes_metrics_and_writes_an_encrypted_report(aws):
    # GIVEN a data bucket with a baseline, an hour of captures of two variants and some ground truth
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    key_id = boto3.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["Arn"]
    s3.put_object(Bucket=BUCKET, Key="monitoring/baseline/baseline.json", Body=json.dumps(BASELINE))
    rng = random.Random(11)
    for variant, ages in (("champion", [20, 40, 50, 70]), ("challenger", [65, 70, 80])):
        lines = [capture_line([rng.choice(ages), rng.choice(["basic", "pro"])], "1", f"{variant}-{i}")
                 for i in range(100)]
        s3.put_object(Bucket=BUCKET, Key=capture_key(variant, NOW), Body="\n".join(lines))
    labels = [ground_truth_line(f"champion-{i}", "1" if i % 4 else "0") for i in range(100)]
    s3.put_object(Bucket=BUCKET, Key=f"ground-truth/{NOW.strftime('%Y/%m/%d/%H')}/a.jsonl", Body="\n".join(labels))
    logs = boto3.client("logs", region_name="eu-west-1")
    logs.create_log_group(logGroupName="/provision/acme/recsys-ab/prod")
    # WHEN the script runs as the pipeline's processing step runs it
    code = evaluate.main(["evaluate", "--bucket", BUCKET, "--kms-key", key_id, "--workspace", "recsys-ab",
                          "--endpoint", ENDPOINT, "--variants", "champion,challenger", "--problem-type", "binary",
                          "--window-hours", "1", "--quality-hours", "1", "--now", NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "--log-group", "/provision/acme/recsys-ab/prod"])
    # THEN it succeeded and the latest report is in the bucket, encrypted with the workspace key
    assert code == 0
    head = s3.head_object(Bucket=BUCKET, Key="monitoring/reports/latest.json")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_id
    report = json.loads(s3.get_object(Bucket=BUCKET, Key="monitoring/reports/latest.json")["Body"].read())
    assert report["variants"]["challenger"]["drift"]["drifted"] == ["age"]
    assert report["variants"]["champion"]["quality"]["accuracy"] == pytest.approx(0.75)
    # AND the metrics are in provision/ModelQuality with dimensions Workspace and Variant
    cloudwatch = boto3.client("cloudwatch", region_name="eu-west-1")
    metrics = cloudwatch.list_metrics(Namespace="provision/ModelQuality")["Metrics"]
    found = {(m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))) for m in metrics}
    assert ("MaxFeaturePSI", (("Variant", "challenger"), ("Workspace", "recsys-ab"))) in found
    assert ("Accuracy", (("Variant", "champion"), ("Workspace", "recsys-ab"))) in found
    stats = cloudwatch.get_metric_statistics(
        Namespace="provision/ModelQuality", MetricName="Accuracy",
        Dimensions=[{"Name": "Workspace", "Value": "recsys-ab"}, {"Name": "Variant", "Value": "champion"}],
        StartTime=NOW.replace(hour=0), EndTime=NOW.replace(hour=23), Period=3600, Statistics=["Maximum"])
    assert [p["Maximum"] for p in stats["Datapoints"]] == [pytest.approx(0.75)]
    # AND the workspace's log group has the run's summary, one line per variant
    events = logs.get_log_events(logGroupName="/provision/acme/recsys-ab/prod",
                                 logStreamName="monitoring/2026-11-30T14-20-00Z")["events"]
    summaries = {json.loads(e["message"])["variant"]: json.loads(e["message"]) for e in events}
    assert summaries["challenger"]["drifted"] == ["age"]
    assert summaries["champion"]["quality"]["accuracy"] == pytest.approx(0.75)
