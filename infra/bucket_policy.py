"""The TLS-only statements of every bucket the tool makes: the workspace buckets (`SecureBucket`, in the
stack) and the org's state bucket (`provision bootstrap`, with boto3). Built here once, used by both.

Pure Python (no cdktn): the bootstrap runs without the CDK layer.
"""

from __future__ import annotations

from typing import Any

TLS_ONLY_SID = "DenyInsecureTransport"
TLS_VERSION_SID = "DenyTlsOlderThan12"


def tls_only_statements(bucket_arn: str, sid_suffix: str = "") -> list[dict[str, Any]]:
    """Deny every request to the bucket and its objects not made over TLS, or made with TLS older than 1.2.

    `sid_suffix` keeps the statement ids apart when several buckets' statements meet (`...Data`).
    """
    resources = [bucket_arn, f"{bucket_arn}/*"]
    return [
        {"Sid": TLS_ONLY_SID + sid_suffix, "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": resources, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": TLS_VERSION_SID + sid_suffix, "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": resources, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
    ]
