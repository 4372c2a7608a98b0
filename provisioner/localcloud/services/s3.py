"""Amazon S3: bucket logging, tags at create and bucket-policy conditions, checked as AWS checks them.

Corrects moto's own (the AWS behaviour followed: the S3 API Reference,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_<Operation>.html, and the IAM condition operators,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):

- PutBucketLogging checks what AWS checks when logging is configured: the target bucket exists
  (InvalidTargetBucketForLogging) and is in the same region (CrossLocationLoggingProhibited). moto also
  demanded a log-delivery grant or a matching bucket-policy statement on the target, and answered HTTP 500
  when the target's policy held a statement with `"Principal": "*"` (every deny-insecure-transport statement
  provision writes).
- CreateBucket stores the tags its CreateBucketConfiguration carries: the AWS provider tags a new bucket
  that way (this botocore's model cannot yet); moto dropped them, so every plan after the first re-added them.
- PutObject / GetObject / ... under a bucket policy: a statement whose condition names a key the request
  lacks does not apply. moto hands a bucket policy no request context and answered DENIED whenever a
  condition was not met, whatever the statement's effect, so provision's TLS-only policy (Deny when
  aws:SecureTransport is false) denied every object call. AWS evaluates a condition on a missing key as
  false, except `...IfExists` operators and `Null`; statements without a condition, or with only those
  operators, are evaluated as moto does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import xmltodict
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.s3.exceptions import CrossLocationLoggingProhibited, InvalidTargetBucketForLogging
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response

from provisioner.localcloud.services._moto import Extension, Operation, corrects, graft, replaces

OPERATIONS: tuple[Operation, ...] = ()

EXTENDED: tuple[Extension, ...] = (
    Extension("s3", "PutBucketLogging", "checks only what AWS checks (moto demanded grants; HTTP 500 on Principal *)"),
    Extension("s3", "CreateBucket", "stores the tags of CreateBucketConfiguration (moto dropped them: tags re-added on every plan)"),
    Extension("s3", "PutObject / GetObject / ... (bucket policy)",
              "a statement conditioned on a key moto does not supply does not apply (moto denied: TLS-only policies blocked all)"),
)

# Condition operators that hold when the request lacks the key (AWS: `...IfExists` and `Null`).
ABSENT_KEY_HOLDS = ("IfExists", "Null")


def _applies_without_context(statement: dict[str, Any]) -> bool:
    return all(operator.endswith(ABSENT_KEY_HOLDS) for operator in statement.get("Condition") or {})


class CheckedBucket:
    """Grafted onto moto's FakeBucket: its logging configuration and its policy's verdict on a request."""

    @replaces
    def set_logging(self: Any, logging_config: dict[str, Any] | None, bucket_backend: Any) -> None:
        if not logging_config:
            self.logging = {}
            return
        target_bucket = bucket_backend.buckets.get(logging_config["TargetBucket"])
        if not target_bucket:
            raise InvalidTargetBucketForLogging("The target bucket for logging does not exist.")
        if target_bucket.region_name != self.region_name:
            raise CrossLocationLoggingProhibited()
        self.logging = logging_config

    @replaces
    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        statements = json.loads(self.policy)["Statement"]
        result = PermissionResult.NEUTRAL
        for statement in statements if isinstance(statements, list) else [statements]:
            if not _applies_without_context(statement):
                continue  # a condition on a key moto does not supply: false on AWS, so the statement does not apply
            verdict = IAMPolicyStatement({k: v for k, v in statement.items() if k != "Condition"}).is_action_permitted(
                action, resource)
            if verdict == PermissionResult.DENIED:
                return verdict
            if verdict == PermissionResult.PERMITTED:
                result = verdict
        return result


class TaggedAtCreate:
    """Grafted onto moto's S3Response: CreateBucket (a PUT on the bucket without a subresource)."""

    @corrects
    def _bucket_response_put(self: Any, moto_put: Callable[..., Any], request: Any, bucket_name: str,
                             querystring: dict[str, Any]) -> Any:
        result = moto_put(self, request, bucket_name, querystring)
        if not querystring and self.body:
            try:
                configuration = xmltodict.parse(self.body).get("CreateBucketConfiguration") or {}
            except Exception:  # noqa: BLE001 - moto already answered a body it could not read
                return result
            tags = ((configuration.get("Tags") or {}).get("Tag")) or []
            tags = tags if isinstance(tags, list) else [tags]
            if tags:
                self.backend.put_bucket_tagging(bucket_name, {t["Key"]: t.get("Value") or "" for t in tags})
        return result


def install() -> list[str]:
    graft(FakeBucket, CheckedBucket)
    graft(S3Response, TaggedAtCreate)
    return []
