"""Adoption through the real AWS provider, on the local cloud: a POC's bucket and model package group (with its
versions), made by hand, adopted by a gpu-training workspace; its first plan imports both and replaces nothing.

Runs in the e2e tier's scratch org (conftest.py `local_org`), beside the lifecycles; its workspace is its own.
"""

from __future__ import annotations

import json

import boto3
import pytest
import yaml

from e2e_support import LOCAL_ENV

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.moto]

SPEC = {
    "name": "pricing-adopt", "blueprint": "gpu-training@1.0.0", "environment": LOCAL_ENV,
    "owner": "alice@example.com", "team": "pricing", "tags": {"cost-center": "cc-3141"},
    "parameters": {"training": {"instance_types": ["ml.g5.xlarge"], "max_instances": 1}},
}
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/pricing:1"


@pytest.mark.xfail(strict=True, reason=(
    "KNOWN BUG (issue #24, found by this test on the real provider): the adopted model package group is planned "
    "for replacement, which provision refuses (exit 3, prevent_destroy); a first plan after adoption must import it "
    "in place. Strict: this test fails the day the bug is fixed, so the mark goes with the fix."))
def test_adopting_a_planted_bucket_and_registry_gives_a_first_plan_without_replacement(local_org):
    endpoint = json.loads(local_org.provision("sandbox", "status", "--output", "json").stdout)["server"]["endpoint"]
    aws = {service: boto3.client(service, region_name="eu-west-1", endpoint_url=endpoint,
                                 aws_access_key_id="test", aws_secret_access_key="test") for service in ("s3", "sagemaker")}
    # GIVEN a POC's bucket with data and its model package group with two versions, made by hand
    aws["s3"].create_bucket(Bucket="pricing-adopt-data", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    aws["s3"].put_object(Bucket="pricing-adopt-data", Key="train.csv", Body=b"x,y\n1,2\n")
    aws["sagemaker"].create_model_package_group(ModelPackageGroupName="pricing-adopt-models")
    for _ in range(2):
        aws["sagemaker"].create_model_package(
            ModelPackageGroupName="pricing-adopt-models", ModelApprovalStatus="Approved",
            InferenceSpecification={"Containers": [{"Image": IMAGE}], "SupportedContentTypes": ["text/csv"],
                                    "SupportedResponseMIMETypes": ["text/csv"]})
    # AND a workspace that adopts both
    (local_org.root / "workspaces" / "pricing-adopt.yaml").write_text(yaml.safe_dump(SPEC, sort_keys=False))
    local_org.provision("adopt", "pricing-adopt", "data-bucket", "pricing-adopt-data")
    local_org.provision("adopt", "pricing-adopt", "registry", "pricing-adopt-models")
    # WHEN its first plan runs on the real AWS provider
    plan = json.loads(local_org.provision("plan", "pricing-adopt", "--output", "json").stdout)["summary"]
    # THEN both are imported, and nothing is replaced or deleted
    assert sorted(plan["imports"]) == ["aws_s3_bucket.data", "aws_sagemaker_model_package_group.models"]
    assert plan["counts"]["replace"] == 0 and plan["counts"]["delete"] == 0, json.dumps(plan["changes"])[:3000]
    imported = {c["address"]: c for c in plan["changes"] if c.get("importing")}
    # AND what changes in them is only tags and settings provision owns, never their names
    for change in imported.values():
        assert change["action"] in ("update", "import")
        assert not {"bucket", "model_package_group_name"} & set(change["attributes"]), change
    # AND the versions and the data are still there
    assert len(aws["sagemaker"].list_model_packages(ModelPackageGroupName="pricing-adopt-models")
               ["ModelPackageSummaryList"]) == 2
    assert aws["s3"].get_object(Bucket="pricing-adopt-data", Key="train.csv")["Body"].read() == b"x,y\n1,2\n"
