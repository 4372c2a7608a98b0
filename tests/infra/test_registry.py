"""The registry capability: a protected model package group and approval alerts."""

from __future__ import annotations

import json

import pytest
from infra_helpers import access_policy_statements, resources

from infra.resource_names import WorkspaceNames


@pytest.fixture(scope="module", params=["churn-model", "fraud-detector", "sandbox-trial"])
def workspace(request, configs, example_org):
    ctx = example_org.contexts[request.param]
    return ctx, configs[request.param], WorkspaceNames.of(ctx)


def test_model_package_group_is_named_for_the_workspace_and_protected(workspace):
    # GIVEN a synthesized workspace
    _, config, names = workspace
    group = resources(config, "aws_sagemaker_model_package_group")["models"]
    # THEN the group has the workspace's name and Terraform refuses to destroy it
    assert group["model_package_group_name"] == names.model_package_group
    assert group["lifecycle"] == {"prevent_destroy": True}


def test_approval_status_changes_of_the_group_alert_the_topic(workspace):
    # GIVEN a synthesized workspace
    _, config, names = workspace
    rule = resources(config, "aws_cloudwatch_event_rule")["model_approval"]
    target = resources(config, "aws_cloudwatch_event_target")["model_approval"]
    # THEN model package state changes of this group (any approval status) go to the alert topic
    assert rule["name"] == names.model_approval_rule
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelPackageGroupName": [names.model_package_group],
                   "ModelApprovalStatus": ["Approved", "Rejected", "PendingManualApproval"]},
    }
    assert target["arn"] == "${aws_sns_topic.alerts.arn}"
    assert target["input_transformer"]["input_paths"]["status"] == "$.detail.ModelApprovalStatus"


def test_people_register_and_approve_only_in_the_workspace_group(workspace):
    # GIVEN a synthesized workspace's access policy
    _, config, names = workspace
    by_sid = access_policy_statements(config)
    packages = names.sagemaker_arn(f"model-package/{names.model_package_group}/*")
    # THEN registering, tagging on create and approving name this group's packages only
    assert sorted(by_sid["RegisterModelPackages"]["Resource"]) == sorted([names.model_package_group_arn, packages])
    assert by_sid["ApproveModelPackages"]["Resource"] == packages
    assert by_sid["TagModelPackagesOnCreate"]["Condition"] == {
        "StringEquals": {"sagemaker:TaggingAction": "CreateModelPackage"}}
    assert by_sid["DescribeModelRegistry"]["Resource"] == names.model_package_group_arn
