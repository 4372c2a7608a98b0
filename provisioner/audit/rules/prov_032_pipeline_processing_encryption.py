from __future__ import annotations

import json

from provisioner.audit.resources import dig
from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import customer_key_problem


@rule(
    id="PROV-032",
    title="SageMaker Pipeline processing steps encrypt their volumes and container traffic",
    why="""A pipeline's processing step (the monitoring pipeline's evaluation) reads captured inference data
    and ground truth; its storage volume must use the workspace's customer managed key and the traffic
    between its containers must be encrypted.""",
    fix="""In the pipeline definition, set ProcessingResources.ClusterConfig.VolumeKmsKeyId to the workspace key
    and NetworkConfig.EnableInterContainerTrafficEncryption to true in every Processing step.""",
    level="error",
    resource_types=("aws_sagemaker_pipeline",),
    category="sagemaker",
    coverage="encryption",
)
def check(pipeline, config):
    try:
        definition = json.loads(pipeline.values.get("pipeline_definition") or "{}")
    except (TypeError, ValueError):
        return Fail("pipeline_definition is not JSON (a definition in S3 cannot be checked here)")
    steps = [s for s in definition.get("Steps", []) if s.get("Type") == "Processing"]
    if not steps:
        return NOT_APPLICABLE
    problems = []
    for step in steps:
        name = step.get("Name", "?")
        problem = customer_key_problem(dig(step, "Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId"),
                                       config, f"step {name} VolumeKmsKeyId")
        if problem:
            problems.append(problem)
        if dig(step, "Arguments.NetworkConfig.EnableInterContainerTrafficEncryption") is not True:
            problems.append(f"step {name} does not encrypt inter-container traffic")
    return Fail("; ".join(problems)) if problems else PASS
