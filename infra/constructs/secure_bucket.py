"""SecureBucket: an S3 bucket that is private, encrypted, versioned and TLS-only."""

from __future__ import annotations

from typing import Any

from cdktn_provider_aws.s3_bucket import S3Bucket
from cdktn_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktn_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktn_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls, S3BucketOwnershipControlsRule
from cdktn_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktn_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktn_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktn_provider_aws.s3_bucket_versioning import S3BucketVersioningA, S3BucketVersioningVersioningConfiguration
from infra.bucket_policy import tls_only_statements
from infra.constructs._base import L2, Grantee, PolicyDocument, Statement, policy_json, protect, statement
from infra.constructs.customer_key import CustomerKey
from infra.stack_build import add_resource, ref

READ_OBJECT = ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging")
WRITE_OBJECT = ("s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts")
LIST_BUCKET = ("s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads")
LOG_DELIVERY = "logging.s3.amazonaws.com"


def _sid_part(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-") if part)


class SecureBucket(L2):
    """A private S3 bucket with safe defaults, and grants that include its key.

    Always: all four public access blocks; object ownership `BucketOwnerEnforced`
    (ACLs off); versioning on; a bucket policy denying every request not made
    over TLS (`aws:SecureTransport = false`) or made with TLS older than 1.2; lifecycle rules aborting
    incomplete multipart uploads, expiring noncurrent versions and removing
    expired delete markers; `prevent_destroy`.

    Props:
      name: the bucket's physical name (from `infra.resource_names`).
      account_id, partition: where the bucket lives.
      key: the CustomerKey for SSE-KMS with an S3 bucket key. `None` means
        SSE-S3 (AES256): only for a bucket receiving S3 server access logs,
        which S3 cannot deliver into an SSE-KMS bucket.
      access_logs: the bucket receiving this bucket's server access logs
        (prefix `<name>/`); `None` means no access logging (only for the log
        bucket itself, which must not log into itself).
      noncurrent_version_days: days before a replaced or deleted object
        version is removed; default 90.
      abort_multipart_days: days before an unfinished multipart upload is
        aborted; default 7.
      expire_days: days before current objects expire; default `None` (never).
    """

    def __init__(
        self,
        scope: Any,
        id: str,
        *,
        name: str,
        account_id: str,
        partition: str = "aws",
        key: CustomerKey | None,
        access_logs: "SecureBucket | None",
        noncurrent_version_days: int = 90,
        abort_multipart_days: int = 7,
        expire_days: int | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.name, self.key, self.account_id = name, key, account_id
        self.arn = f"arn:{partition}:s3:::{name}"
        self._sid = _sid_part(id)
        self.resource = add_resource(self.stack, S3Bucket, id, bucket=name, force_destroy=False, lifecycle=protect())
        bucket_id = ref(self.resource, "id")

        self.public_access_block = add_resource(
            self.stack, S3BucketPublicAccessBlock, id, bucket=bucket_id,
            block_public_acls=True, block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
        )
        add_resource(self.stack, S3BucketOwnershipControls, id, bucket=bucket_id,
                     rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"))
        if key is not None:
            by_default = S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="aws:kms", kms_master_key_id=key.arn)
            rule = S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=by_default, bucket_key_enabled=True)
        else:
            rule = S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=(
                    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(sse_algorithm="AES256")
                ))
        add_resource(self.stack, S3BucketServerSideEncryptionConfigurationA, id, bucket=bucket_id, rule=[rule])
        versioning = add_resource(
            self.stack, S3BucketVersioningA, id, bucket=bucket_id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )

        every_object = [S3BucketLifecycleConfigurationRuleFilter()]
        rules = [
            S3BucketLifecycleConfigurationRule(
                id="abort-incomplete-multipart-uploads", status="Enabled", filter=every_object,
                abort_incomplete_multipart_upload=[S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                    days_after_initiation=abort_multipart_days)],
            ),
            S3BucketLifecycleConfigurationRule(
                id="expire-noncurrent-versions", status="Enabled", filter=every_object,
                noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                    noncurrent_days=noncurrent_version_days)],
            ),
            S3BucketLifecycleConfigurationRule(
                id="remove-expired-delete-markers", status="Enabled", filter=every_object,
                expiration=[S3BucketLifecycleConfigurationRuleExpiration(expired_object_delete_marker=True)],
            ),
        ]
        if expire_days is not None:
            rules.append(S3BucketLifecycleConfigurationRule(
                id="expire-current-objects", status="Enabled", filter=every_object,
                expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=expire_days)],
            ))
        add_resource(self.stack, S3BucketLifecycleConfiguration, id, bucket=bucket_id, rule=rules,
                     depends_on=[versioning])

        if access_logs is not None:
            add_resource(self.stack, S3BucketLoggingA, id, bucket=bucket_id,
                         target_bucket=ref(access_logs.resource, "id"), target_prefix=f"{name}/")
            access_logs.allow_access_logs_from(self)

        self.policy = PolicyDocument(self._write_policy, scope=self.stack,
                                     statements=tls_only_statements(self.arn, self._sid))

    def _write_policy(self, statements: list[Statement]) -> None:
        """The bucket policy is created once every grant has arrived."""
        add_resource(self.stack, S3BucketPolicy, self.id, bucket=ref(self.resource, "id"),
                     policy=policy_json(statements), depends_on=[self.public_access_block])

    def add_to_resource_policy(self, *statements: Statement) -> None:
        self.policy.add(*statements)

    def allow_access_logs_from(self, source: "SecureBucket") -> None:
        """Let S3 server access logging of `source` write into this bucket (under `<source>/`)."""
        self.add_to_resource_policy(statement(
            f"S3ServerAccessLogsFrom{source._sid}", "s3:PutObject", f"{self.arn}/{source.name}/*",
            principal={"Service": LOG_DELIVERY},
            conditions={"StringEquals": {"aws:SourceAccount": self.account_id},
                        "ArnLike": {"aws:SourceArn": source.arn}},
        ))

    def allow_accounts_read(self, prefix: str, account_roots: list[str]) -> None:
        """Let other accounts read (GetObject only) the objects under `prefix`; their IAM decides who."""
        principal = {"AWS": account_roots[0] if len(account_roots) == 1 else list(account_roots)}
        self.add_to_resource_policy(statement(f"OtherAccountsRead{self._sid}", "s3:GetObject",
                                              f"{self.arn}/{prefix}/*", principal=principal))

    # Grants share their Sids across buckets, so one statement lists every bucket a grantee may use.
    def grant_read(self, grantee: Grantee) -> None:
        grantee.add_to_policy(
            statement("ListWorkspaceBuckets", LIST_BUCKET, self.arn),
            statement("ReadWorkspaceObjects", READ_OBJECT, f"{self.arn}/*"),
        )
        if self.key is not None:
            self.key.grant_decrypt(grantee)

    def grant_read_write(self, grantee: Grantee) -> None:
        grantee.add_to_policy(
            statement("ListWorkspaceBuckets", LIST_BUCKET, self.arn),
            statement("ReadWriteWorkspaceObjects", READ_OBJECT + WRITE_OBJECT, f"{self.arn}/*"),
        )
        if self.key is not None:
            self.key.grant_encrypt_decrypt(grantee)
