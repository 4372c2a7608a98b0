from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import truthy


@rule(
    id="PROV-014",
    title="SageMaker models run with network isolation",
    why="""With network isolation the inference container has no outbound network access, so a
    compromised or malicious model cannot send request data or credentials anywhere.""",
    fix="Set enable_network_isolation = true on the aws_sagemaker_model.",
    level="error",
    resource_types=("aws_sagemaker_model",),
    category="sagemaker",
    coverage="network",
)
def check(model, config):
    if truthy(model.values.get("enable_network_isolation")):
        return PASS
    return Fail("enable_network_isolation is not true")
