from __future__ import annotations

from provisioner.audit.resources import dig
from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import customer_key_problem, truthy


@rule(
    id="PROV-016",
    title="Model monitoring jobs encrypt their output, volumes and traffic",
    why="""A monitoring job reads captured inference data and writes statistics and violations derived
    from it; its output, its processing volume and the traffic between its containers must be encrypted.""",
    fix="""Set data_quality_job_output_config.kms_key_id and job_resources.cluster_config.volume_kms_key_id
    to the workspace key, and network_config.enable_inter_container_traffic_encryption = true.""",
    level="error",
    resource_types=("aws_sagemaker_data_quality_job_definition",),
    category="sagemaker",
    coverage="encryption",
)
def check(job, config):
    problems = []
    for path, what in (
        ("data_quality_job_output_config.kms_key_id", "output kms_key_id"),
        ("job_resources.cluster_config.volume_kms_key_id", "volume_kms_key_id"),
    ):
        problem = customer_key_problem(dig(job.values, path), config, what)
        if problem:
            problems.append(problem)
    if not truthy(dig(job.values, "network_config.enable_inter_container_traffic_encryption")):
        problems.append("inter-container traffic encryption is off")
    return Fail("; ".join(problems)) if problems else PASS
