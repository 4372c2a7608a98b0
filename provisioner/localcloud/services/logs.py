"""CloudWatch Logs: a log group's KMS key and deletion protection, which moto 5.2.5 lacks.

Adds (the AWS behaviour followed: the CloudWatch Logs API Reference,
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_<Operation>.html):

- AssociateKmsKey / DisassociateKmsKey: aws_cloudwatch_log_group update of kms_key_id (by group name or
  ARN); a group that does not exist is ResourceNotFoundException.
- PutLogGroupDeletionProtection: aws_cloudwatch_log_group update of deletion_protection_enabled.

Corrects moto's own:

- CreateLogGroup stores logGroupClass and deletionProtectionEnabled, DescribeLogGroups shows both (the
  class defaults to STANDARD, as AWS answers), and DeleteLogGroup of a protected group is refused with
  InvalidOperationException until protection is switched off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.logs.exceptions import ResourceNotFoundException
from moto.logs.models import LogGroup, LogsBackend
from moto.logs.responses import LogsResponse

from provisioner.localcloud.services._moto import Extension, Operation, add_operations, corrects, error, graft

OPERATIONS: tuple[Operation, ...] = (
    Operation("logs", "AssociateKmsKey", "aws_cloudwatch_log_group update of kms_key_id"),
    Operation("logs", "DisassociateKmsKey", "aws_cloudwatch_log_group update removing kms_key_id"),
    Operation("logs", "PutLogGroupDeletionProtection", "aws_cloudwatch_log_group update of deletion_protection_enabled"),
)

EXTENDED: tuple[Extension, ...] = (
    Extension("logs", "CreateLogGroup / DescribeLogGroups / DeleteLogGroup", "deletion protection stored, shown, enforced"),
)


def _find_group(backend: Any, name_or_arn: str | None) -> LogGroup:
    name = name_or_arn or ""
    if name.startswith("arn:"):
        name = name.split(":log-group:", 1)[-1].removesuffix(":*")
    group = backend.groups.get(name)
    if group is None:
        raise ResourceNotFoundException()
    return group


class LogsExtensionBackend:
    """Grafted onto moto's LogsBackend."""

    def associate_kms_key(self: Any, group_name: str, kms_key_id: str) -> None:
        _find_group(self, group_name).kms_key_id = kms_key_id

    def disassociate_kms_key(self: Any, group_name: str) -> None:
        _find_group(self, group_name).kms_key_id = None

    def put_log_group_deletion_protection(self: Any, identifier: str, enabled: bool) -> None:
        _find_group(self, identifier).deletion_protection_enabled = bool(enabled)


class DescribedLogGroup:
    """Grafted onto moto's LogGroup: what DescribeLogGroups shows of a group."""

    @corrects
    def to_describe_dict(self: Any, moto_describe: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        described = moto_describe(self)
        described.setdefault("logGroupClass", getattr(self, "log_group_class", None) or "STANDARD")
        described.setdefault("deletionProtectionEnabled", bool(getattr(self, "deletion_protection_enabled", False)))
        return described


class LogsExtensionResponse:
    """Grafted onto moto's LogsResponse: one handler per added operation, and corrections of moto's own."""

    def associate_kms_key(self: Any) -> ActionResult:
        identifier = self._get_param("logGroupName") or self._get_param("resourceIdentifier")
        self.logs_backend.associate_kms_key(identifier, self._get_param("kmsKeyId"))
        return EmptyResult()

    def disassociate_kms_key(self: Any) -> ActionResult:
        identifier = self._get_param("logGroupName") or self._get_param("resourceIdentifier")
        self.logs_backend.disassociate_kms_key(identifier)
        return EmptyResult()

    def put_log_group_deletion_protection(self: Any) -> ActionResult:
        self.logs_backend.put_log_group_deletion_protection(
            self._get_param("logGroupIdentifier"), self._get_param("deletionProtectionEnabled"))
        return EmptyResult()

    @corrects
    def create_log_group(self: Any, moto_create: Callable[[Any], Any]) -> Any:
        result = moto_create(self)
        group = self.logs_backend.groups.get(self._get_param("logGroupName"))
        if group is not None:
            group.log_group_class = self._get_param("logGroupClass") or "STANDARD"
            group.deletion_protection_enabled = bool(self._get_param("deletionProtectionEnabled", False))
        return result

    @corrects
    def delete_log_group(self: Any, moto_delete: Callable[[Any], Any]) -> Any:
        group = self.logs_backend.groups.get(self._get_param("logGroupName"))
        if group is not None and getattr(group, "deletion_protection_enabled", False):
            raise error("InvalidOperationException",
                        f"Log group {group.name} has deletion protection enabled; disable it before deleting.")
        return moto_delete(self)


def install() -> list[str]:
    graft(LogsBackend, LogsExtensionBackend)
    graft(LogGroup, DescribedLogGroup)
    return add_operations(LogsResponse, LogsExtensionResponse, OPERATIONS)
