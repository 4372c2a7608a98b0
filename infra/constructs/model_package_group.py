"""ModelPackageGroup: a SageMaker model registry group (the workspace's versioned models)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdktn_provider_aws.sagemaker_model_package_group import SagemakerModelPackageGroup
from cdktn_provider_aws.sagemaker_model_package_group_policy import SagemakerModelPackageGroupPolicy

from infra.constructs._base import L2, Grantee, policy_json, protect, statement
from infra.stack_build import add_resource, ref


# What another account may do with the group (AWS's multi-account MLOps templates): read, and create a model.
OTHER_ACCOUNT_READ = ("sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage",
                      "sagemaker:ListModelPackages", "sagemaker:CreateModel")


class ModelPackageGroup(L2):
    """A model package group; `prevent_destroy`, since it holds the model history and approvals.

    Props:
      name: the group's physical name.
      arn: its ARN (computable from account, region and name).
      description: shown in SageMaker Studio; default empty.
    """

    def __init__(self, scope: Any, id: str, *, name: str, arn: str, description: str = "") -> None:
        super().__init__(scope, id)
        self.name, self.arn = name, arn
        self.packages_arn = arn.replace(":model-package-group/", ":model-package/", 1) + "/*"
        self.account_packages_arn = arn.split(":model-package-group/", 1)[0] + ":model-package/*"
        self.resource = add_resource(
            self.stack, SagemakerModelPackageGroup, id, model_package_group_name=name,
            model_package_group_description=description or None, lifecycle=protect(),
        )

    def grant_read(self, grantee: Grantee) -> None:
        grantee.add_to_policy(
            statement("DescribeModelRegistry", "sagemaker:DescribeModelPackageGroup", self.arn),
            statement("DescribeModelPackages", "sagemaker:DescribeModelPackage", self.packages_arn),
            # ListModelPackages is authorized on model packages (the account's: the call names no one group's);
            # ListModelPackageGroups supports no resource type.
            statement("ListModelPackages", "sagemaker:ListModelPackages", self.account_packages_arn),
            statement("ListModelPackageGroups", "sagemaker:ListModelPackageGroups", "*"),
        )

    def grant_register(self, grantee: Grantee) -> None:
        """Register new model versions (tagged on creation) in this group only."""
        self.grant_read(grantee)
        grantee.add_to_policy(
            statement("RegisterModelPackages", "sagemaker:CreateModelPackage", [self.arn, self.packages_arn]),
            statement("TagModelPackagesOnCreate", "sagemaker:AddTags", self.packages_arn,
                      conditions={"StringEquals": {"sagemaker:TaggingAction": "CreateModelPackage"}}),
        )

    def grant_approve(self, grantee: Grantee) -> None:
        """Change the approval status (and metadata) of this group's model versions."""
        grantee.add_to_policy(statement("ApproveModelPackages", "sagemaker:UpdateModelPackage", self.packages_arn))

    def allow_accounts_read(self, account_roots: Sequence[str]) -> None:
        """A group resource policy letting other accounts read the versions (and create models from them)."""
        principal = {"AWS": account_roots[0] if len(account_roots) == 1 else list(account_roots)}
        add_resource(self.stack, SagemakerModelPackageGroupPolicy, self.id,
                     model_package_group_name=ref(self.resource, "model_package_group_name"),
                     resource_policy=policy_json([statement("OtherAccountsReadModels", OTHER_ACCOUNT_READ,
                                                            [self.arn, self.packages_arn], principal=principal)]))
