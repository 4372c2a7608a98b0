"""What `destroy --include-protected` empties before Terraform deletes it.

AWS refuses to delete a bucket that holds objects (or old versions of them), an image repository that
holds images, and a model package group that holds versions; Terraform's provider deletes them only
with `force_destroy`/`force_delete`, read from the *state*, so no override in the destroy plan can
lift it. Protected resources are created without it on purpose: a plain `destroy` must never take
data with it. When the user has confirmed `--include-protected` (which says "their data is lost"),
provision empties those containers itself, just before the destroy apply, and only those the
reviewed destroy plan deletes. The access-log bucket is never empty: S3 writes into it on every request
to the other buckets, so their access logging is switched off first (the destroy deletes it anyway).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# resource type -> the attribute of its state that names it in the API
NAMES = {
    "aws_s3_bucket": "bucket",
    "aws_ecr_repository": "name",
    "aws_sagemaker_model_package_group": "model_package_group_name",
}


@dataclass(frozen=True)
class Container:
    address: str
    kind: str  # a key of NAMES
    name: str


def containers_deleted_by(plan_json: Path) -> list[Container]:
    """The buckets, repositories and registries the destroy plan deletes, named as the state knows them."""
    plan = json.loads(Path(plan_json).read_text())
    found = []
    for change in plan.get("resource_changes", []):
        kind = change.get("type")
        before = (change.get("change") or {}).get("before") or {}
        if kind in NAMES and "delete" in (change.get("change") or {}).get("actions", []) and before.get(NAMES[kind]):
            found.append(Container(change["address"], kind, str(before[NAMES[kind]])))
    return found


def empty(aws: Any, region: str, containers: list[Container], say: Callable[[str], None]) -> dict[str, int]:
    """Delete what each container holds; returns address -> items deleted. A container already gone counts 0."""
    removed = {}
    for container in containers:
        if container.kind == "aws_s3_bucket":
            _stop_access_logging(aws, region, container.name)
    for container in containers:
        count = _EMPTIERS[container.kind](aws, region, container.name)
        removed[container.address] = count
        if count:
            say(f"emptied {container.address} ({container.name}): {count} item(s) deleted")
    return removed


def _stop_access_logging(aws: Any, region: str, bucket: str) -> None:
    s3 = aws.client("s3", region)
    try:
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    except s3.exceptions.NoSuchBucket:
        pass


def _empty_bucket(aws: Any, region: str, bucket: str) -> int:
    s3 = aws.client("s3", region)

    def delete(batch: list[dict[str, str]]) -> None:
        errors = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True}).get("Errors")
        if errors:
            raise _failed(f"bucket {bucket}: {errors[0].get('Key')}: {errors[0].get('Code')} "
                          f"{errors[0].get('Message', '')}")

    try:
        return _delete_in_batches(_bucket_versions(s3, bucket), 1000, delete)
    except s3.exceptions.NoSuchBucket:
        return 0


def _bucket_versions(s3: Any, bucket: str) -> Iterator[dict[str, str]]:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            yield {"Key": item["Key"], "VersionId": item["VersionId"]}


def _empty_repository(aws: Any, region: str, repository: str) -> int:
    ecr = aws.client("ecr", region)

    def delete(batch: list[dict[str, str]]) -> None:
        failures = ecr.batch_delete_image(repositoryName=repository, imageIds=batch).get("failures")
        if failures:
            raise _failed(f"repository {repository}: {failures[0].get('failureCode')} "
                          f"{failures[0].get('failureReason', '')}")

    images = (image for page in ecr.get_paginator("list_images").paginate(repositoryName=repository)
              for image in page.get("imageIds", []))
    try:
        return _delete_in_batches(images, 100, delete)
    except ecr.exceptions.RepositoryNotFoundException:
        return 0


def _empty_registry(aws: Any, region: str, group: str) -> int:
    sagemaker = aws.client("sagemaker", region)
    arns = [package["ModelPackageArn"]
            for page in sagemaker.get_paginator("list_model_packages").paginate(ModelPackageGroupName=group)
            for package in page.get("ModelPackageSummaryList", [])]
    for arn in arns:
        sagemaker.delete_model_package(ModelPackageName=arn)
    return len(arns)


_EMPTIERS: dict[str, Callable[[Any, str, str], int]] = {
    "aws_s3_bucket": _empty_bucket,
    "aws_ecr_repository": _empty_repository,
    "aws_sagemaker_model_package_group": _empty_registry,
}


def _delete_in_batches(items: Iterator[Any], size: int, delete: Callable[[list[Any]], None]) -> int:
    """Delete `items` `size` at a time (the API's batch limit); returns how many were deleted."""
    count = 0
    for batch in _batches(items, size):
        delete(batch)
        count += len(batch)
    return count


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _failed(what: str) -> Exception:
    from provisioner.errors import OperationFailed

    return OperationFailed(f"could not empty {what}", "check the deploy role's delete permissions; no resource "
                           "was destroyed yet (some contents may be), run the destroy again once fixed")
