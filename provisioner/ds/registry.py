"""The workspace's model registry (its SageMaker model package group): list, register, approve.

Plain boto3 (no SageMaker SDK needed). New versions start as
`PendingManualApproval`: approving one is a separate, deliberate step, which the
registry capability announces on the workspace's alert topic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from provisioner.cloud.aws import aws_errors, error_code
from provisioner.ds.workspace import WorkspaceFacts
from provisioner.errors import InvalidInput, OperationFailed

PENDING = "PendingManualApproval"
APPROVED = "Approved"
ARGS = "<command line>"
DEFAULT_CONTENT_TYPES = ("application/json",)


@dataclass(frozen=True)
class ModelVersion:
    version: int
    arn: str
    approval: str
    status: str
    created: dt.datetime | None
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "arn": self.arn, "approval": self.approval, "status": self.status,
                "created": self.created.isoformat() if self.created else None, "description": self.description}


def package_arn(facts: WorkspaceFacts, version: int) -> str:
    from infra.resource_names import partition_for

    return (f"arn:{partition_for(facts.region)}:sagemaker:{facts.region}:{facts.account_id}:model-package/"
            f"{facts.model_package_group.lower()}/{version}")


def _version(summary: dict[str, Any]) -> ModelVersion:
    arn = summary["ModelPackageArn"]
    number = summary.get("ModelPackageVersion") or int(arn.rsplit("/", 1)[-1])
    return ModelVersion(
        version=int(number), arn=arn, approval=summary.get("ModelApprovalStatus", ""),
        status=summary.get("ModelPackageStatus", ""), created=summary.get("CreationTime"),
        description=summary.get("ModelPackageDescription", "") or "",
    )


def list_versions(sagemaker: Any, facts: WorkspaceFacts) -> list[ModelVersion]:
    """Every version in the group, newest first (an empty list when the group has none)."""
    versions: list[ModelVersion] = []
    with aws_errors(f"listing model group {facts.model_package_group}"):
        paginator = sagemaker.get_paginator("list_model_packages")
        try:
            for page in paginator.paginate(ModelPackageGroupName=facts.model_package_group, SortBy="CreationTime",
                                           SortOrder="Descending"):
                versions.extend(_version(s) for s in page.get("ModelPackageSummaryList", []))
        except Exception as exc:
            if error_code(exc) in ("ValidationException", "ResourceNotFound") and facts.model_package_group in str(exc):
                raise _group_missing(facts) from None
            raise
    return sorted(versions, key=lambda v: v.version, reverse=True)


def _group_missing(facts: WorkspaceFacts) -> OperationFailed:
    return OperationFailed(f"model group {facts.model_package_group} does not exist in account {facts.account_id} "
                           f"({facts.region})", f"apply the workspace first: provision plan {facts.name}, then "
                           f"provision apply {facts.name}")


def register(sagemaker: Any, facts: WorkspaceFacts, *, image: str, model_data: str, training_job: str,
             content_types: tuple[str, ...] = DEFAULT_CONTENT_TYPES) -> ModelVersion:
    """Register a trained model as a new version, pending manual approval."""
    with aws_errors(f"registering a model in {facts.model_package_group}"):
        reply = sagemaker.create_model_package(
            ModelPackageGroupName=facts.model_package_group,
            ModelPackageDescription=f"Trained by {training_job}",
            ModelApprovalStatus=PENDING,
            InferenceSpecification={
                "Containers": [{"Image": image, "ModelDataUrl": model_data}],
                "SupportedContentTypes": list(content_types),
                "SupportedResponseMIMETypes": list(content_types),
            },
            CustomerMetadataProperties={"provision:training-job": training_job, "provision:workspace": facts.name},
        )
        described = sagemaker.describe_model_package(ModelPackageName=reply["ModelPackageArn"])
    return _version(described)


def approve(sagemaker: Any, facts: WorkspaceFacts, version: int, *, note: str = "",
            approver: str = "") -> tuple[ModelVersion, bool]:
    """Approve a version; returns it and whether anything changed (approving twice is a no-op).

    `approver` (the caller's IAM identity) is kept in the version's metadata as `provision:approved-by`:
    a promotion carries it to the next environment's registry.
    """
    arn = package_arn(facts, version)
    with aws_errors(f"reading version {version} of {facts.model_package_group}"):
        try:
            described = sagemaker.describe_model_package(ModelPackageName=arn)
            current = _version(described)
        except Exception as exc:
            if error_code(exc) in ("ValidationException", "ResourceNotFound"):
                raise InvalidInput.single(ARGS, "VERSION", f"model group {facts.model_package_group} has no "
                                          f"version {version}", f"see the versions: provision models list {facts.name}") from None
            raise
    if current.approval == APPROVED:
        return current, False
    with aws_errors(f"approving version {version} of {facts.model_package_group}"):
        extra: dict[str, Any] = {}
        if approver:
            # SageMaker merges the given properties; moto replaces them: send the whole set.
            extra["CustomerMetadataProperties"] = {**(described.get("CustomerMetadataProperties") or {}),
                                                   "provision:approved-by": approver}
        sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=APPROVED,
                                       ApprovalDescription=note or "approved with `provision models approve`", **extra)
        updated = _version(sagemaker.describe_model_package(ModelPackageName=arn))
    return updated, True
