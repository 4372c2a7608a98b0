"""IAM of the synthesized workspaces: the execution role and the workspace access policy."""

from __future__ import annotations

import json
import re

import pytest
from infra_helpers import access_policy_statements, as_list, policy, resources, statements_by_sid

from infra.constructs.managed_policy import MAX_POLICY_CHARS
from infra.resource_names import WorkspaceNames

WORKSPACES = ["churn-model", "fraud-detector", "sandbox-trial"]


@pytest.fixture(scope="module", params=WORKSPACES)
def workspace(request, configs, example_org):
    ctx = example_org.contexts[request.param]
    return ctx, configs[request.param], WorkspaceNames.of(ctx)


def size(document_text: str) -> int:
    """Characters IAM counts (no whitespace), with Terraform references resolved to a realistic KMS key ARN."""
    key_arn = "arn:aws:kms:eu-west-1:111111111111:key/" + "0" * 36
    return len(re.sub(r"\s", "", re.sub(r"\$\{aws_[a-z_]+\.[a-z_]+\.arn\}", key_arn, document_text)))


def test_execution_role_trusts_only_sagemaker_acting_for_this_account(workspace):
    # GIVEN a synthesized workspace
    _, config, names = workspace
    role = resources(config, "aws_iam_role")["execution_role"]
    trust = json.loads(role["assume_role_policy"])
    # THEN the only principal that may assume the role is SageMaker, for this account only
    assert role["name"] == names.execution_role
    assert trust["Statement"] == [{
        "Sid": "SageMakerAssumesRoleForThisAccount", "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": names.account_id}},
    }]


def test_no_aws_managed_policy_is_attached_anywhere(workspace):
    # GIVEN a synthesized workspace
    _, config, _ = workspace
    attachments = [body for t, items in config["resource"].items() if t.startswith("aws_iam_") and "attachment" in t
                   for body in items.values()]
    # THEN no role lists managed policies, attachments only use the workspace's own policies,
    # and no AWS-managed policy ARN appears anywhere
    assert all("managed_policy_arns" not in r for r in resources(config, "aws_iam_role").values())
    assert all(a["policy_arn"].startswith("${aws_iam_policy.") for a in attachments)
    assert "arn:aws:iam::aws:policy" not in json.dumps(config)


def test_execution_role_policy_is_scoped_to_workspace_resources(workspace):
    # GIVEN a synthesized workspace
    ctx, config, names = workspace
    document = policy(config, "aws_iam_role_policy", "execution_role")
    by_sid = statements_by_sid(document)
    # THEN it reads data, reads and writes artifacts, and nothing in other buckets
    assert by_sid["ReadWorkspaceObjects"]["Resource"] == f"{names.bucket_arn(names.data_bucket)}/*"
    assert "s3:PutObject" not in as_list(by_sid["ReadWorkspaceObjects"]["Action"])
    assert by_sid["ReadWriteWorkspaceObjects"]["Resource"] == f"{names.bucket_arn(names.artifacts_bucket)}/*"
    assert sorted(by_sid["ListWorkspaceBuckets"]["Resource"]) == sorted(
        [names.bucket_arn(names.data_bucket), names.bucket_arn(names.artifacts_bucket)])
    # AND only the workspace key, repository, log groups and job log streams
    assert by_sid["UseWorkspaceKey"]["Resource"] == "${aws_kms_key.key.arn}"
    assert by_sid["PullWorkspaceImages"]["Resource"] == names.image_repository_arn
    assert by_sid["WriteTrainingJobLogStreams"]["Resource"] == names.training_log_streams_arn
    # AND every statement allows, and a "*" resource appears only for calls without resource-level permissions
    star_actions = set()
    for item in document["Statement"]:
        assert item["Effect"] == "Allow"
        if "*" in as_list(item["Resource"]):
            star_actions |= set(as_list(item["Action"]))
    allowed_star = {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"}
    if ctx.env.subnet_ids:
        allowed_star |= {a for a in star_actions if a.startswith("ec2:Describe")}
    assert star_actions <= allowed_star
    assert by_sid["PublishSageMakerMetrics"]["Condition"] == {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}
    # AND no action wildcard like "s3:*" is granted
    assert not any(a.endswith(":*") or a == "*" for s in document["Statement"] for a in as_list(s["Action"]))


def test_execution_role_gets_network_interface_permissions_only_in_environments_with_subnets(workspace):
    # GIVEN a synthesized workspace
    ctx, config, names = workspace
    by_sid = statements_by_sid(policy(config, "aws_iam_role_policy", "execution_role"))
    # THEN ENI permissions exist exactly when the environment has subnets, scoped to those subnets
    assert ("CreateJobNetworkInterfaces" in by_sid) == bool(ctx.env.subnet_ids)
    if ctx.env.subnet_ids:
        subnets = [r for r in by_sid["CreateJobNetworkInterfaces"]["Resource"] if ":subnet/" in r]
        assert sorted(r.rsplit("/", 1)[1] for r in subnets) == sorted(ctx.env.subnet_ids)


def test_access_policy_parts_and_role_policy_fit_the_iam_size_limits(workspace):
    # GIVEN a synthesized workspace's policies with references resolved to realistic ARNs
    _, config, _ = workspace
    managed = resources(config, "aws_iam_policy")
    inline = resources(config, "aws_iam_role_policy")
    # THEN every managed policy stays within 6,144 and the role's inline policies within 10,240 characters
    assert managed and all(size(body["policy"]) <= MAX_POLICY_CHARS for body in managed.values())
    assert sum(size(body["policy"]) for body in inline.values()) <= 10240
    # AND every part of the access policy is listed in the access_policy_arns output
    parts = sorted(n for n in managed if n == "access_policy" or n.startswith("access_policy_"))
    assert config["output"]["access_policy_arns"]["value"] == [f"${{aws_iam_policy.{n}.arn}}" for n in parts]


def test_access_policy_is_attached_nowhere_and_its_arn_is_an_output(workspace):
    # GIVEN a synthesized workspace
    _, config, names = workspace
    # THEN the managed policy exists under the workspace name, no resource refers to it, and it is an output
    assert resources(config, "aws_iam_policy")["access_policy"]["name"] == names.access_policy
    assert "${aws_iam_policy.access_policy" not in json.dumps(config["resource"])
    assert config["output"]["access_policy_arn"]["value"] == "${aws_iam_policy.access_policy.arn}"


def test_access_policy_grants_workspace_buckets_images_and_logs_to_people(workspace):
    # GIVEN a synthesized workspace
    _, config, names = workspace
    by_sid = access_policy_statements(config)
    # THEN people read and write both workspace buckets (one statement), push images and read the workspace logs
    assert sorted(by_sid["ReadWriteWorkspaceObjects"]["Resource"]) == sorted(
        [f"{names.bucket_arn(names.data_bucket)}/*", f"{names.bucket_arn(names.artifacts_bucket)}/*"])
    assert "ecr:PutImage" in by_sid["PushPullWorkspaceImages"]["Action"]
    assert by_sid["PushPullWorkspaceImages"]["Resource"] == names.image_repository_arn
    assert names.log_group_arn in by_sid["ReadWorkspaceLogs"]["Resource"]
