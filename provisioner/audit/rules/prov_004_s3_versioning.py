from __future__ import annotations

from provisioner.audit.resources import dig
from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import truthy


@rule(
    id="PROV-004",
    title="S3 buckets keep object versions",
    why="""Versioning lets a team recover a dataset or model artifact that was overwritten or deleted,
    and is needed to reproduce a training run from the exact inputs it used.""",
    fix="Add an aws_s3_bucket_versioning for the bucket with versioning_configuration.status = \"Enabled\".",
    level="error",
    resource_types=("aws_s3_bucket",),
    category="s3",
)
def check(bucket, config):
    for versioning in config.attached("aws_s3_bucket_versioning", "bucket", bucket):
        status = dig(versioning.values, "versioning_configuration.status")
        if status == "Enabled":
            return PASS
        return Fail(f"versioning status is {status or 'not set'}")
    if truthy(dig(bucket.values, "versioning.enabled")):
        return PASS
    return Fail("has no versioning configuration")
