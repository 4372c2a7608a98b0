"""SageMaker Model Registry: deleting model package groups and model versions, which moto 5.2.5 cannot.

Adds (the AWS behaviour followed: the SageMaker API Reference,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_<Operation>.html):

- DeleteModelPackageGroup: aws_sagemaker_model_package_group destroy. A group that still holds versions is
  refused with ConflictException, as AWS refuses it; a missing group answers moto's own ValidationException
  "... does not exist.", which the provider's delete and waiter read as gone.
- DeleteModelPackage: `provision destroy --include-protected` empties a registry before its group goes
  (provisioner/cloud/emptying.py). A missing version is ValidationException, as AWS answers.

Corrects (DescribeModelPackage's `CreatedBy` and `LastModifiedBy`, type UserContext):

- CreateModelPackage records the caller as `CreatedBy.IamIdentity` and UpdateModelPackage (an approval
  among other changes) as `LastModifiedBy.IamIdentity` (`Arn`, `PrincipalId`): the identity the request was
  signed with, an assumed role's session ARN included, as AWS records it. moto 5.2.5 answers a fixed Studio
  user profile for both. `provision models promote` takes the approver from this record, never from
  metadata the uploader can write (provisioner/ds/promotion.py).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ConflictException, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from provisioner.localcloud.services._moto import Extension, Operation, add_operations, corrects, graft

OPERATIONS: tuple[Operation, ...] = (
    Operation("sagemaker", "DeleteModelPackageGroup", "aws_sagemaker_model_package_group destroy"),
    Operation("sagemaker", "DeleteModelPackage",
              "`destroy --include-protected` empties a registry before its group goes"),
)

EXTENDED: tuple[Extension, ...] = (
    Extension("sagemaker", "CreateModelPackage, UpdateModelPackage",
              "record the caller's IAM identity as CreatedBy / LastModifiedBy (who approved a version)"),
)


class RegistryBackend:
    """Grafted onto moto's SageMakerModelBackend, whose model_package_groups and model_packages it deletes from."""

    def delete_model_package_group(self: Any, name_or_arn: str) -> None:
        name = name_or_arn.split("/")[-1] if name_or_arn.startswith("arn:") else name_or_arn
        self.describe_model_package_group(name)  # moto's ValidationException "... does not exist."
        if any(p.model_package_group_name == name for p in self.model_packages.values()):
            raise ConflictException(f"Model Package Group {name} still contains model packages; delete them first.")
        del self.model_package_groups[name]

    def delete_model_package(self: Any, name_or_arn: str) -> None:
        arn = self.model_package_name_mapping.get(name_or_arn, name_or_arn)
        if arn not in self.model_packages:
            raise ValidationError(message=f"Model package {name_or_arn} not found")
        del self.model_packages[arn]
        for alias in [a for a, target in self.model_package_name_mapping.items() if target == arn]:
            del self.model_package_name_mapping[alias]


class RegistryResponse:
    """Grafted onto moto's SageMakerResponse: one handler per operation."""

    def delete_model_package_group(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_model_package_group(self._get_param("ModelPackageGroupName"))
        return EmptyResult()

    def delete_model_package(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_model_package(self._get_param("ModelPackageName"))
        return EmptyResult()


class RegistryCallerResponse:
    """Grafted onto moto's SageMakerResponse: who created or last changed a version is the caller."""

    @corrects
    def create_model_package(self: Any, moto_create: Any) -> ActionResult:
        result = moto_create(self)
        arn = (result.result or {}).get("ModelPackageArn") if isinstance(result, ActionResult) else None
        if arn and (package := self.sagemaker_backend.model_packages.get(arn)) is not None:
            package.created_by = _caller(self)
        return result

    @corrects
    def update_model_package(self: Any, moto_update: Any) -> ActionResult:
        result = moto_update(self)
        arn = self._get_param("ModelPackageArn")
        backend = self.sagemaker_backend
        package = backend.model_packages.get(backend.model_package_name_mapping.get(arn, arn))
        if package is not None:
            package.last_modified_by = _caller(self)
        return result


def _caller(response: Any) -> dict[str, Any]:
    """A UserContext naming the IAM identity the request was signed with (as STS GetCallerIdentity answers)."""
    from moto.sts.models import sts_backends

    user_id, arn, _ = sts_backends[response.current_account][response.partition].get_caller_identity(
        response.get_access_key(), response.region)
    return {"IamIdentity": {"Arn": arn, "PrincipalId": user_id}}


def install() -> list[str]:
    graft(SageMakerModelBackend, RegistryBackend)
    graft(SageMakerResponse, RegistryCallerResponse)
    return add_operations(SageMakerResponse, RegistryResponse, OPERATIONS)
