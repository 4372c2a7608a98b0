from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import truthy

SETTINGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


@rule(
    id="PROV-001",
    title="S3 buckets block every kind of public access",
    why="""A bucket without a full public access block can be opened to the internet by one ACL or policy
    change. Training data and model artifacts are confidential by default.""",
    fix="Add an aws_s3_bucket_public_access_block for the bucket with all four settings true (SecureBucket does this).",
    level="error",
    resource_types=("aws_s3_bucket",),
    category="s3",
    coverage="network",
)
def check(bucket, config):
    for account_block in config.of_type("aws_s3_account_public_access_block"):
        if all(truthy(account_block.values.get(s)) for s in SETTINGS):
            return PASS
    blocks = config.attached("aws_s3_bucket_public_access_block", "bucket", bucket)
    if not blocks:
        return Fail("has no public access block")
    missing = sorted({s for b in blocks for s in SETTINGS if not truthy(b.values.get(s))})
    if missing and not any(all(truthy(b.values.get(s)) for s in SETTINGS) for b in blocks):
        return Fail(f"public access block leaves {', '.join(missing)} off")
    return PASS
