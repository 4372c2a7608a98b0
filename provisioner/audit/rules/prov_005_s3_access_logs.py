from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule


@rule(
    id="PROV-005",
    title="S3 buckets write server access logs",
    why="""Access logs record every request to the bucket (who read which object, when), which an
    investigation needs and CloudTrail data events may not cover. The bucket that receives the logs is
    exempt: logging it into itself would loop.""",
    fix="Add an aws_s3_bucket_logging for the bucket with target_bucket set to the workspace's log bucket.",
    level="warning",
    resource_types=("aws_s3_bucket",),
    category="s3",
)
def check(bucket, config):
    for logging in config.attached("aws_s3_bucket_logging", "bucket", bucket):
        if logging.values.get("target_bucket"):
            return PASS
    if bucket.blocks("logging") and bucket.blocks("logging")[0].get("target_bucket"):
        return PASS
    for logging in config.of_type("aws_s3_bucket_logging"):
        if config.refers_to(logging.values.get("target_bucket"), bucket):
            return PASS  # this is the access-log bucket itself
    return Fail("has no server access logging")
