"""LogGroup: a KMS-encrypted CloudWatch log group with a retention period."""

from __future__ import annotations

from typing import Any

from cdktn_provider_aws.cloudwatch_log_group import CloudwatchLogGroup

from infra.constructs._base import L2, Grantee, statement
from infra.constructs.customer_key import CustomerKey
from infra.stack_build import add_resource

# Values CloudWatch Logs accepts for retention_in_days.
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)


class LogGroup(L2):
    """A log group encrypted with the workspace key; its key policy entry is added here.

    Props:
      name: the log group's physical name.
      arn: its ARN (computable from account, region and name).
      key: the CustomerKey; the key policy lets CloudWatch Logs use it for this log group only.
      retention_days: one of CloudWatch's allowed values; default 30.
    """

    def __init__(self, scope: Any, id: str, *, name: str, arn: str, key: CustomerKey,
                 retention_days: int = 30) -> None:
        super().__init__(scope, id)
        if retention_days not in RETENTION_DAYS:
            raise ValueError(f"log retention {retention_days} days is not one CloudWatch accepts: {RETENTION_DAYS}")
        self.name, self.arn = name, arn
        key.allow_logs(arn)
        self.resource = add_resource(self.stack, CloudwatchLogGroup, id, name=name, kms_key_id=key.arn,
                                     retention_in_days=retention_days)

    def grant_write(self, grantee: Grantee) -> None:
        grantee.add_to_policy(statement(
            "WriteWorkspaceLogs", ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
            [self.arn, f"{self.arn}:log-stream:*"]))

    def grant_read(self, grantee: Grantee) -> None:
        grantee.add_to_policy(statement(
            "ReadWorkspaceLogs",
            ("logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery"),
            [self.arn, f"{self.arn}:log-stream:*"]))
