"""`provision monitoring run|report` and `provision endpoint report|promote`, against the moto server.

moto stands in for SageMaker Pipelines, S3 and CloudWatch; the workspace is an
A/B endpoint in dev (moto's account) on realtime-endpoint 1.1.0. Metrics are
seeded with `put_metric_data` as SageMaker and the monitoring script publish them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import REGION, client

pytestmark = pytest.mark.moto

NAME = "ab-dev"
SPEC = f"""\
# An A/B test in dev.
name: {NAME}
blueprint: realtime-endpoint@1.1.0
environment: dev
owner: alice@example.com
team: growth
tags: {{cost-center: cc-1}}
parameters:
  serving:
    image_uri: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/ranker:1
    model_data: models/ranker/model.tar.gz
    variants:
      - {{name: champion, instance_type: ml.m5.large, initial_instance_count: 2, weight: 90, min_instances: 2, max_instances: 3}}
      - {{name: challenger, instance_type: ml.m5.large, initial_instance_count: 2, weight: 10, min_instances: 2, max_instances: 3}}
  monitoring:
    schedule: hourly
    min_quality: {{metric: auc, threshold: 0.7}}
ab_test: {{error_rate_difference_percent: 1, quality_difference: 0.05}}
"""


@pytest.fixture
def ab_dev(org: Path, aws) -> Path:
    """The A/B workspace's spec, and what applying it created in moto that these commands use."""
    from infra.serving_names import ServingNames
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_named

    spec = org / "workspaces" / f"{NAME}.yaml"
    spec.write_text(SPEC)
    loaded = load_org(str(org))
    names = ServingNames.of(load_named(loaded, Catalog.for_org(loaded), NAME))
    client("s3").create_bucket(Bucket=names.data_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    client("sagemaker").create_pipeline(
        PipelineName=names.monitoring_pipeline, RoleArn=f"arn:aws:iam::123456789012:role/{names.monitoring_role}",
        PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": [], "Parameters": [
            {"Name": "Mode", "Type": "String", "DefaultValue": "scheduled"}]}))
    return spec


def test_monitoring_run_starts_a_preview_of_the_pipeline(run, ab_dev):
    # GIVEN the applied workspace's monitoring pipeline, never run
    # WHEN a data scientist starts it
    result = run("monitoring", "run", NAME, "-o", "json")
    # THEN one execution of that pipeline exists, a preview (it publishes nothing; the schedule's runs count)
    assert result.code == 0, result.err
    started = result.json()
    assert started["pipeline"] == "acme-ab-dev-dev-monitoring" and started["mode"] == "preview"
    sagemaker = client("sagemaker")
    executions = sagemaker.list_pipeline_executions(PipelineName=started["pipeline"])
    assert [e["PipelineExecutionArn"] for e in executions["PipelineExecutionSummaries"]] == [started["execution_arn"]]
    parameters = sagemaker.list_pipeline_parameters_for_execution(PipelineExecutionArn=started["execution_arn"])
    assert parameters["PipelineParameters"] == [{"Name": "Mode", "Value": "preview"}]
    # AND `--scheduled` starts what the schedule starts
    scheduled = run("monitoring", "run", NAME, "--scheduled", "-o", "json").json()
    parameters = sagemaker.list_pipeline_parameters_for_execution(PipelineExecutionArn=scheduled["execution_arn"])
    assert parameters["PipelineParameters"] == [{"Name": "Mode", "Value": "scheduled"}]


def test_fails_when_the_workspace_monitors_with_model_monitor(run, org):
    # GIVEN forecasting on full-mlops 1.0.0 in an org that says it has Model Monitor
    config = org / "provision.yaml"
    config.write_text(config.read_text() + "monitoring: {model_monitor: true}\n")
    # WHEN asked to run its monitoring pipeline
    result = run("monitoring", "run", "forecasting")
    # THEN exit 2: it has none, and the message says why
    assert result.code == 2
    assert any("monitoring.engine" in line and "model-monitor" in line for line in result.error_lines), result.err


