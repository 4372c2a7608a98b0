"""ImageRepository: a private ECR repository for the workspace's container images."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cdktn_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktn_provider_aws.ecr_repository_policy import EcrRepositoryPolicy
from cdktn_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)

from infra.constructs._base import L2, Grantee, policy_json, protect, statement
from infra.constructs.customer_key import CustomerKey
from infra.stack_build import add_resource, ref

PULL = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
PUSH = ("ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage")
DESCRIBE = ("ecr:DescribeImages", "ecr:ListImages", "ecr:DescribeImageScanFindings")


def lifecycle_policy(untagged_days: int, keep_images: int) -> str:
    """ECR lifecycle rules: untagged images go first, then all but the newest `keep_images`."""
    return json.dumps({"rules": [
        {"rulePriority": 1, "description": f"expire untagged images after {untagged_days} days",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": untagged_days},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": f"keep the newest {keep_images} images",
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep_images},
         "action": {"type": "expire"}},
    ]})


class ImageRepository(L2):
    """An ECR repository: KMS-encrypted, scanned on push, immutable tags, pruned by a lifecycle policy.

    Props:
      name: the repository's physical name.
      arn: its ARN (computable from account, region and name; keeps policies free of references).
      key: the CustomerKey encrypting the images.
      untagged_days: days an untagged image is kept; default 14.
      keep_images: how many images are kept at most; default 100 (older ones expire).
    The repository is `prevent_destroy` and never force-deleted with images in it.
    """

    def __init__(self, scope: Any, id: str, *, name: str, arn: str, key: CustomerKey,
                 untagged_days: int = 14, keep_images: int = 100) -> None:
        super().__init__(scope, id)
        self.name, self.arn, self.key = name, arn, key
        self.resource = add_resource(
            self.stack, EcrRepository, id,
            name=name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[EcrRepositoryEncryptionConfiguration(encryption_type="KMS", kms_key=key.arn)],
            force_delete=False,
            lifecycle=protect(),
        )
        add_resource(self.stack, EcrLifecyclePolicy, id, repository=ref(self.resource, "name"),
                     policy=lifecycle_policy(untagged_days, keep_images))
        self.url: str = ref(self.resource, "repository_url")

    def grant_pull(self, grantee: Grantee) -> None:
        grantee.add_to_policy(
            statement("EcrAuthorization", "ecr:GetAuthorizationToken", "*"),
            statement("PullWorkspaceImages", PULL, self.arn),
        )
        self.key.grant_decrypt(grantee)

    def grant_push(self, grantee: Grantee) -> None:
        grantee.add_to_policy(
            statement("EcrAuthorization", "ecr:GetAuthorizationToken", "*"),
            statement("PushPullWorkspaceImages", PULL + PUSH + DESCRIBE, self.arn),
        )
        self.key.grant_encrypt_decrypt(grantee)

    def allow_accounts_pull(self, account_roots: Sequence[str]) -> None:
        """A repository policy letting other accounts pull images (nothing else)."""
        principal = {"AWS": account_roots[0] if len(account_roots) == 1 else list(account_roots)}
        add_resource(self.stack, EcrRepositoryPolicy, self.id, repository=ref(self.resource, "name"),
                     policy=policy_json([statement("OtherAccountsPullImages", PULL, principal=principal)]))
