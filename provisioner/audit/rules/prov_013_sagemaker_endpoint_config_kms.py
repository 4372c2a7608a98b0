from __future__ import annotations

from provisioner.audit.resources import blocks
from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import customer_key_problem

# Instance families with local NVMe instance storage. SageMaker encrypts that storage with a
# hardware module and rejects a KmsKeyId for them (CreateEndpointConfig, "KmsKeyId").
INSTANCE_STORAGE_FAMILIES = (
    "ml.g4dn.", "ml.g5.", "ml.g6.", "ml.g6e.", "ml.p3dn.", "ml.p4d.", "ml.p4de.", "ml.p5.", "ml.p5e.", "ml.p5en.",
    "ml.m5d.", "ml.c5d.", "ml.r5d.", "ml.c6id.", "ml.m6id.", "ml.r6id.", "ml.trn1.", "ml.trn1n.", "ml.inf2.",
)


def has_instance_storage(instance_type: object) -> bool:
    return isinstance(instance_type, str) and instance_type.startswith(INSTANCE_STORAGE_FAMILIES)


@rule(
    id="PROV-013",
    title="SageMaker endpoint configurations encrypt their volumes with a customer key",
    why="""The ML storage volume of an endpoint instance holds the model artifact. Without kms_key_arn it is
    encrypted with an AWS owned key, outside the workspace's control. Instance types with local NVMe
    storage (ml.g5, ml.g4dn, ml.p4d, ...) are encrypted in hardware and SageMaker refuses a key for them, so
    they pass without one.""",
    fix="Set kms_key_arn on the aws_sagemaker_endpoint_configuration to the workspace key's ARN.",
    level="error",
    resource_types=("aws_sagemaker_endpoint_configuration",),
    category="sagemaker",
    coverage="encryption",
)
def check(config_resource, config):
    variants = blocks(config_resource.values.get("production_variants")) + blocks(config_resource.values.get("shadow_production_variants"))
    instance_variants = [v for v in variants if v.get("instance_type") and not blocks(v.get("serverless_config"))]
    if not instance_variants:
        return NOT_APPLICABLE  # serverless only: there is no volume to encrypt
    key = config_resource.values.get("kms_key_arn")
    if all(has_instance_storage(v.get("instance_type")) for v in instance_variants) and not key:
        return PASS
    problem = customer_key_problem(key, config, "kms_key_arn")
    return Fail(problem) if problem else PASS
