from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule


@rule(
    id="PROV-045",
    title="Notebooks have no direct internet access",
    why="""A notebook with direct internet access can send data anywhere and pull unreviewed code, around
    the VPC's egress controls. Notebook instances must run in a subnet with direct_internet_access Disabled,
    and Studio domains must be VpcOnly so that their apps' traffic goes through the VPC.""",
    fix="""Set direct_internet_access = "Disabled" and a subnet_id on the notebook instance; set
    app_network_access_type = "VpcOnly" (with subnets and security groups) on the Studio domain.""",
    level="error",
    resource_types=("aws_sagemaker_notebook_instance", "aws_sagemaker_domain"),
    category="sagemaker",
    coverage="network",
)
def check(resource, config):
    values = resource.values
    if resource.type == "aws_sagemaker_domain":
        mode = values.get("app_network_access_type") or "PublicInternetOnly"  # AWS's default
        return PASS if mode == "VpcOnly" else Fail(f"app_network_access_type is {mode}")
    problems = []
    access = values.get("direct_internet_access") or "Enabled"  # AWS's default
    if access != "Disabled":
        problems.append(f"direct_internet_access is {access}")
    if not values.get("subnet_id"):
        problems.append("no subnet_id, so the instance is not in a VPC")
    return Fail("; ".join(problems)) if problems else PASS
