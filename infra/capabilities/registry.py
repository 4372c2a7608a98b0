"""registry: a SageMaker model package group (the model registry) with approval alerts.

People and CI of the workspace may register model versions in this group only
and change their approval status; every approval status change (and every new
version, which starts as PendingManualApproval) is sent to the alert topic.
"""

from __future__ import annotations

from infra.capabilities._base import WorkspaceParts, capability
from infra.capabilities._promotion import build_promotion
from infra.constructs.event_alert import EventAlert
from infra.constructs.model_package_group import ModelPackageGroup
from infra.stack_build import ref

APPROVAL_STATUSES = ["Approved", "Rejected", "PendingManualApproval"]


@capability("registry")
def build(parts: WorkspaceParts) -> None:
    ctx, names = parts.ctx, parts.names
    parts.model_group = group = ModelPackageGroup(
        parts.scope, "models", name=names.model_package_group, arn=names.model_package_group_arn,
        description=f"Models of provision workspace {ctx.name} ({ctx.environment})",
    )
    group.grant_register(parts.access)
    group.grant_approve(parts.access)

    EventAlert(
        parts.scope, "model_approval", name=names.model_approval_rule,
        description=f"Model approval changes in the registry of provision workspace {ctx.name} ({ctx.environment})",
        pattern={
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Model Package State Change"],
            "detail": {
                "ModelPackageGroupName": [group.name],
                "ModelApprovalStatus": APPROVAL_STATUSES,
            },
        },
        topic=parts.topic,
        message=f"provision: model <group> version <version> of workspace {ctx.name} ({ctx.environment}) "
                "is now <status>",
        fields={"group": "$.detail.ModelPackageGroupName", "version": "$.detail.ModelPackageVersion",
                "status": "$.detail.ModelApprovalStatus"},
    )

    parts.output("model_package_group_name", group.name, "SageMaker model package group (model registry)")
    parts.output("model_package_group_arn", ref(group.resource, "arn"), "ARN of the model package group")
    build_promotion(parts)  # read-only grants to and from the other workspaces of the project (org `promotion`)
