"""CustomerKey: a customer-managed KMS key with rotation, an explicit key policy and an alias."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdktn_provider_aws.kms_alias import KmsAlias
from cdktn_provider_aws.kms_key import KmsKey

from infra.constructs._base import (
    L2,
    Grantee,
    PolicyDocument,
    Statement,
    policy_json,
    protect,
    source_account,
    statement,
)
from infra.stack_build import add_resource, ref

ENCRYPT_DECRYPT = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey")
DECRYPT = ("kms:Decrypt", "kms:DescribeKey")
# Services that publish to a KMS-encrypted SNS topic need these on the topic's key.
PUBLISH_TO_ENCRYPTED_TOPIC = ("kms:GenerateDataKey*", "kms:Decrypt")


class CustomerKey(L2):
    """A symmetric KMS key for one workspace.

    Key policy: the account root administers the key (so IAM policies, such as
    the execution role's, can grant its use; nobody gets use by default) plus
    one statement per AWS service that must use the key itself (added with
    `allow_service` / `allow_logs`, each limited to this account).

    Props:
      alias: full alias name, `alias/...`.
      account_id, region, partition: where the key lives.
      description: shown in the KMS console.
      deletion_window_days: waiting period if the key is ever scheduled for
        deletion; default 30 (the maximum). The key is also `prevent_destroy`.
      rotation_days: automatic rotation period; default 365.
    """

    def __init__(
        self,
        scope: Any,
        id: str,
        *,
        alias: str,
        account_id: str,
        region: str,
        partition: str = "aws",
        description: str,
        deletion_window_days: int = 30,
        rotation_days: int = 365,
    ) -> None:
        super().__init__(scope, id)
        self.account_id, self.region, self.partition = account_id, region, partition
        administer = [statement("AccountAdministersKey", "kms:*", "*",
                                principal={"AWS": f"arn:{partition}:iam::{account_id}:root"})]
        self.resource = add_resource(
            self.stack, KmsKey, id,
            description=description,
            enable_key_rotation=True,
            rotation_period_in_days=rotation_days,
            deletion_window_in_days=deletion_window_days,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            policy=policy_json(administer),
            lifecycle=protect(),
        )
        # Services' statements arrive as capabilities are built; the full policy is written once at the end.
        self.policy = PolicyDocument(self._write_policy, administer, scope=self.stack)
        self.alias_name = alias
        self.alias = add_resource(self.stack, KmsAlias, id, name=alias, target_key_id=ref(self.resource, "key_id"))
        self.arn: str = ref(self.resource, "arn")
        self.alias_arn = f"arn:{partition}:kms:{region}:{account_id}:{alias}"

    def _write_policy(self, statements: list[Statement]) -> None:
        self.resource.policy = policy_json(statements)

    def allow_service(
        self,
        sid: str,
        service: str,
        actions: Sequence[str],
        conditions: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Let an AWS service principal use the key for this account only."""
        merged = {**source_account(self.account_id), **(conditions or {})}
        self.policy.add(statement(sid, actions, "*", principal={"Service": service}, conditions=merged))

    def allow_logs(self, log_group_arn: str) -> None:
        """Let CloudWatch Logs encrypt the given log group (and only it) with this key.

        AWS's example policy also lists `kms:Describe*`, but DescribeKey requests carry no encryption
        context, so under this condition it is never allowed: it is left out (tests/infra/test_iam_grammar.py).
        """
        self.policy.add(statement(
            "CloudWatchLogsUseKey",
            ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"),
            "*",
            principal={"Service": f"logs.{self.region}.amazonaws.com"},
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_group_arn}},
        ))

    def allow_accounts_decrypt(self, account_roots: Sequence[str]) -> None:
        """Let other accounts decrypt with the key (read what it protects), nothing else; their IAM decides who."""
        self.policy.add(statement("OtherAccountsDecrypt", DECRYPT, "*", principal={"AWS": _one_or_all(account_roots)}))

    def grant_encrypt_decrypt(self, grantee: Grantee) -> None:
        grantee.add_to_policy(
            statement("UseWorkspaceKey", ENCRYPT_DECRYPT, self.arn),
            # SageMaker and EBS create grants on the caller's behalf to encrypt job volumes.
            statement("GrantWorkspaceKeyToAwsServices", "kms:CreateGrant", self.arn,
                      conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}}),
        )

    def grant_decrypt(self, grantee: Grantee) -> None:
        grantee.add_to_policy(statement("DecryptWithWorkspaceKey", DECRYPT, self.arn))


def _one_or_all(items: Sequence[str]) -> str | list[str]:
    return items[0] if len(items) == 1 else list(items)