def test_monitoring_report_prints_the_last_runs_drift_and_quality(run, ab_dev):
    # GIVEN a run of the evaluation script against the workspace's data bucket
    from provisioner.monitoring import evaluate

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "monitoring"))
    from capture_helpers import BASELINE, ENDPOINT, HOUR, NOW, capture_line  # noqa: E402

    s3 = client("s3")
    bucket = "acme-ab-dev-dev-data-123456789012"
    s3.put_object(Bucket=bucket, Key="monitoring/baseline/baseline.json", Body=json.dumps(BASELINE))
    lines = [capture_line([70 + i % 5, "pro"], "0.8", f"i{i}") for i in range(50)]
    s3.put_object(Bucket=bucket, Key=f"data-capture/{ENDPOINT}/champion/{HOUR:%Y/%m/%d/%H}/a.jsonl",
                  Body="\n".join(lines + ["{broken"]))
    assert evaluate.main(["evaluate", "--bucket", bucket, "--workspace", NAME, "--endpoint", ENDPOINT,
                          "--variants", "champion", "--problem-type", "binary", "--window-hours", "1",
                          "--now", f"{NOW:%Y-%m-%dT%H:%M:%SZ}", "--no-metrics"]) == 0
    # WHEN the data scientist asks for the report
    result = run("monitoring", "report", NAME)
    # THEN it shows the window, the variant's records, its drifted feature and what was skipped
    assert result.code == 0, result.err
    assert "data from 2026-11-30T13:00:00Z to 2026-11-30T14:00:00Z" in result.out
    assert "champion: 50 captured records" in result.out
    assert "drifted: age" in result.out and "false alarms at most 1 % of runs" in result.out
    assert "1 malformed lines" in result.out
    assert "quality: no label of the window joins a capture of this variant" in result.out


def test_monitoring_report_before_the_first_run_says_how_to_start_one(run, ab_dev):
    # GIVEN no report yet WHEN asked THEN it says so and how to start a run
    result = run("monitoring", "report", NAME)
    assert result.code == 0, result.err
    assert "no report in s3://acme-ab-dev-dev-data-123456789012/monitoring/reports/latest.json yet" in result.out
    assert f"provision monitoring run {NAME}" in result.out


# --- the A/B readout ---------------------------------------------------------------------------------

def seed(variant: str, *, invocations: int, errors_5xx: int, latency_us: list[float], quality: dict[str, float],
         hours_ago: float = 0) -> None:
    """5-minute datapoints of SageMaker's metrics and one monitoring run's counts, as they publish them."""
    cloudwatch = client("cloudwatch")
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0) - dt.timedelta(hours=hours_ago)
    endpoint = [{"Name": "EndpointName", "Value": "acme-ab-dev-dev-endpoint"}, {"Name": "VariantName", "Value": variant}]
    data = []
    for i, latency in enumerate(latency_us):
        when = now - dt.timedelta(minutes=5 * (i + 1))
        data += [
            {"MetricName": "Invocations", "Dimensions": endpoint, "Timestamp": when, "Value": invocations / len(latency_us)},
            {"MetricName": "Invocation5XXErrors", "Dimensions": endpoint, "Timestamp": when,
             "Value": errors_5xx / len(latency_us)},
            {"MetricName": "Invocation4XXErrors", "Dimensions": endpoint, "Timestamp": when, "Value": 0.0},
            {"MetricName": "ModelLatency", "Dimensions": endpoint, "Timestamp": when, "Value": latency},
        ]
    for start in range(0, len(data), 20):
        cloudwatch.put_metric_data(Namespace="AWS/SageMaker", MetricData=data[start:start + 20])
    dims = [{"Name": "Workspace", "Value": NAME}, {"Name": "Variant", "Value": variant}]
    cloudwatch.put_metric_data(Namespace="provision/ModelQuality", MetricData=[
        {"MetricName": metric, "Dimensions": dims, "Timestamp": now - dt.timedelta(minutes=30), "Value": value}
        for metric, value in quality.items()])


