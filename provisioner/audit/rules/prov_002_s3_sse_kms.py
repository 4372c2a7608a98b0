from __future__ import annotations

from provisioner.audit.resources import blocks, dig
from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import customer_key_problem

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


@rule(
    id="PROV-002",
    title="S3 buckets are encrypted with SSE-KMS under a customer managed key",
    why="""With a customer managed key, reading an object also needs kms:Decrypt on the workspace key, so
    access is auditable in CloudTrail and revocable by disabling the key. SSE-S3 and the AWS managed
    aws/s3 key give neither. The one exception is the bucket that receives server access logs: S3 cannot
    deliver access logs to an SSE-KMS bucket, so SSE-S3 (AES256) is required there.""",
    fix="""Add an aws_s3_bucket_server_side_encryption_configuration with sse_algorithm "aws:kms" and
    kms_master_key_id set to the workspace key's ARN.""",
    level="error",
    resource_types=("aws_s3_bucket",),
    category="s3",
    coverage="encryption",
)
def check(bucket, config):
    rules = []
    for sse in config.attached("aws_s3_bucket_server_side_encryption_configuration", "bucket", bucket):
        rules.extend(blocks(sse.values.get("rule")))
    for inline in blocks(bucket.values.get("server_side_encryption_configuration")):
        rules.extend(blocks(inline.get("rule")))
    if not rules:
        return Fail("has no server-side encryption configuration")
    log_target = any(config.refers_to(item.values.get("target_bucket"), bucket) for item in config.of_type("aws_s3_bucket_logging"))
    if log_target:
        if any(dig(item, "apply_server_side_encryption_by_default.sse_algorithm") == "AES256" for item in rules):
            return PASS
        return Fail("receives server access logs, which S3 delivers only to SSE-S3 (AES256) buckets")
    problems = []
    for item in rules:
        algorithm = dig(item, "apply_server_side_encryption_by_default.sse_algorithm")
        if algorithm not in KMS_ALGORITHMS:
            problems.append(f"sse_algorithm is {algorithm or 'not set'}, not aws:kms")
            continue
        problem = customer_key_problem(dig(item, "apply_server_side_encryption_by_default.kms_master_key_id"), config,
                                       "kms_master_key_id")
        if problem:
            problems.append(problem)
        else:
            return PASS
    return Fail("; ".join(problems))
