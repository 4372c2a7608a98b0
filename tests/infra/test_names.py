"""Physical names: all from infra/naming.py (through infra/resource_names.py), within each service's rules."""

from __future__ import annotations

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from infra.naming import physical_name
from infra.resource_names import WorkspaceNames

# Attributes that carry a physical name, per Terraform type.
NAME_ATTRIBUTES = {
    "aws_s3_bucket": "bucket",
    "aws_kms_alias": "name",
    "aws_iam_role": "name",
    "aws_iam_role_policy": "name",
    "aws_iam_policy": "name",
    "aws_cloudwatch_log_group": "name",
    "aws_sns_topic": "name",
    "aws_ecr_repository": "name",
    "aws_budgets_budget": "name",
    "aws_resourcegroups_group": "name",
    "aws_sagemaker_model_package_group": "model_package_group_name",
    "aws_cloudwatch_event_rule": "name",
}

# The services' own rules (AWS documentation), independent of infra/naming.py.
S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IAM_NAME = re.compile(r"^[\w+=,.@-]+$")
KMS_ALIAS = re.compile(r"^alias/[a-zA-Z0-9/_-]+$")
ECR_REPOSITORY = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
LOG_GROUP = re.compile(r"^[.\-_/#A-Za-z0-9]+$")
SNS_TOPIC = re.compile(r"^[A-Za-z0-9_-]+$")
RESOURCE_GROUP = re.compile(r"^[a-zA-Z0-9_.-]+$")
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
EVENT_RULE = re.compile(r"^[.\-_A-Za-z0-9]+$")
SDK_JOB_SUFFIX = len("-2025-01-31-23-59-59-123")  # what the SageMaker SDK appends to a base job name