def auc_counts(positives: int, negatives: int, auc: float) -> dict[str, float]:
    """One run's counts of a binary model with this AUC (and a DeLong variance of a typical size)."""
    pairs = positives * negatives
    variance = auc * (1 - auc) * (1 / positives + 1 / negatives) * pairs ** 2 / 2
    tp, fn = int(0.8 * positives), positives - int(0.8 * positives)
    fp, tn = int(0.1 * negatives), negatives - int(0.1 * negatives)
    return {"LabeledRecords": positives + negatives, "CorrectPredictions": tp + tn, "TruePositives": tp,
            "FalsePositives": fp, "FalseNegatives": fn, "TrueNegatives": tn, "AUCPairs": pairs,
            "AUCConcordantPairs": auc * pairs, "AUCConcordanceVariance": variance}


def test_endpoint_report_finds_the_challenger_worse_on_errors_and_better_on_auc(run, ab_dev):
    # GIVEN a day where the challenger answered 2% of 2,400 requests with 5XX, the champion 0.1% of 12,000,
    # and the labels of the day gave the challenger an AUC of 0.85 and the champion 0.70 (3,000 labels each)
    seed("champion", invocations=12000, errors_5xx=12, latency_us=[20000.0 + 100 * i for i in range(12)],
         quality=auc_counts(1000, 2000, 0.70))
    seed("challenger", invocations=2400, errors_5xx=48, latency_us=[20050.0 + 100 * i for i in range(12)],
         quality=auc_counts(1000, 2000, 0.85))
    # WHEN the readout is asked for from a day ago (`--output json`, as every command takes it; `--format json` is the same)
    result = run("endpoint", "report", NAME, "--since", "1d", "--output", "json")
    # THEN per variant: invocations, share of traffic, latency in ms, error rates, the pooled AUC
    assert result.code == 0, result.err
    report = result.json()
    variants = {v["variant"]: v for v in report["variants"]}
    assert variants["champion"]["invocations"] == pytest.approx(12000)
    assert variants["challenger"]["traffic_percent"] == pytest.approx(100 * 2400 / 14400, abs=0.01)
    assert variants["challenger"]["rate_5xx_percent"] == pytest.approx(2.0)
    assert variants["champion"]["latency_mean_ms"] == pytest.approx(20.55)
    assert variants["challenger"]["quality"] == pytest.approx(0.85) and variants["challenger"]["labeled_records"] == 3000
    # AND the challenger is worse on 5XX rate and better on AUC; latency has too few periods for its test
    verdicts = {c["measure"]: c for c in report["comparisons"]}
    assert verdicts["5XX rate"]["verdict"] == "challenger worse" and verdicts["5XX rate"]["p_value"] < 0.001
    assert verdicts["AUC"]["verdict"] == "challenger better"
    assert verdicts["mean latency (ms)"]["verdict"] == "not enough data yet"
    assert report["champion"] == "champion"
    assert report["conclusions"]["challenger"].startswith("challenger is worse than champion on 5XX rate")
    # AND the differences that matter are the spec's ab_test (error rates in points, AUC as given), latency's default
    assert verdicts["5XX rate"]["difference_that_matters"] == pytest.approx(0.01)
    assert verdicts["AUC"]["difference_that_matters"] == pytest.approx(0.05)
    assert verdicts["mean latency (ms)"]["difference_that_matters"] == pytest.approx(0.05 * 20.55)
    # AND every claim says what it is worth
    assert report["family"]["comparisons"] == 4 and report["family"]["false_claim_rate"] == 0.05
    assert "moves with every look" in report["family"]["statement"]


