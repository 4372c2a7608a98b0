from __future__ import annotations

from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import truthy


@rule(
    id="PROV-007",
    title="KMS keys rotate their key material",
    why="""Automatic rotation limits how much data one key version protects and is required by most
    compliance frameworks. Only symmetric encryption keys can rotate.""",
    fix="Set enable_key_rotation = true on the aws_kms_key (CustomerKey does this).",
    level="error",
    resource_types=("aws_kms_key",),
    category="kms",
    coverage="encryption",
)
def check(key, config):
    spec = key.values.get("customer_master_key_spec") or "SYMMETRIC_DEFAULT"
    usage = key.values.get("key_usage") or "ENCRYPT_DECRYPT"
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        return NOT_APPLICABLE
    if truthy(key.values.get("enable_key_rotation")):
        return PASS
    return Fail("enable_key_rotation is not true")