ORG = st.from_regex(r"^[a-z][a-z0-9-]{0,10}[a-z0-9]$", fullmatch=True)
WORKSPACE = st.from_regex(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$", fullmatch=True)
ENVIRONMENT = st.from_regex(r"^[a-z][a-z0-9]{0,9}$", fullmatch=True)
ACCOUNT = st.from_regex(r"^\d{12}$", fullmatch=True)
REGION = st.sampled_from(["eu-west-1", "us-east-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "il-central-1"])


def check_names(names: WorkspaceNames) -> None:
    for bucket in (names.data_bucket, names.artifacts_bucket, names.access_logs_bucket):
        assert S3_BUCKET.match(bucket), bucket
        assert ".." not in bucket and not re.match(r"^\d+\.\d+\.\d+\.\d+$", bucket)
        assert not bucket.startswith(("xn--", "sthree-", "amzn-s3-demo-"))
        assert not bucket.endswith(("-s3alias", "--ol-s3", "--x-s3", "--table-s3"))
    assert len(names.execution_role) <= 64 and IAM_NAME.match(names.execution_role)
    for policy in (names.access_policy, names.execution_policy):
        assert len(policy) <= 128 and IAM_NAME.match(policy)
    assert len(names.key_alias) <= 256 and KMS_ALIAS.match(names.key_alias)
    assert not names.key_alias.startswith("alias/aws/")
    assert 2 <= len(names.image_repository) <= 256 and ECR_REPOSITORY.match(names.image_repository)
    assert len(names.log_group) <= 512 and LOG_GROUP.match(names.log_group)
    assert len(names.alert_topic) <= 256 and SNS_TOPIC.match(names.alert_topic)
    assert len(names.budget) <= 100 and not set(names.budget) & {":", "\\"}
    assert len(names.resource_group) <= 128 and RESOURCE_GROUP.match(names.resource_group)
    assert not names.resource_group.lower().startswith("aws")
    assert SAGEMAKER_NAME.match(names.model_package_group)
    assert len(names.training_job_prefix) <= 32 and SAGEMAKER_NAME.match(names.training_job_prefix)
    assert len(names.training_job_prefix) + SDK_JOB_SUFFIX <= 63
    for rule in (names.training_failed_rule, names.model_approval_rule):
        assert len(rule) <= 64 and EVENT_RULE.match(rule)


@settings(max_examples=400, deadline=None)
@given(org=ORG, workspace=WORKSPACE, environment=ENVIRONMENT, account=ACCOUNT, region=REGION)
def test_names_respect_every_service_limit_for_any_valid_inputs(org, workspace, environment, account, region):
    # GIVEN any valid org, workspace and environment names (org names AWS reserves are excluded, see below)
    assume(not org.startswith(("aws", "sthree", "amzn-s3-demo")))
    # WHEN the workspace's physical names are built
    names = WorkspaceNames(org, workspace, environment, account, region)
    # THEN each satisfies its service's length and character rules
    check_names(names)


@settings(max_examples=200, deadline=None)
@given(org=ORG, first=st.tuples(WORKSPACE, ENVIRONMENT), second=st.tuples(WORKSPACE, ENVIRONMENT), account=ACCOUNT)
def test_different_workspaces_of_one_org_never_share_a_name(org, first, second, account):
    # GIVEN two different (workspace, environment) pairs of one org in one account
    assume(first != second)
    # WHEN their names are built
    a = WorkspaceNames(org, *first, account, "eu-west-1").all_names()
    b = WorkspaceNames(org, *second, account, "eu-west-1").all_names()
    # THEN no name is the same
    assert not set(a.values()) & set(b.values())


def test_longest_inputs_are_shortened_with_a_stable_hash():
    # GIVEN the longest valid org, workspace and environment names
    names = WorkspaceNames("o" * 12, "w" * 32, "e" * 10, "123456789012", "eu-west-1")
    # THEN names over the limit are cut and end with a hash, and stay valid
    check_names(names)
    assert len(names.data_bucket) == 63 and re.search(r"-[0-9a-f]{8}$", names.data_bucket)
    assert names.data_bucket == WorkspaceNames("o" * 12, "w" * 32, "e" * 10, "123456789012", "eu-west-1").data_bucket


def test_names_are_built_by_the_naming_function():
    # GIVEN a workspace  THEN each name equals naming.physical_name for its component and service
    names = WorkspaceNames("acme", "churn-model", "dev", "111111111111", "eu-west-1")
    assert names.data_bucket == physical_name("acme", "churn-model", "dev", "data-111111111111", "s3_bucket")
    assert names.execution_role == physical_name("acme", "churn-model", "dev", "execution", "iam_role")
    assert names.key_alias == "alias/" + physical_name("acme", "churn-model", "dev", "key", "kms_alias")
    assert names.training_job_prefix == physical_name("acme", "churn-model", "dev", "train", "sagemaker_short")
    assert names.model_package_group == "acme-churn-model-dev-models"


def test_every_physical_name_in_the_synthesized_config_comes_from_the_naming_helper(configs, example_org):
    # GIVEN the resources foundation, training and registry build (those of a gpu-training workspace),
    # looked up in every synthesized workspace (other capabilities name theirs with their own helpers)
    ours = {(t, a) for t, items in configs["churn-model"]["resource"].items() for a in items}
    checked = 0
    for name, config in configs.items():
        names = WorkspaceNames.of(example_org.contexts[name])
        known = set(names.all_names().values()) | {names.access_policy_part(i) for i in range(2, 11)}
        # WHEN the physical names of those resources are collected
        used = {body[attribute] for resource_type, attribute in NAME_ATTRIBUTES.items()
                for address, body in config["resource"].get(resource_type, {}).items()
                if (resource_type, address) in ours or address.startswith("access_policy_")}
        # THEN each is one of the names the helper builds (no hand-made names)
        assert used and used <= known, f"{name}: {sorted(used - known)}"
        checked += len(used)
    assert checked >= 6 * 12
    # AND every resource type of ours that takes a name is covered by this check
    named_types = {t for t, a in ours if "name" in configs["churn-model"]["resource"][t][a] or t == "aws_s3_bucket"}
    assert named_types <= set(NAME_ATTRIBUTES)
