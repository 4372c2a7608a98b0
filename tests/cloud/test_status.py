"""`provision status NAME` against a moto server: endpoints and weighted variants, jobs, registry, alarms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provisioner.catalog.loader import Catalog
from provisioner.cloud.status import workspace_status
from provisioner.models.org import load_org
from provisioner.specs.workspaces import load_named

from .aws_seed import IMAGE, MOTO_ACCOUNT, client, model, tags, training_job

pytestmark = [pytest.mark.moto]  # every test here talks to the moto server (the `aws` fixture)

WS = "churn-model"


@pytest.fixture
def live(org: Path) -> None:
    """churn-model live in moto: an endpoint with two weighted ml.g4dn variants, jobs, a registry, alarms.

    moto rejects ml.g5.* in endpoint configs (a fixed instance list), hence ml.g4dn.*. The endpoint config
    is left untagged: moto reports its ARN malformed to the Tagging API (a tuple's text).
    """
    sagemaker = client("sagemaker")
    model("acme-churn-model-dev-model", tags(WS))
    sagemaker.create_endpoint_config(EndpointConfigName="acme-churn-model-dev-config", ProductionVariants=[
        {"VariantName": "blue", "ModelName": "acme-churn-model-dev-model", "InitialInstanceCount": 2,
         "InstanceType": "ml.g4dn.xlarge", "InitialVariantWeight": 0.9},
        {"VariantName": "green", "ModelName": "acme-churn-model-dev-model", "InitialInstanceCount": 1,
         "InstanceType": "ml.g4dn.2xlarge", "InitialVariantWeight": 0.1},
    ])
    sagemaker.create_endpoint(EndpointName="acme-churn-model-dev", EndpointConfigName="acme-churn-model-dev-config",
                              Tags=tags(WS))
    sagemaker.update_endpoint_weights_and_capacities(EndpointName="acme-churn-model-dev", DesiredWeightsAndCapacities=[
        {"VariantName": "blue", "DesiredWeight": 0.75}, {"VariantName": "green", "DesiredWeight": 0.25}])
    for index in range(3):
        training_job(f"churn-model-train-{index}", tags(WS))
    training_job("fraud-train-1", tags("fraud-detector", environment="prod"))
    training_job("churn-model-untagged", None)
    sagemaker.create_model_package_group(ModelPackageGroupName="acme-churn-model-dev-registry", Tags=tags(WS))
    spec = {"Containers": [{"Image": IMAGE}], "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"]}
    for approval in ("Approved", "PendingManualApproval"):
        sagemaker.create_model_package(ModelPackageGroupName="acme-churn-model-dev-registry",
                                       ModelApprovalStatus=approval, InferenceSpecification=spec)
    cloudwatch = client("cloudwatch")
    for name, owner in (("acme-churn-model-dev-5xx", WS), ("acme-churn-model-dev-latency", WS),
                        ("acme-other-dev-5xx", "other")):
        cloudwatch.put_metric_alarm(AlarmName=name, MetricName="Invocation5XXErrors", Namespace="AWS/SageMaker",
                                    Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                    ComparisonOperator="GreaterThanThreshold", Tags=tags(owner))
    cloudwatch.set_alarm_state(AlarmName="acme-churn-model-dev-5xx", StateValue="ALARM", StateReason="5XX above 1")
    cloudwatch.set_alarm_state(AlarmName="acme-other-dev-5xx", StateValue="ALARM", StateReason="not ours")


def status_of(org: Path, name: str = WS):
    loaded = load_org(org / "provision.yaml")
    return workspace_status(load_named(loaded, Catalog.for_org(loaded), name))


def test_status_shows_endpoint_variants_with_weights(org, live):
    # GIVEN churn-model's endpoint with blue/green variants re-weighted to 0.75/0.25
    # WHEN its status is read
    status = status_of(org)
    # THEN the endpoint is InService with each variant's type, weights and instance counts
    [endpoint] = status.endpoints
    assert (endpoint.name, endpoint.status, endpoint.config) == (
        "acme-churn-model-dev", "InService", "acme-churn-model-dev-config")
    variants = {v.name: v for v in endpoint.variants}
    assert variants["blue"].instance_type == "ml.g4dn.xlarge"
    assert variants["green"].instance_type == "ml.g4dn.2xlarge"
    assert (variants["blue"].current_weight, variants["green"].current_weight) == (0.75, 0.25)
    assert (variants["blue"].desired_weight, variants["green"].desired_weight) == (0.75, 0.25)


def test_status_shows_jobs_registry_and_alarms_of_this_workspace_only(org, live):
    # GIVEN churn-model's jobs, registry and alarms next to another workspace's and untagged ones
    # WHEN its status is read
    status = status_of(org)
    # THEN only its own tagged jobs, its registry versions (newest first) and its alarms in ALARM appear
    assert sorted(job.name for job in status.training_jobs) == [f"churn-model-train-{i}" for i in range(3)]
    assert {job.status for job in status.training_jobs} == {"Completed"}
    [group] = status.registry
    assert group.name == "acme-churn-model-dev-registry"
    assert [(v.version, v.approval) for v in group.versions] == [(2, "PendingManualApproval"), (1, "Approved")]
    assert [(a.name, a.reason) for a in status.alarms] == [("acme-churn-model-dev-5xx", "5XX above 1")]
    assert status.account_id == MOTO_ACCOUNT


def test_status_command_prints_json_and_text(run, live):
    # GIVEN churn-model live  WHEN `provision status churn-model` runs in both output modes
    as_json = run("status", WS, "--output", "json")
    as_text = run("status", WS, "--limit", "2")
    # THEN the JSON carries the variants, and the text names endpoint, variants, versions and alarms
    assert as_json.code == 0, as_json.err
    data = json.loads(as_json.out)
    weights = {v["name"]: v["current_weight"] for v in data["endpoints"][0]["variants"]}
    assert weights == {"blue": 0.75, "green": 0.25}
    assert as_text.code == 0, as_text.err
    for fragment in ("acme-churn-model-dev", "InService", "blue", "ml.g4dn.2xlarge", "0.25/0.25",
                     "v2: PendingManualApproval", "acme-churn-model-dev-5xx"):
        assert fragment in as_text.out
    assert as_text.out.count("churn-model-train-") == 2  # --limit 2
    # AND it says which kinds of resources the count is made of, and why others are not in it
    assert data["kinds"] == {"sagemaker:training-job": 3, "cloudwatch:alarm": 2, "sagemaker:endpoint": 1,
                             "sagemaker:model": 1, "sagemaker:model-package-group": 1}
    assert ("8 tagged resource(s): 3 sagemaker:training-job, 2 cloudwatch:alarm, 1 sagemaker:endpoint, "
            "1 sagemaker:model, 1 sagemaker:model-package-group") in as_text.out
    assert "what the Tagging API lists: resources with tags of their own" in as_text.out


def test_status_of_a_workspace_without_live_resources(run):
    # GIVEN nothing applied  WHEN status runs
    result = run("status", WS)
    # THEN it says so and succeeds
    assert result.code == 0, result.err
    assert "no live resources" in result.out


def test_fails_when_the_workspace_lives_in_another_account(run):
    # GIVEN fraud-detector in prod (account 222222222222), credentials for 123456789012
    result = run("status", "fraud-detector")
    # THEN one line names both accounts
    assert result.code == 1
    assert len(result.error_lines) == 1
    assert "222222222222" in result.error_lines[0] and "123456789012" in result.error_lines[0]


def test_fails_when_the_workspace_has_no_spec(run):
    # GIVEN no spec named ghost  WHEN its status is asked for
    result = run("status", "ghost")
    # THEN it is invalid input naming the known workspaces
    assert result.code == 2
    assert "no workspace named 'ghost'" in result.err


def test_an_endpoint_deleted_since_the_tag_lookup_is_left_out(aws):
    # GIVEN an endpoint the Tagging API may still list for a while, but SageMaker no longer has
    from provisioner.cloud.status import _endpoint, _gone_is_none

    # WHEN it is read  THEN it comes back as None instead of failing the whole status
    assert _gone_is_none(_endpoint, client("sagemaker"), "acme-deleted-dev") is None
