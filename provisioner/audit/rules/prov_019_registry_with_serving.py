from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule


@rule(
    id="PROV-019",
    title="A model package group exists wherever models are served",
    why="""Serving should deploy only registered, approved model versions; without a model package group
    in the workspace there is no registry to approve from and no record of what was deployed.""",
    fix="Add the `registry` capability (an aws_sagemaker_model_package_group) to the blueprint.",
    level="error",
    resource_types=("aws_sagemaker_endpoint_configuration",),
    category="sagemaker",
)
def check(endpoint_config, config):
    if config.of_type("aws_sagemaker_model_package_group"):
        return PASS
    return Fail("serves models but the workspace has no aws_sagemaker_model_package_group")