def test_endpoint_report_starts_when_the_endpoint_last_changed(run, ab_dev):
    # GIVEN an endpoint whose configuration changed just now, and errors seeded two hours before that
    sagemaker = client("sagemaker")
    sagemaker.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                           PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/m:1"})
    sagemaker.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[
        {"VariantName": v, "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        for v in ("champion", "challenger")])
    sagemaker.create_endpoint(EndpointName="acme-ab-dev-dev-endpoint", EndpointConfigName="c")
    seed("challenger", invocations=2400, errors_5xx=48, latency_us=[20000.0], quality={}, hours_ago=2)
    # WHEN the readout is asked for without --since
    result = run("endpoint", "report", NAME, "--format", "json")
    # THEN it starts at the endpoint's last change, so the older errors are not the experiment's
    assert result.code == 0, result.err
    report = result.json()
    changed = sagemaker.describe_endpoint(EndpointName="acme-ab-dev-dev-endpoint")["LastModifiedTime"]
    assert abs(dt.datetime.fromisoformat(report["start"]) - changed) < dt.timedelta(seconds=1)
    assert report["start_reason"] == "when the endpoint's configuration last changed"
    assert {v["variant"]: v["invocations"] for v in report["variants"]} == {"champion": 0, "challenger": 0}
    assert "moves with every look" not in report["family"]["statement"]


def test_fails_when_the_endpoint_does_not_exist_and_no_start_is_given(run, ab_dev):
    # WHEN the readout is asked for before the endpoint exists THEN exit 1, naming the endpoint
    result = run("endpoint", "report", NAME)
    assert result.code == 1 and "acme-ab-dev-dev-endpoint" in result.err


def test_endpoint_report_says_not_enough_data_yet(run, ab_dev):
    # GIVEN a handful of requests and no labels
    seed("champion", invocations=40, errors_5xx=0, latency_us=[20000.0, 21000.0], quality={})
    seed("challenger", invocations=4, errors_5xx=0, latency_us=[20000.0, 22000.0], quality={})
    # WHEN the readout is asked for, as text
    result = run("endpoint", "report", NAME, "--since", "7d")
    # THEN it says plainly that there is not enough data yet, and what each test asks for
    assert result.code == 0, result.err
    assert "no significant difference between challenger and champion yet" in result.out
    assert "Challenger against champion" in result.out and "not enough data yet" in result.out
    assert "family-wise false-claim rate" in result.out


def test_fails_when_since_is_not_a_start(run, ab_dev):
    # WHEN --since is neither a duration nor a date THEN exit 2 before anything calls AWS
    result = run("endpoint", "report", NAME, "--since", "a week")
    assert result.code == 2 and any("--since" in line for line in result.error_lines), result.err


# --- promotion ---------------------------------------------------------------------------------------

def test_promote_changes_only_the_weights(run, org: Path):
    # GIVEN recsys-ab with champion 90 / challenger 10
    spec = org / "workspaces" / "recsys-ab.yaml"
    before = spec.read_text()
    # WHEN the challenger is promoted
    result = run("endpoint", "promote", "recsys-ab", "challenger")
    # THEN the challenger keeps its weight, the champion is drained, nothing else in the file changed
    assert result.code == 0, result.err
    after = spec.read_text()
    changed = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["-        weight: 90", "+        weight: 0"]
    old, new = yaml.safe_load(before), yaml.safe_load(after)
    old["parameters"]["serving"]["variants"][0]["weight"] = 0
    assert new == old
    # AND it says how the change will roll out and what comes next
    assert "rolls out all-at-once, rolled back if a 5XX or latency alarm fires" in result.out
    assert result.out.rstrip().endswith("next: provision plan recsys-ab")


def test_fails_when_promoting_an_unknown_variant(run, org: Path):
    # WHEN promoting a variant the spec does not have THEN exit 2 naming the variants, nothing written
    spec = org / "workspaces" / "recsys-ab.yaml"
    before = spec.read_text()
    result = run("endpoint", "promote", "recsys-ab", "shadow-x")
    assert result.code == 2
    assert any("shadow-x" in line and "champion, challenger" in line for line in result.error_lines), result.err
    assert spec.read_text() == before
