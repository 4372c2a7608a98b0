"""`provision retire plan | apply` on the local cloud, with a fixed clock: a plan tags and notifies and deletes
nothing; its apply waits for the notice to end, then deletes only what stayed unused; data is kept apart.

The POCs are planted by their own IAM users (pocs.py); the alert topic's notices are read from an SQS queue
subscribed to it, as a platform team's mail would receive them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from .pocs import REGION, pocs, session  # noqa: F401  (pocs: the fixture)

pytestmark = pytest.mark.moto


@pytest.fixture
def alerts(sandbox, acme: Path):
    """The sandbox environment's alert topic (in provision.yaml), with a queue subscribed to read the notices."""
    aws = session(sandbox.endpoint)
    topic = aws("sns").create_topic(Name="acme-platform-alerts")["TopicArn"]
    queue = aws("sqs").create_queue(QueueName="platform-mail")["QueueUrl"]
    queue_arn = aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    config = acme / "provision.yaml"
    config.write_text(config.read_text().replace("    cloud: local\n", f"    cloud: local\n    alert_topic_arn: {topic}\n", 1))

    def received() -> list[str]:
        messages = aws("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"])["Message"] for m in messages]

    return received


@pytest.fixture
def calls(monkeypatch) -> set[str]:
    """The IAM action of every AWS call the retire commands make (to check against their documented permissions)."""
    from provisioner.cli import cloud
    from provisioner.cloud.permissions import iam_action

    seen: set[str] = set()
    real = cloud._inventory_aws

    def recording(s, selected):
        aws = real(s, selected)
        aws.session.events.register("before-call", lambda model, **_: seen.add(
            iam_action(model.service_model.service_name, model.name)))
        return aws

    monkeypatch.setattr(cloud, "_inventory_aws", recording)
    return seen


def _exists(sandbox, name: str) -> bool:
    try:
        session(sandbox.endpoint)("sagemaker").describe_endpoint(EndpointName=name)
        return True
    except Exception:  # noqa: BLE001 - botocore's ValidationException: no such endpoint
        return False


def _tags(sandbox, name: str) -> dict[str, str]:
    sm = session(sandbox.endpoint)("sagemaker")
    arn = sm.describe_endpoint(EndpointName=name)["EndpointArn"]
    return {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}


def _invoked(sandbox, name: str, day: dt.date) -> None:
    """CloudWatch's Invocations for NAME on DAY, as SageMaker publishes them when the endpoint is called."""
    session(sandbox.endpoint)("cloudwatch").put_metric_data(Namespace="AWS/SageMaker", MetricData=[{
        "MetricName": "Invocations", "Value": 7.0, "Unit": "None",
        "Timestamp": dt.datetime.combine(day, dt.time(12), dt.timezone.utc),
        "Dimensions": [{"Name": "EndpointName", "Value": name}, {"Name": "VariantName", "Value": "main"}]}])


def test_a_retire_plan_tags_waits_and_deletes_only_what_stayed_unused(run, sandbox, pocs, alerts, acme):
    day = pocs
    # GIVEN Alice's used POC endpoint, Bob's unused demo endpoint and Alice's data bucket
    # WHEN a retire plan with 14 days' notice is made for the three
    planned = run("retire", "plan", "pricing-poc-endpoint", "adhoc-demo", "acme-pricing-poc-data", "--env", "sandbox",
                  "--notice-days", "14", "--today", day.isoformat(), "-o", "json")
    # THEN the endpoints are planned for deletion after the notice, the bucket listed apart as holding data
    assert planned.code == 0, planned.err
    plan = planned.json()
    assert [i["name"] for i in plan["items"]] == ["pricing-poc-endpoint", "adhoc-demo"]
    assert [i["name"] for i in plan["kept_data"]] == ["acme-pricing-poc-data"]
    notice_end = (day + dt.timedelta(days=14)).isoformat()
    assert plan["notice_until"] == notice_end and plan["notified"] == ["alice", "bob"]
    # AND each planned endpoint is tagged with the notice's end and who was told; nothing is deleted
    for name in ("pricing-poc-endpoint", "adhoc-demo"):
        assert _tags(sandbox, name)["provision:retire-after"] == notice_end
        assert _tags(sandbox, name)["provision:retire-notified"] == "alice,bob"
        assert _exists(sandbox, name)
    # AND one notice went to the alert topic, naming each resource with its creator
    [notice] = alerts()
    assert "adhoc-demo: created by bob" in notice and "pricing-poc-endpoint: created by alice" in notice
    assert f"deleted after {notice_end}" in notice
    # AND the plan is saved for review
    assert (acme / ".provision" / "retire" / f"{plan['id']}.json").is_file()

    # WHEN it is applied before the notice ends
    early = run("retire", "apply", plan["id"], "--today", (day + dt.timedelta(days=5)).isoformat())
    # THEN it is refused (exit 3) and nothing is deleted
    assert early.code == 3 and "notice period ends on " + notice_end in early.err
    assert _exists(sandbox, "pricing-poc-endpoint") and _exists(sandbox, "adhoc-demo")

    # GIVEN Alice's endpoint is called during the notice
    _invoked(sandbox, "pricing-poc-endpoint", day + dt.timedelta(days=3))
    # WHEN the plan is applied after the notice
    applied = run("retire", "apply", plan["id"], "--today", (day + dt.timedelta(days=15)).isoformat(), "-o", "json")
    # THEN only the endpoint that stayed unused is deleted; the used one and the bucket are kept, each saying why
    assert applied.code == 0, applied.err
    outcomes = {i["name"]: i["outcome"] for i in applied.json()["items"] + applied.json()["kept_data"]}
    assert outcomes["adhoc-demo"] == "deleted"
    assert outcomes["pricing-poc-endpoint"] == f"kept: used on {(day + dt.timedelta(days=3)).isoformat()}, during the notice period"
    assert outcomes["acme-pricing-poc-data"].startswith("kept: holds data")
    assert not _exists(sandbox, "adhoc-demo") and _exists(sandbox, "pricing-poc-endpoint")
    assert "acme-pricing-poc-data" in [b["Name"] for b in session(sandbox.endpoint)("s3").list_buckets()["Buckets"]]
    # AND a plan is applied once
    assert run("retire", "apply", plan["id"], "--today", (day + dt.timedelta(days=16)).isoformat()).code == 2


