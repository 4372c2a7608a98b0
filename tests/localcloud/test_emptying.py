"""`destroy --include-protected` empties buckets, image repositories and registries before Terraform deletes them.

AWS (and the local cloud, a real moto server with provision's extensions) refuses to delete any of them
while it holds data; these tests fill each kind, then empty it the way the destroy does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provisioner.cloud.emptying import Container, containers_deleted_by, empty

pytestmark = [pytest.mark.moto]  # the local cloud (the `sandbox` fixture)

REGION = "eu-west-1"


def _plan_json(tmp_path: Path, changes: list[dict]) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"resource_changes": changes}))
    return path


def _delete(address: str, before: dict) -> dict:
    kind = address.split(".")[0]
    return {"address": address, "type": kind, "change": {"actions": ["delete"], "before": before}}


def test_the_destroy_plan_names_the_containers_it_deletes_and_only_those(tmp_path: Path):
    # GIVEN a destroy plan deleting a bucket, a repository and a registry, and keeping a second bucket
    plan = _plan_json(tmp_path, [
        _delete("aws_s3_bucket.data", {"bucket": "acme-churn-data"}),
        _delete("aws_ecr_repository.images", {"name": "acme-churn-images"}),
        _delete("aws_sagemaker_model_package_group.models", {"model_package_group_name": "acme-churn-models"}),
        {"address": "aws_s3_bucket.artifacts", "type": "aws_s3_bucket",
         "change": {"actions": ["no-op"], "before": {"bucket": "acme-churn-artifacts"}}},
        _delete("aws_sns_topic.alerts", {"name": "acme-churn-alerts"}),
    ])
    # WHEN the containers are read from it  THEN the three deleted ones come out, by their names
    assert containers_deleted_by(plan) == [
        Container("aws_s3_bucket.data", "aws_s3_bucket", "acme-churn-data"),
        Container("aws_ecr_repository.images", "aws_ecr_repository", "acme-churn-images"),
        Container("aws_sagemaker_model_package_group.models", "aws_sagemaker_model_package_group", "acme-churn-models"),
    ]


def test_versioned_buckets_repositories_and_registries_are_emptied_so_aws_can_delete_them(sandbox):
    from provisioner.cloud.aws import Aws

    aws = Aws.local(sandbox.endpoint, REGION)
    s3, ecr, sm = aws.client("s3", REGION), aws.client("ecr", REGION), aws.client("sagemaker", REGION)
    # GIVEN a versioned bucket with two versions of an object and a delete marker
    s3.create_bucket(Bucket="acme-churn-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="acme-churn-data", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket="acme-churn-data", Key="train.csv", Body=body)
    s3.delete_object(Bucket="acme-churn-data", Key="train.csv")
    # AND an access-log bucket the data bucket logs into (S3 writes a log object on every request)
    s3.create_bucket(Bucket="acme-churn-access-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_logging(Bucket="acme-churn-data", BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": "acme-churn-access-logs", "TargetPrefix": "data/"}})
    s3.list_objects_v2(Bucket="acme-churn-data")
    # AND an image repository with an image, and a registry with a version
    ecr.create_repository(repositoryName="acme-churn-images")
    ecr.put_image(repositoryName="acme-churn-images", imageTag="1", imageManifest=json.dumps(
        {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "config": {"digest": "sha256:" + "a" * 64, "size": 1, "mediaType": "application/vnd.docker.container.image.v1+json"},
         "layers": []}))
    sm.create_model_package_group(ModelPackageGroupName="acme-churn-models")
    sm.create_model_package(ModelPackageGroupName="acme-churn-models", InferenceSpecification={
        "Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-churn-images:1"}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})
    said: list[str] = []
    # WHEN they are emptied
    removed = empty(aws, REGION, [
        Container("aws_s3_bucket.access_logs", "aws_s3_bucket", "acme-churn-access-logs"),
        Container("aws_s3_bucket.data", "aws_s3_bucket", "acme-churn-data"),
        Container("aws_ecr_repository.images", "aws_ecr_repository", "acme-churn-images"),
        Container("aws_sagemaker_model_package_group.models", "aws_sagemaker_model_package_group", "acme-churn-models"),
        Container("aws_s3_bucket.gone", "aws_s3_bucket", "acme-churn-already-deleted"),
    ], said.append)
    # THEN every version, marker, image and model version went, and a missing bucket counts nothing
    assert removed["aws_s3_bucket.access_logs"] > 0
    assert {k: v for k, v in removed.items() if k != "aws_s3_bucket.access_logs"} == {
        "aws_s3_bucket.data": 3, "aws_ecr_repository.images": 1, "aws_sagemaker_model_package_group.models": 1,
        "aws_s3_bucket.gone": 0}
    assert len(said) == 4 and said[1].startswith("emptied aws_s3_bucket.data (acme-churn-data): 3 item(s)")
    # AND AWS now deletes each of them, the access-log bucket last, after more requests to the data bucket
    s3.delete_bucket(Bucket="acme-churn-data")
    s3.delete_bucket(Bucket="acme-churn-access-logs")
    ecr.delete_repository(repositoryName="acme-churn-images")
    sm.delete_model_package_group(ModelPackageGroupName="acme-churn-models")
