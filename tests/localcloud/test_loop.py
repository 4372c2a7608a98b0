"""The data scientist's loop on the local cloud: train --register -> models approve -> synth serves that
version -> the endpoint is in the config and in the audit's cost.

Terraform's AWS provider is not available here, so what applying the workspace would have created and
training needs (its execution role, buckets and model package group) is created in the sandbox with
boto3, under the names the stack uses. Everything else is the real commands against the sandbox.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.moto]  # the local cloud (the `sandbox` fixture)

REGION = "eu-west-1"
SERVE_LATEST = ["--set", "serving.model_package=latest-approved", "--set", "training.instance_types=[ml.g4dn.xlarge]",
                "--set", "serving.variants=[{name: primary, instance_type: ml.m5.large, initial_instance_count: 1, "
                         "weight: 1, min_instances: 1, max_instances: 2}]"]


def _as_applied(acme: Path, name: str):
    from infra.resource_names import WorkspaceNames
    from provisioner.catalog.loader import Catalog
    from provisioner.cloud.access import access_for
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_named

    org = load_org(acme / "provision.yaml")
    ctx = load_named(org, Catalog.for_org(org), name)
    names = WorkspaceNames.of(ctx)
    aws = access_for(ctx).aws()
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    aws.client("iam", REGION).create_role(RoleName=names.execution_role, AssumeRolePolicyDocument=json.dumps(trust))
    for bucket in (names.data_bucket, names.artifacts_bucket):
        aws.client("s3", REGION).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    aws.client("sagemaker", REGION).create_model_package_group(ModelPackageGroupName=names.model_package_group)
    return names


def _config(acme: Path, name: str) -> dict:
    return json.loads((acme / "cdktf.out" / "stacks" / name / "cdk.tf.json").read_text())


def test_an_approved_model_is_served_by_the_next_synth_and_costed_by_the_audit(run, acme, sandbox, real_aws_identity):
    # GIVEN a workspace on the local cloud that trains, registers and serves its newest approved model, applied,
    # in a shell that also holds a real AWS profile (never used: the environment is the local cloud)
    requested = run("request", "vision-lab", "--blueprint", "full-mlops@1.0.0", "--env", "sandbox",
                    "--owner", "carol@example.com", "--team", "vision", "--tag", "cost-center=cc-4242", *SERVE_LATEST)
    assert requested.code == 0, requested.err
    names = _as_applied(acme, "vision-lab")
    before = run("synth", "vision-lab")
    assert before.code == 0, before.err
    assert "aws_sagemaker_endpoint" not in _config(acme, "vision-lab")["resource"]  # nothing approved yet
    # WHEN a model is trained and registered, then approved
    image = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{names.image_repository}:1"
    trained = run("train", "vision-lab", "--image", image, "--register", "-o", "json")
    assert trained.code == 0, trained.err
    # (the data scientist is told that no container ran: the local cloud only emulates the job)
    assert "note: the local cloud emulates the training job: no container runs" in trained.err
    assert trained.json()["emulated"] is True
    model = trained.json()["model"]
    assert model["version"] == 1 and model["approval"] == "PendingManualApproval"
    approved = run("models", "approve", "vision-lab", "1")
    assert approved.code == 0, approved.err
    # AND the workspace is synthesized again
    after = run("synth", "vision-lab")
    assert after.code == 0, after.err
    # THEN latest-approved resolved to that version: the model serves it and the endpoint exists
    config = _config(acme, "vision-lab")
    arn = f"arn:aws:sagemaker:{REGION}:123456789012:model-package/{names.model_package_group}/1"
    [sm_model] = config["resource"]["aws_sagemaker_model"].values()
    assert sm_model["primary_container"]["model_package_name"] == arn
    assert len(config["resource"]["aws_sagemaker_endpoint"]) == 1
    # AND the audit counts the endpoint's instance in the workspace's cost
    audit = run("audit", "vision-lab", "--format", "json")
    assert audit.code == 0, audit.err
    cost = audit.json()["cost"]
    [endpoint] = [line for line in cost["monthly"] if line["kind"] == "endpoint"]
    assert endpoint["instance_type"] == "ml.m5.large" and endpoint["monthly"] > 0
    assert cost["monthly_total_usd"] >= endpoint["monthly"]


def test_fails_when_a_plan_finds_state_from_a_sandbox_that_has_stopped(run, acme):
    from provisioner.localcloud.sandbox import Sandbox, check_state

    # GIVEN a local-cloud workspace whose state was written by an earlier sandbox (resources in it)
    state = acme / ".provision" / "state" / "sandbox-trial" / "terraform.tfstate"
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps({"version": 4, "resources": [
        {"mode": "managed", "type": "aws_s3_bucket", "name": "data", "instances": [{}]}]}))
    # AND the sandbox was started afterwards (what it held before is gone)
    box = Sandbox(acme)
    server, _, _ = box.start()
    try:
        # WHEN the workspace is planned
        result = run("plan", "sandbox-trial")
        # THEN it stops before Terraform with one line saying why, and how to start over
        assert result.code == 1
        [line] = result.error_lines
        assert "its local state (1 resources" in line and "from a local cloud that has since stopped" in line
        assert "rm .provision/state/sandbox-trial/terraform.tfstate" in result.err
        # AND a state written while this sandbox runs is not refused
        state.write_text(state.read_text())
        check_state("sandbox-trial", state, server, acme)
    finally:
        box.stop()
