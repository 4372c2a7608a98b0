from __future__ import annotations

from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import customer_key_problem
from provisioner.audit.rules._studio import first


def _sharing_problem(settings, config, label):
    sharing = first(settings.get("sharing_settings"))
    if not sharing or sharing.get("notebook_output_option") == "Disabled" and not sharing.get("s3_output_path"):
        return None  # nothing is written to S3
    problem = customer_key_problem(sharing.get("s3_kms_key_id"), config, f"{label}.sharing_settings.s3_kms_key_id")
    return problem


@rule(
    id="PROV-043",
    title="Notebook storage is encrypted with a customer key",
    why="""Notebooks hold data and credentials pasted by people. Shared notebook snapshots in S3, a Studio
    domain's volumes and a notebook instance's volume must be encrypted with a customer managed key that the
    workspace controls and can revoke, not an AWS owned or managed key.""",
    fix="""Set sharing_settings.s3_kms_key_id of the user profile (or turn sharing off), kms_key_id of the
    domain, or kms_key_id of the notebook instance, to the workspace key.""",
    level="error",
    resource_types=("aws_sagemaker_user_profile", "aws_sagemaker_domain", "aws_sagemaker_notebook_instance"),
    category="sagemaker",
    coverage="encryption",
)
def check(resource, config):
    values = resource.values
    problems = []
    if resource.type == "aws_sagemaker_notebook_instance":
        problems.append(customer_key_problem(values.get("kms_key_id"), config, "kms_key_id"))
    elif resource.type == "aws_sagemaker_domain":
        problems.append(customer_key_problem(values.get("kms_key_id"), config, "kms_key_id"))
        problems.append(_sharing_problem(first(values.get("default_user_settings")), config, "default_user_settings"))
    else:
        settings = first(values.get("user_settings"))
        if not settings.get("sharing_settings"):
            return NOT_APPLICABLE  # the domain's sharing settings apply (checked on the domain)
        problems.append(_sharing_problem(settings, config, "user_settings"))
    found = [p for p in problems if p]
    return Fail("; ".join(found)) if found else PASS
