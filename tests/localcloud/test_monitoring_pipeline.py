"""Monitoring on the local cloud: `monitoring run` starts the pipeline provision synthesized, the local cloud runs
its evaluation step itself against the sandbox's bucket and CloudWatch, and `monitoring report` reads the result.

Terraform's AWS provider is not used here (the e2e tier applies for real): what applying sandbox-serving would
have created for its monitoring pipeline (the KMS key, the data bucket, the log group, the evaluation script
object and the pipeline, with the definition exactly as synthesized) is created in the sandbox with boto3.
Capture files are written in SageMaker's data capture format under the current hour, because the pipeline runs
the script as scheduled runs do, on the wall clock (no `--now`); the assertions do not depend on the time.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.moto]  # the local cloud (the `sandbox` fixture)

REGION = "eu-west-1"
NAME = "sandbox-serving"
ENDPOINT = "acme-sandbox-serving-sandbox-endpoint"


def _sandbox_aws(acme: Path):
    from provisioner.cloud.access import access
    from provisioner.models.org import load_org

    org = load_org(acme / "provision.yaml")
    return access(acme, "sandbox", org.config.environments["sandbox"]).aws()


def _capture_line(age: int, plan: str, score: str, inference_id: str, when: dt.datetime | None = None) -> str:
    """One request and response as SageMaker's data capture writes it (JSON Lines)."""
    return json.dumps({
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": f"{age},{plan}",
                              "encoding": "CSV"},
            "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": score, "encoding": "CSV"},
        },
        "eventMetadata": {"eventId": f"e-{inference_id}", "inferenceId": inference_id,
                          "inferenceTime": (when or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")},
        "eventVersion": "0",
    })


def _as_applied(acme: Path, aws) -> dict:
    """Create in the sandbox what applying the synthesized monitoring pipeline creates; returns the config."""
    config = json.loads((acme / "cdktf.out" / "stacks" / NAME / "cdk.tf.json").read_text())
    [pipeline] = config["resource"]["aws_sagemaker_pipeline"].values()
    [script] = config["resource"]["aws_s3_object"].values()
    key_arn = aws.client("kms", REGION).create_key()["KeyMetadata"]["Arn"]
    bucket = f"acme-{NAME}-sandbox-data-123456789012"
    aws.client("s3", REGION).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    # The object's content as Terraform uploads it (the synthesized text escapes `${` for Terraform).
    body = script["content"].replace("$${", "${").replace("%%{", "%{")
    aws.client("s3", REGION).put_object(Bucket=bucket, Key=script["key"], Body=body.encode())
    aws.client("logs", REGION).create_log_group(logGroupName=f"acme-{NAME}-sandbox-logs")
    definition = pipeline["pipeline_definition"].replace("${aws_kms_key.key.arn}", key_arn)
    assert "${" not in definition, "a Terraform reference this test does not resolve"
    aws.client("sagemaker", REGION).create_pipeline(
        PipelineName=pipeline["pipeline_name"], PipelineDefinition=definition, RoleArn=pipeline["role_arn"])
    return {"bucket": bucket, "script_key": script["key"]}


def test_monitoring_run_then_report_works_on_the_local_cloud(run, acme: Path, sandbox):
    # GIVEN sandbox-serving synthesized and its monitoring pipeline applied on the local cloud
    synthesized = run("synth", NAME)
    assert synthesized.code == 0, synthesized.err
    aws = _sandbox_aws(acme)
    applied = _as_applied(acme, aws)
    # AND a baseline, and an hour of captured requests for each variant
    s3 = aws.client("s3", REGION)
    s3.put_object(Bucket=applied["bucket"], Key="monitoring/baseline/baseline.json", Body=json.dumps({
        "version": 1, "features": [
            {"name": "age", "type": "numeric", "bin_edges": [30, 45, 60], "proportions": [0.25, 0.25, 0.25, 0.25]},
            {"name": "plan", "type": "categorical", "proportions": {"basic": 0.5, "pro": 0.5}}]}))
    hour = dt.datetime.now(dt.timezone.utc).strftime("%Y/%m/%d/%H")
    counts = {"champion": 40, "challenger": 35}
    for variant, count in counts.items():
        lines = [_capture_line(20 + i % 50, "pro" if i % 2 else "basic", "0.7", f"{variant}-{i}") for i in range(count)]
        s3.put_object(Bucket=applied["bucket"], Key=f"data-capture/{ENDPOINT}/{variant}/{hour}/a.jsonl",
                      Body="\n".join(lines).encode())

    # WHEN the data scientist starts a run (a preview: the data up to now, the running hour included)
    started = run("monitoring", "run", NAME)
    # THEN the local cloud ran the evaluation step, and the command followed it to its end
    assert started.code == 0, started.err
    assert f"monitoring run of {NAME}: Succeeded" in started.out
    assert f"next: provision monitoring report {NAME}" in started.out

    # WHEN the report is asked for
    report = run("monitoring", "report", NAME, "-o", "json")
    # THEN it is that run's: both variants, with what was captured for each
    assert report.code == 0, report.err
    data = report.json()
    assert data["last_run"]["status"] == "Succeeded"
    assert data["report"]["workspace"] == NAME
    assert {v: part["captured_records"] for v, part in data["report"]["variants"].items()} == counts
    text = run("monitoring", "report", NAME)
    assert text.code == 0 and "champion: 40 captured records" in text.out, text.err
    # AND a preview published nothing (the schedule's runs are the ones that count)
    cloudwatch = aws.client("cloudwatch", REGION)

    def published() -> set[str]:
        metrics = cloudwatch.list_metrics(Namespace="provision/ModelQuality", MetricName="CapturedRecords",
                                          Dimensions=[{"Name": "Workspace", "Value": NAME}])["Metrics"]
        return {d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "Variant"}

    assert published() == set()

    # GIVEN captures in the two hours before this one (a scheduled run reads a completed hour: one of them)
    for back in (1, 2):
        when = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=back)
        for variant in counts:
            s3.put_object(Bucket=applied["bucket"], Key=f"data-capture/{ENDPOINT}/{variant}/{when:%Y/%m/%d/%H}/b.jsonl",
                          Body=_capture_line(40, "pro", "0.7", f"{variant}-{back}", when).encode())
    # WHEN what the schedule runs is started by hand
    scheduled = run("monitoring", "run", NAME, "--scheduled")
    # THEN it ran and published its metrics to the sandbox's CloudWatch, per workspace and variant
    assert scheduled.code == 0 and f"monitoring run of {NAME}: Succeeded" in scheduled.out, scheduled.err
    assert published() == set(counts)
    good = run("monitoring", "report", NAME)
    assert good.code == 0 and "scheduled run at" in good.out and "champion: " in good.out, good.err

    # GIVEN the evaluation script broken (as a bad script version would be)
    s3.put_object(Bucket=applied["bucket"], Key=applied["script_key"],
                  Body=b"import sys\nsys.exit('evaluation crashed: no baseline features')\n")
    # WHEN a run is started
    failed = run("monitoring", "run", NAME)
    # THEN the command fails (exit 1) with the step's reason and where its output is
    assert failed.code == 1
    [line] = failed.error_lines
    assert "the monitoring run of sandbox-serving failed: step Evaluate: exit code 1: evaluation crashed" in line
    assert ".provision/sandbox/server.log" in failed.err
    # AND the report still shows the last good run, saying the newest one failed
    stale = run("monitoring", "report", NAME)
    assert stale.code == 0 and stale.out == good.out
    assert "note: the last run" in stale.err and "failed: step Evaluate: exit code 1" in stale.err

