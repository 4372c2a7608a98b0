"""The IAM actions each cloud command needs: least privilege for the roles that run them.

`PERMISSIONS[command]` lists them; the tests record every AWS call a command
makes against moto and check that it is covered here, so this list (and the
docs generated from it) cannot silently fall behind the code.
"""

from __future__ import annotations

_S3_STATE_READ = (
    "s3:ListBucket",  # HeadBucket
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketPolicy",
    "s3:GetLifecycleConfiguration",
    "s3:GetBucketTagging",
)

PERMISSIONS: dict[str, tuple[str, ...]] = {
    "bootstrap": (
        "sts:GetCallerIdentity",
        *_S3_STATE_READ,
        "s3:CreateBucket",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketPolicy",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketTagging",
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:EnableKeyRotation",
        "kms:CreateKey",
        "kms:TagResource",
        "kms:CreateAlias",
        "kms:ScheduleKeyDeletion",  # only to remove a key whose alias could not be created
        # The deploy role, the plan role, their policies and GitHub's OIDC provider (deploy_role.py,
        # plan_role.py, github_oidc.py), when the environment names a deploy role.
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:CreatePolicy",
        "iam:ListPolicyVersions",
        "iam:DeletePolicyVersion",
        "iam:CreatePolicyVersion",
        "iam:GetRole",
        "iam:CreateRole",
        "iam:TagRole",
        "iam:AttachRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:UpdateAssumeRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:GetOpenIDConnectProvider",
        "iam:CreateOpenIDConnectProvider",
        "iam:TagOpenIDConnectProvider",
        "iam:AddClientIDToOpenIDConnectProvider",
    ),
    "preflight": (
        "sts:GetCallerIdentity",
        "ec2:DescribeRegions",
        *_S3_STATE_READ,
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "servicequotas:ListServiceQuotas",
        "servicequotas:ListAWSDefaultServiceQuotas",
    ),
    "inventory": (
        "sts:GetCallerIdentity",
        "tag:GetResources",
        "sagemaker:ListTrainingJobs",
        "sagemaker:ListModels",
        "sagemaker:ListEndpoints",
        # attributing each orphan and untagged ML resource (provisioner/cloud/attribution.py)
        "cloudtrail:LookupEvents",
        "cloudwatch:GetMetricData",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:DescribeModel",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:ListModelPackages",
        "s3:ListAllMyBuckets",
    ),
    "adopt": (
        "sts:GetCallerIdentity",
        "s3:ListBucket",  # HeadBucket
        "s3:GetBucketTagging",
        "ecr:DescribeRepositories",
        "ecr:ListTagsForResource",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:ListTags",
        "sagemaker:ListModelPackages",
    ),
    # `retire plan` and `retire apply`: the inventory's reads, then tags and one notice; deletes at the apply.
    "retire": (
        "sts:GetCallerIdentity",
        "tag:GetResources",
        "sagemaker:ListTrainingJobs",
        "sagemaker:ListModels",
        "sagemaker:ListEndpoints",
        "cloudtrail:LookupEvents",
        "cloudwatch:GetMetricData",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:DescribeModel",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:ListModelPackages",
        "sagemaker:ListTags",
        "sagemaker:AddTags",
        "s3:ListAllMyBuckets",
        "s3:GetBucketTagging",
        "s3:PutBucketTagging",
        "ecr:TagResource",
        "sns:Publish",
        "sagemaker:DeleteEndpoint",
        "sagemaker:DeleteEndpointConfig",
        "sagemaker:DeleteModel",
        # --include-data only: empty, then delete (provisioner/cloud/emptying.py)
        "sagemaker:DeleteModelPackage",
        "sagemaker:DeleteModelPackageGroup",
        "s3:PutBucketLogging",
        "s3:ListBucketVersions",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:DeleteBucket",
        "ecr:ListImages",
        "ecr:BatchDeleteImage",
        "ecr:DeleteRepository",
    ),
    "status": (
        "sts:GetCallerIdentity",
        "tag:GetResources",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:ListTrainingJobs",
        "sagemaker:ListModelPackages",
        "cloudwatch:DescribeAlarms",
    ),
}

# API operations whose IAM action is spelled differently.
_RENAMED = {
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "PutBucketEncryption"): "s3:PutEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "PutPublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "PutBucketLifecycleConfiguration"): "s3:PutLifecycleConfiguration",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
    ("s3", "DeleteObjects"): "s3:DeleteObjectVersion",
}
_PREFIX = {"resourcegroupstaggingapi": "tag", "service-quotas": "servicequotas", "monitoring": "cloudwatch"}


def iam_action(service: str, operation: str) -> str:
    """`s3`, `GetBucketEncryption` -> `s3:GetEncryptionConfiguration` (service as botocore names it)."""
    return _RENAMED.get((service, operation), f"{_PREFIX.get(service, service)}:{operation}")
