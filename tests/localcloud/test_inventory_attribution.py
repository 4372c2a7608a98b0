"""`provision inventory` on the local cloud: planted POCs attributed to who created them, with age, last use and
monthly cost, and the report in the three formats the platform team sends around.

The local cloud is the real sandbox (`sandbox` fixture); its CloudTrail records every create call with the
caller (provisioner/localcloud/services/cloudtrail.py), so each POC is planted by its own IAM user.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

pytestmark = pytest.mark.moto

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/poc-role"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/serve:1"
HOURS = 730  # the price table's hours per month
POC_TAGS = [{"Key": "provision:org", "Value": "acme"}, {"Key": "provision:environment", "Value": "sandbox"},
            {"Key": "provision:workspace", "Value": "pricing-poc"}]


def _session(endpoint: str, key: str = "testing", secret: str = "testing"):
    import boto3

    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=REGION)
    return lambda service: session.client(service, endpoint_url=endpoint)


def _as_user(endpoint: str, name: str):
    iam = _session(endpoint)("iam")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return _session(endpoint, key["AccessKeyId"], key["SecretAccessKey"])


def _endpoint(client, name: str, instance_type: str, count: int, tags: list | None = None) -> dt.datetime:
    sm = client("sagemaker")
    sm.create_model(ModelName=f"{name}-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    sm.create_endpoint_config(EndpointConfigName=f"{name}-config", ProductionVariants=[{
        "VariantName": "main", "ModelName": f"{name}-model", "InstanceType": instance_type,
        "InitialInstanceCount": count}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config", **({"Tags": tags} if tags else {}))
    return sm.describe_endpoint(EndpointName=name)["CreationTime"]


@pytest.fixture
def pocs(sandbox, acme):
    """Alice's tagged pricing POC (an endpoint that served traffic, and its data bucket) with no spec in the
    org; Bob's untagged demo endpoint (never invoked) and finished training job. Returns the day they were made."""
    endpoint = sandbox.endpoint
    alice, bob = _as_user(endpoint, "alice"), _as_user(endpoint, "bob")
    created = _endpoint(alice, "pricing-poc-endpoint", "ml.g4dn.xlarge", 2, POC_TAGS)
    alice("cloudwatch").put_metric_data(Namespace="AWS/SageMaker", MetricData=[{
        "MetricName": "Invocations", "Timestamp": created, "Value": 42.0, "Unit": "None",
        "Dimensions": [{"Name": "EndpointName", "Value": "pricing-poc-endpoint"},
                       {"Name": "VariantName", "Value": "main"}]}])
    alice("s3").create_bucket(Bucket="acme-pricing-poc-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    alice("s3").put_bucket_tagging(Bucket="acme-pricing-poc-data", Tagging={"TagSet": POC_TAGS})
    _endpoint(bob, "adhoc-demo", "ml.m5.large", 1)
    bob("sagemaker").create_training_job(
        TrainingJobName="adhoc-train", RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://acme-pricing-poc-data/out"},
        ResourceConfig={"InstanceType": "ml.g4dn.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    return created.date()


def test_inventory_attributes_planted_pocs_to_their_creators_with_age_use_and_cost(run, pocs):
    # GIVEN the planted POCs  WHEN the inventory report is taken 12 days after they were made, as JSON
    today = pocs + dt.timedelta(days=12)
    result = run("inventory", "--env", "sandbox", "--format", "json", "--today", today.isoformat())
    # THEN it parses and lists each unclaimed resource once, most expensive first
    assert result.code == 0, result.err
    report = json.loads(result.out)
    rows = {row["name"]: row for row in report["findings"]}
    costs = [row["monthly_usd"] for row in report["findings"] if row["monthly_usd"] is not None]
    assert costs == sorted(costs, reverse=True)
    assert report["findings"][0]["name"] == "pricing-poc-endpoint"
    # AND each is attributed to the IAM user whose create call CloudTrail holds
    assert {name: row["creator"] for name, row in rows.items()} == {
        "pricing-poc-endpoint": "alice", "pricing-poc-endpoint-model": "alice", "acme-pricing-poc-data": "alice",
        "adhoc-demo": "bob", "adhoc-demo-model": "bob", "adhoc-train": "bob"}
    # AND costs come from the audit's price table: 2 x ml.g4dn.xlarge and 1 x ml.m5.large all month
    assert rows["pricing-poc-endpoint"]["monthly_usd"] == round(2 * 0.822 * HOURS, 2)
    assert rows["adhoc-demo"]["monthly_usd"] == round(0.128 * HOURS, 2)
    assert rows["adhoc-train"]["monthly_usd"] == 0.0 and rows["acme-pricing-poc-data"]["monthly_usd"] is None
    # AND ages are counted to the given day; last use from invocations, none for the demo
    assert {row["age_days"] for row in rows.values()} == {12}
    assert rows["pricing-poc-endpoint"]["last_used"][:10] == pocs.isoformat()
    assert rows["adhoc-demo"]["last_used"] is None
    # AND orphans name the workspace their tags claim; the bucket is marked as holding data
    assert (rows["pricing-poc-endpoint"]["finding"], rows["pricing-poc-endpoint"]["workspace"]) == ("orphan", "pricing-poc")
    assert rows["adhoc-demo"]["finding"] == "untagged"
    assert rows["acme-pricing-poc-data"]["holds_data"] is True
    assert report["monthly_total_usd"] == round(2 * 0.822 * HOURS + 0.128 * HOURS, 2)


def test_inventory_report_in_csv_and_markdown_carries_the_same_rows(run, pocs):
    today = (pocs + dt.timedelta(days=3)).isoformat()
    # GIVEN the planted POCs  WHEN the report is asked as CSV and as Markdown
    as_csv = run("inventory", "--env", "sandbox", "--format", "csv", "--today", today)
    as_md = run("inventory", "--env", "sandbox", "--format", "md", "--today", today)
    # THEN the CSV parses with the csv module, one row per resource, most expensive first
    assert as_csv.code == 0, as_csv.err
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert [r["name"] for r in rows][:2] == ["pricing-poc-endpoint", "adhoc-demo"]
    assert rows[0]["creator"] == "alice" and float(rows[0]["monthly_usd"]) == round(2 * 0.822 * HOURS, 2)
    # AND the Markdown table has the same resources, a header, and the monthly total
    assert as_md.code == 0, as_md.err
    table = [line for line in as_md.out.splitlines() if line.startswith("| $") or line.startswith("| unknown")]
    assert len(table) == len(rows)
    assert table[0].startswith("| $1,200.12 | sagemaker:endpoint | pricing-poc-endpoint | orphan (pricing-poc) | alice | 3 |")
    assert "$1,293.56 a month" in as_md.out


def test_inventory_table_output_keeps_its_sections_and_adds_the_attributions(run, pocs):
    # GIVEN the planted POCs  WHEN the inventory is printed for people
    result = run("inventory", "--env", "sandbox", "--today", (pocs + dt.timedelta(days=1)).isoformat())
    # THEN the orphans section is still there, followed by who made them and what they cost
    assert result.code == 0, result.err
    assert "orphans (1)" in result.out and "no spec workspaces/pricing-poc.yaml" in result.out
    assert "who made them, and what they cost" in result.out
    assert "$1,200.12" in result.out and "alice" in result.out


def test_fails_when_the_report_format_is_unknown(run):
    # GIVEN the org  WHEN an unknown format is asked
    result = run("inventory", "--format", "xlsx")
    # THEN one line names the option and the formats there are; exit 2
    assert result.code == 2
    assert "--format" in result.err and "md, json, csv" in result.err
