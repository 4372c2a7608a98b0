from __future__ import annotations

from provisioner.audit.resources import dig
from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import truthy


@rule(
    id="PROV-017",
    title="Model monitoring jobs run with network isolation",
    why="""The monitoring container processes captured request data; without network isolation it could
    send that data out of the account.""",
    fix="Set network_config.enable_network_isolation = true on the monitoring job definition.",
    level="error",
    resource_types=("aws_sagemaker_data_quality_job_definition",),
    category="sagemaker",
    coverage="network",
)
def check(job, config):
    if truthy(dig(job.values, "network_config.enable_network_isolation")):
        return PASS
    return Fail("network_config.enable_network_isolation is not true")