def test_a_plan_with_include_data_empties_and_deletes_the_bucket_after_the_notice(run, sandbox, pocs, alerts, calls):
    day = pocs
    session(sandbox.endpoint)("s3").put_object(Bucket="acme-pricing-poc-data", Key="prices.csv", Body=b"a,b\n")
    # GIVEN a plan for the POC's data bucket made with --include-data
    planned = run("retire", "plan", "acme-pricing-poc-data", "--env", "sandbox", "--include-data",
                  "--notice-days", "7", "--today", day.isoformat(), "-o", "json")
    assert planned.code == 0, planned.err
    assert [i["name"] for i in planned.json()["items"]] == ["acme-pricing-poc-data"]
    # WHEN it is applied after the notice
    applied = run("retire", "apply", planned.json()["id"], "--today", (day + dt.timedelta(days=8)).isoformat(),
                  "-o", "json")
    # THEN the bucket is emptied and deleted
    assert applied.code == 0, applied.err
    assert applied.json()["items"][0]["outcome"] == "deleted"
    assert "acme-pricing-poc-data" not in [b["Name"] for b in session(sandbox.endpoint)("s3").list_buckets()["Buckets"]]
    # AND every call plan and apply made is among retire's documented permissions
    from provisioner.cloud.permissions import PERMISSIONS

    assert {"sns:Publish", "s3:PutBucketTagging", "s3:DeleteBucket"} <= calls
    assert calls - set(PERMISSIONS["retire"]) == set()


def test_fails_when_a_chosen_resource_is_not_an_unclaimed_one(run, sandbox, pocs, alerts, acme):
    # GIVEN the POCs  WHEN a plan names one that does not exist, and a training job (AWS keeps those)
    result = run("retire", "plan", "no-such-thing", "adhoc-train", "adhoc-demo", "--env", "sandbox",
                 "--today", pocs.isoformat())
    # THEN exit 2, one line for each, and nothing is tagged, sent or saved
    assert result.code == 2
    assert len(result.error_lines) == 2
    assert "'no-such-thing' is not an orphan" in result.err and "'adhoc-train' is a sagemaker:training-job" in result.err
    assert "provision:retire-after" not in _tags(sandbox, "adhoc-demo")
    assert alerts() == []
    assert not (acme / ".provision" / "retire").exists()


def test_fails_when_the_environment_has_no_alert_topic(run, sandbox, pocs, acme):
    # GIVEN the sandbox environment without alert_topic_arn  WHEN a plan is made
    result = run("retire", "plan", "adhoc-demo", "--env", "sandbox", "--today", pocs.isoformat())
    # THEN exit 2 naming the setting to add; nothing saved
    assert result.code == 2 and "environments.sandbox.alert_topic_arn" in result.err
    assert not (acme / ".provision" / "retire").exists()


def test_a_resource_claimed_by_a_workspace_during_the_notice_is_kept(run, sandbox, pocs, alerts):
    day = pocs
    # GIVEN a retire plan for Bob's unused demo endpoint
    planned = run("retire", "plan", "adhoc-demo", "--env", "sandbox", "--today", day.isoformat(), "-o", "json")
    assert planned.code == 0, planned.err
    # AND, during the notice, the sandbox-trial workspace claims it (its tag, as its role would set it)
    sm = session(sandbox.endpoint)("sagemaker")
    sm.add_tags(ResourceArn=sm.describe_endpoint(EndpointName="adhoc-demo")["EndpointArn"],
                Tags=[{"Key": "provision:workspace", "Value": "sandbox-trial"}])
    # WHEN the plan is applied after the notice
    applied = run("retire", "apply", planned.json()["id"], "--today", (day + dt.timedelta(days=15)).isoformat(),
                  "-o", "json")
    # THEN it is kept, naming who claimed it
    assert applied.code == 0, applied.err
    assert applied.json()["items"][0]["outcome"] == "kept: claimed by workspace sandbox-trial since the plan"
    assert _exists(sandbox, "adhoc-demo")
