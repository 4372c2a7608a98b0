"""Prod owns what it serves: what an AWS security engineer tries against a promotion, on two moto accounts.

The version prod serves must point only at prod's own resources (SageMaker re-reads the artifact and pulls the
image on every instance launch), keep working when dev's workspace is destroyed, not change when dev changes
its artifact or image afterwards, and name as approver who the registry says approved it, not what an uploader
wrote into the version. Each test failed before promotion copied the model into prod and read the approver
from the registry's record (prod's version pointed at dev's bucket and repository; the approver came from the
version's metadata).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from .test_promotion import (ARTIFACT, DEV, PROD, REGION, apply_in_moto, names_of, push_image, session,
                             train_and_approve, two_accounts)  # noqa: F401 - two_accounts is a fixture

pytestmark = [pytest.mark.moto]


def _promote(run) -> dict[str, Any]:
    result = run("models", "promote", "churn", "1", "--from", "dev", "--to", "prod", "-o", "json")
    assert result.code == 0, result.err
    return result.json()


def _served(target_arn: str) -> dict[str, Any]:
    return session(PROD).client("sagemaker").describe_model_package(ModelPackageName=target_arn)


@pytest.fixture
def promoted(two_accounts: Path, run, synthesized) -> dict[str, Any]:
    """churn-model applied in dev, churn-serving in prod, version 1 trained, approved in dev and promoted."""
    source = apply_in_moto(two_accounts, "churn-model", DEV, synthesized["churn-model"])
    target = apply_in_moto(two_accounts, "churn-serving", PROD, synthesized["churn-serving"])
    train_and_approve(run, two_accounts)
    return {"source": source, "target": target, "promotion": _promote(run)}


def test_the_prod_version_model_and_endpoint_config_reference_no_dev_account(promoted, two_accounts: Path, run):
    target = promoted["target"]
    # GIVEN a version promoted from dev to prod  WHEN prod's registry entry is read
    served = _served(promoted["promotion"]["target_arn"])
    # THEN what SageMaker reads to launch it (image, model data) names prod's account and resources alone
    specification = json.dumps(served["InferenceSpecification"])
    assert DEV not in specification and promoted["source"].artifacts_bucket not in specification
    [container] = served["InferenceSpecification"]["Containers"]
    assert container["Image"].split(".", 1)[0] == PROD and f"/{target.image_repository}@sha256:" in container["Image"]
    assert container["ModelDataUrl"].startswith(f"s3://{target.artifacts_bucket}/")
    # AND prod's synthesized model and endpoint configuration name no dev account either
    assert run("synth", "churn-serving").code == 0
    config = json.loads((two_accounts / "cdktf.out" / "stacks" / "churn-serving" / "cdk.tf.json").read_text())
    for kind in ("aws_sagemaker_model", "aws_sagemaker_endpoint_configuration"):
        assert config["resource"][kind] and DEV not in json.dumps(config["resource"][kind]), kind


def test_prod_keeps_serving_after_the_dev_workspace_is_destroyed(promoted):
    source = promoted["source"]
    served = _served(promoted["promotion"]["target_arn"])
    [container] = served["InferenceSpecification"]["Containers"]
    # GIVEN a promoted version  WHEN dev's workspace is destroyed (its artifacts, bucket and repository gone)
    dev = session(DEV)
    s3 = dev.client("s3")
    for item in s3.list_objects_v2(Bucket=source.artifacts_bucket).get("Contents", []):
        s3.delete_object(Bucket=source.artifacts_bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=source.artifacts_bucket)
    dev.client("ecr").delete_repository(repositoryName=source.image_repository, force=True)
    # THEN what prod launches instances from is still there, read with prod's own session: the model data ...
    prod = session(PROD)
    bucket, key = container["ModelDataUrl"][5:].split("/", 1)
    assert prod.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == ARTIFACT
    # ... and the image, by its digest
    repository, digest = container["Image"].split("/", 1)[1].split("@")
    images = prod.client("ecr").batch_get_image(repositoryName=repository, imageIds=[{"imageDigest": digest}])
    assert [i["imageId"]["imageDigest"] for i in images["images"]] == [digest]


def test_an_artifact_changed_in_dev_after_promotion_changes_nothing_in_prod(promoted):
    source = promoted["source"]
    dev_version = session(DEV).client("sagemaker").describe_model_package(ModelPackageName=promoted["promotion"]["source_arn"])
    [dev_container] = dev_version["InferenceSpecification"]["Containers"]
    served = _served(promoted["promotion"]["target_arn"])
    [container] = served["InferenceSpecification"]["Containers"]
    # GIVEN a promoted version  WHEN someone in dev overwrites the artifact and pushes another image under the same tag
    bucket, key = dev_container["ModelDataUrl"][5:].split("/", 1)
    session(DEV).client("s3").put_object(Bucket=bucket, Key=key, Body=b"tampered weights")
    push_image(DEV, source.image_repository, "1", b"tampered serving code")
    # THEN prod's version still points at the same copies, which hold what was approved (its recorded SHA-256)
    assert _served(promoted["promotion"]["target_arn"])["InferenceSpecification"] == served["InferenceSpecification"]
    target_bucket, target_key = container["ModelDataUrl"][5:].split("/", 1)
    held = session(PROD).client("s3").get_object(Bucket=target_bucket, Key=target_key)["Body"].read()
    assert held == ARTIFACT
    assert served["CustomerMetadataProperties"]["provision:artifact-sha256"] == hashlib.sha256(ARTIFACT).hexdigest()


def test_a_self_written_approver_is_not_the_recorded_one(two_accounts: Path, run, synthesized):
    # GIVEN a version registered in dev whose uploader approves it directly and writes a manager's name as approver
    apply_in_moto(two_accounts, "churn-model", DEV, synthesized["churn-model"])
    apply_in_moto(two_accounts, "churn-serving", PROD, synthesized["churn-serving"])
    names = names_of(two_accounts, "churn-model")
    push_image(DEV, names.image_repository, "1", b"serving code, build 1")
    image = f"{DEV}.dkr.ecr.{REGION}.amazonaws.com/{names.image_repository}:1"
    trained = run("train", "churn-model", "--image", image, "--register", "-o", "json")
    assert trained.code == 0, trained.err
    arn = trained.json()["model"]["arn"]
    dev = session(DEV)
    container = dev.client("sagemaker").describe_model_package(ModelPackageName=arn)["InferenceSpecification"]["Containers"][0]
    bucket, key = container["ModelDataUrl"][5:].split("/", 1)
    dev.client("s3").put_object(Bucket=bucket, Key=key, Body=ARTIFACT)
    claimed = f"arn:aws:iam::{DEV}:user/head-of-data-science"
    dev.client("sagemaker").update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved",
                                                 CustomerMetadataProperties={"provision:approved-by": claimed})
    # WHEN it is promoted
    promotion = _promote(run)
    # THEN the approver recorded in prod (output, registry entry, spec origin) is the identity that approved it
    assert promotion["approved_by"] != claimed
    assert promotion["approved_by"].startswith(f"arn:aws:sts::{DEV}:assumed-role/acme-deploy/")
    assert _served(promotion["target_arn"])["CustomerMetadataProperties"]["provision:approved-by"] == promotion["approved_by"]
    spec = __import__("yaml").safe_load((two_accounts / "workspaces" / "churn-serving.yaml").read_text())
    assert spec["model_origins"][-1]["approved_by"] == promotion["approved_by"]


def test_fails_when_a_production_environment_would_take_the_dev_approval(run, acme: Path):
    # GIVEN the example org, whose prod is marked production, set to register promoted versions as approved
    config = acme / "provision.yaml"
    config.write_text(config.read_text().replace("promotion_approval: pending", "promotion_approval: approved"))
    # WHEN anything loads the org
    result = run("validate")
    # THEN it is invalid input (exit 2): one problem naming the setting, the production environment and the fix
    assert result.code == 2, result.err
    assert "promotion_approval" in result.err and "'prod'" in result.err
    assert "promotion_approval: pending" in result.err
