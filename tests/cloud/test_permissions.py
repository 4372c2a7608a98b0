"""The documented IAM permissions of each command cover every AWS call it really makes (recorded on moto)."""

from __future__ import annotations

from typing import Any

import pytest

from provisioner.cloud.aws import Aws
from provisioner.cloud.permissions import PERMISSIONS, iam_action

from .aws_seed import bucket, client, enough_quotas, tags, training_job

pytestmark = [pytest.mark.moto]  # every test here talks to the moto server (the `aws` fixture)


def recording(aws: Aws) -> set[str]:
    """Registers a hook on the session that records the IAM action of every call its clients make."""
    seen: set[str] = set()

    def record(model: Any, **_: Any) -> None:
        seen.add(iam_action(model.service_model.service_name, model.name))

    aws.session.events.register("before-call", record)
    return seen


@pytest.fixture
def recorded(monkeypatch) -> dict[str, Any]:
    holder: dict[str, Any] = {"calls": set()}

    def new_aws(ctx=None) -> Aws:  # the CLI passes the workspace of the command (an AWS environment here)
        aws = Aws()
        holder["calls"] = recording(aws)
        return aws

    monkeypatch.setattr("provisioner.cli.cloud.new_aws", new_aws)
    return holder


def test_bootstrap_calls_only_documented_actions(run, recorded):
    # GIVEN a half-configured bucket (so that bootstrap reads, creates a key and writes every setting)
    bucket("acme-provision-state-dev")
    # WHEN bootstrap runs
    assert run("bootstrap", "dev").code == 0
    # THEN every call it made is in its documented permissions
    assert recorded["calls"] - set(PERMISSIONS["bootstrap"]) == set()
    assert {"kms:CreateKey", "s3:PutEncryptionConfiguration"} <= recorded["calls"]


def test_preflight_calls_only_documented_actions(run, stub_quotas, monkeypatch):
    # GIVEN a bootstrapped environment and quotas (stubbed: moto has none)
    assert run("bootstrap", "dev").code == 0
    aws = stub_quotas(enough_quotas(4))
    calls = recording(aws)
    # the stubbed quotas client exists already: hook it directly, ahead of the Stubber, which answers the call
    # (botocore runs handlers of the more specific event name `before-call.*.*` before those of `before-call`)
    aws.client("service-quotas", "eu-west-1").meta.events.register_first(
        "before-call.*.*", lambda model, **_: calls.add(iam_action(model.service_model.service_name, model.name)))
    monkeypatch.setattr("provisioner.cli.cloud.new_aws", lambda ctx=None: aws)
    # WHEN preflight runs
    assert run("preflight", "churn-model").code == 0
    # THEN every call it made is in its documented permissions
    assert calls - set(PERMISSIONS["preflight"]) == set()
    assert "servicequotas:ListServiceQuotas" in calls


def test_inventory_and_status_call_only_documented_actions(run, recorded):
    # GIVEN a live workspace with a job, an endpoint and an alarm
    training_job("churn-model-train-1", tags("churn-model"))
    sagemaker = client("sagemaker")
    sagemaker.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                           PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1"})
    sagemaker.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[
        {"VariantName": "a", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.g4dn.xlarge"}])
    sagemaker.create_endpoint(EndpointName="e", EndpointConfigName="c", Tags=tags("churn-model"))
    sagemaker.create_model_package_group(ModelPackageGroupName="g", Tags=tags("churn-model"))
    client("cloudwatch").put_metric_alarm(
        AlarmName="a", MetricName="m", Namespace="n", Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanThreshold", Tags=tags("churn-model"))
    # WHEN inventory and status run
    for command, args in (("inventory", ()), ("status", ("churn-model",))):
        assert run(command, *args).code == 0
        # THEN every call each made is in its documented permissions
        assert recorded["calls"] - set(PERMISSIONS[command]) == set(), command
    assert {"sagemaker:DescribeEndpoint", "cloudwatch:DescribeAlarms"} <= recorded["calls"]


def test_bootstrap_of_the_deploy_and_plan_roles_calls_only_documented_actions(org, run, recorded):
    # GIVEN dev with the example org's deploy role (moved into moto's account) and its GitHub repository
    config = org / "provision.yaml"
    role = "arn:aws:iam::123456789012:role/acme-deploy"
    text = config.read_text().replace('    account_id: "123456789012"\n',
                                      f'    account_id: "123456789012"\n    deploy_role_arn: {role}\n', 1)
    config.write_text(text)
    assert "github_repository: acme/ml-platform" in text
    # WHEN bootstrap runs
    assert run("bootstrap", "dev").code == 0
    # THEN every call it made, IAM included, is in its documented permissions
    assert recorded["calls"] - set(PERMISSIONS["bootstrap"]) == set()
    assert {"iam:CreateRole", "iam:CreateOpenIDConnectProvider", "iam:CreatePolicy"} <= recorded["calls"]
