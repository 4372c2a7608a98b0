from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import unreadable


def _denies_plain_http(statement) -> bool:
    if statement.effect != "Deny" or not statement.wildcard_principal:
        return False
    if not (statement.matches_action("s3:GetObject") and statement.matches_action("s3:PutObject")):
        return False
    for condition in statement.condition("aws:SecureTransport"):
        if condition.test.lower() == "bool" and "false" in [v.lower() for v in condition.values]:
            return True
    for condition in statement.condition("s3:TlsVersion"):
        if condition.test.lower().startswith("numericlessthan"):
            return True
    return False


@rule(
    id="PROV-003",
    title="S3 bucket policies deny requests that do not use TLS",
    why="""Without a deny on aws:SecureTransport=false, a client can read or write objects over plain
    HTTP, exposing data and credentials in transit.""",
    fix="""Attach an aws_s3_bucket_policy with a Deny statement for principal "*", action "s3:*", the bucket
    and its objects, and the condition Bool aws:SecureTransport = false.""",
    level="error",
    resource_types=("aws_s3_bucket",),
    category="s3",
    coverage="network",
)
def check(bucket, config):
    policies = config.attached("aws_s3_bucket_policy", "bucket", bucket)
    inline = bucket.values.get("policy")
    documents = [config.policy(p.values.get("policy")) for p in policies] + ([config.policy(inline)] if inline else [])
    documents = [d for d in documents if d is not None]
    if not documents:
        return Fail("has no bucket policy, so plain-HTTP requests are not denied")
    for doc in documents:
        if any(_denies_plain_http(s) for s in doc.statements):
            return PASS
    problem = next((unreadable(d) for d in documents if unreadable(d)), None)
    if problem:
        return Fail(f"bucket policy cannot be read: {problem}")
    return Fail("bucket policy has no Deny for aws:SecureTransport=false")
