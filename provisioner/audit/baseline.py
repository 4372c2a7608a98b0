"""Suppressions that hold for every workspace provision builds, each with its reason.

These are design decisions of the tool itself, not of one blueprint: they
are listed here, in docs/auditor-guide.md, and shown as "accepted
(baseline)" in every report. A finding that only one blueprint or workspace
accepts belongs in that blueprint's or spec's `suppressions` instead.
"""

from __future__ import annotations

from provisioner.audit.config import Config
from provisioner.audit.pack import SuppressionEntry

ORIGIN = "baseline"
FILE = "provisioner/audit/baseline.py"

GLOBAL = (
    ("CKV2_AWS_62", "S3 event notifications: workspace buckets hold datasets and artifacts that jobs read on "
                    "demand; workflow events come from SageMaker through EventBridge rules, not from S3 notifications."),
    ("CKV_AWS_144", "Cross-region replication: a workspace is single-region by design (data residency and cost); "
                    "versioning, lifecycle and prevent_destroy protect its data, and org-wide backup is the platform's choice."),
    ("CKV_AWS_338", "One-year log retention: a workspace's log retention is its blueprint parameter logs.retention_days "
                    "(PROV-021 requires one); the org's long-term audit trail is CloudTrail, not job logs."),
)


def baseline_suppressions(config: Config) -> list[SuppressionEntry]:
    entries = [SuppressionEntry(rule, "*", reason, ORIGIN, FILE) for rule, reason in GLOBAL]
    for logging in config.of_type("aws_s3_bucket_logging"):
        for target in config.referenced(logging.values.get("target_bucket"), "aws_s3_bucket"):
            entry = SuppressionEntry(
                "CKV_AWS_145", target.address,
                "The server access log bucket uses SSE-S3 because S3 cannot deliver access logs to an SSE-KMS "
                "bucket; PROV-002 requires SSE-S3 there and SSE-KMS with the workspace key everywhere else.",
                ORIGIN, FILE)
            if entry not in entries:
                entries.append(entry)
    from provisioner.audit.resources import blocks
    from provisioner.audit.rules.prov_013_sagemaker_endpoint_config_kms import has_instance_storage

    for endpoint_config in config.of_type("aws_sagemaker_endpoint_configuration"):
        variants = blocks(endpoint_config.values.get("production_variants")) + blocks(
            endpoint_config.values.get("shadow_production_variants"))
        if variants and all(has_instance_storage(v.get("instance_type")) for v in variants):
            entries.append(SuppressionEntry(
                "CKV_AWS_98", endpoint_config.address,
                "Every variant runs on an instance type with local NVMe storage, which SageMaker encrypts in "
                "hardware and for which it rejects a KMS key (kms_key_arn); PROV-013 checks this case, and data "
                "capture stays encrypted with the workspace key (PROV-015).",
                ORIGIN, FILE))
    return entries
