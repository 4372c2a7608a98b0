from __future__ import annotations

from provisioner.audit.resources import blocks
from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import customer_key_problem


@rule(
    id="PROV-015",
    title="Endpoint data capture is encrypted with a customer key",
    why="""Data capture writes real inference requests and responses (often personal data) to S3. They
    must be encrypted with the workspace key like the rest of its data.""",
    fix="Set data_capture_config.kms_key_id on the endpoint configuration to the workspace key's ARN.",
    level="error",
    resource_types=("aws_sagemaker_endpoint_configuration",),
    category="sagemaker",
    coverage="encryption",
)
def check(config_resource, config):
    captures = blocks(config_resource.values.get("data_capture_config"))
    active = [c for c in captures if c.get("enable_capture") is not False]
    if not active:
        return NOT_APPLICABLE
    problem = customer_key_problem(active[0].get("kms_key_id"), config, "data_capture_config.kms_key_id")
    return Fail(problem) if problem else PASS
