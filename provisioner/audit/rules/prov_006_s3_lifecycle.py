from __future__ import annotations

from provisioner.audit.resources import blocks, dig
from provisioner.audit.rule import PASS, Fail, rule


@rule(
    id="PROV-006",
    title="S3 buckets have a lifecycle that expires old object versions",
    why="""With versioning on, every overwrite keeps the old object forever unless a lifecycle rule
    expires noncurrent versions; storage cost then grows without bound and deleted data lingers.""",
    fix="""Add an aws_s3_bucket_lifecycle_configuration with an Enabled rule that sets
    noncurrent_version_expiration (and abort_incomplete_multipart_upload).""",
    level="warning",
    resource_types=("aws_s3_bucket",),
    category="s3",
)
def check(bucket, config):
    rules = []
    for lifecycle in config.attached("aws_s3_bucket_lifecycle_configuration", "bucket", bucket):
        rules.extend(b for b in blocks(lifecycle.values.get("rule")) if b.get("status") == "Enabled")
    if not rules:
        return Fail("has no enabled lifecycle rule")
    versioned = any(dig(v.values, "versioning_configuration.status") == "Enabled"
                    for v in config.attached("aws_s3_bucket_versioning", "bucket", bucket))
    if versioned and not any(blocks(r.get("noncurrent_version_expiration")) for r in rules):
        return Fail("is versioned but no lifecycle rule expires noncurrent versions")
    return PASS
