from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._studio import first, settings_blocks


@rule(
    id="PROV-044",
    title="Notebooks do not run as root",
    why="""Root on a notebook instance can change its network and IAM setup, install anything and read other
    users' files; a Studio POSIX uid of 0 makes every file on shared storage root-owned. Notebook instances
    must have root_access Disabled, and Studio must not be configured to run apps as uid 0.""",
    fix="""Set root_access = "Disabled" on the aws_sagemaker_notebook_instance; remove custom_posix_user_config or
    give it a non-zero uid in Studio profiles, spaces and domains.""",
    level="error",
    resource_types=("aws_sagemaker_notebook_instance", "aws_sagemaker_user_profile", "aws_sagemaker_space",
                    "aws_sagemaker_domain"),
    category="sagemaker",
)
def check(resource, config):
    if resource.type == "aws_sagemaker_notebook_instance":
        access = resource.values.get("root_access") or "Enabled"  # AWS's default is Enabled
        return PASS if access == "Disabled" else Fail(f"root_access is {access}")
    problems = []
    for label, settings in settings_blocks(resource):
        uid = first(settings.get("custom_posix_user_config")).get("uid")
        if uid is not None and str(uid) == "0":
            problems.append(f"{label}.custom_posix_user_config runs apps as uid 0 (root)")
    return Fail("; ".join(problems)) if problems else PASS
