from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import identity_documents
from provisioner.audit.rules._studio import first, notebook_instance_types

ACTION = "sagemaker:CreateApp"
KEY = "sagemaker:InstanceTypes"
NO_COMPUTE = "system"  # Studio Classic's JupyterServer app: no instance to govern


def role_documents(role, config):
    """Every identity policy the role has: inline ones, aws_iam_role_policy, attached customer-managed ones."""
    documents = identity_documents(role, config)
    for inline in config.attached("aws_iam_role_policy", "role", role):
        documents.append((inline.address, config.policy(inline.values.get("policy"))))
    for attachment in config.attached("aws_iam_role_policy_attachment", "role", role):
        for policy in config.referenced(attachment.values.get("policy_arn"), "aws_iam_policy"):
            documents.append((policy.address, config.policy(policy.values.get("policy"))))
    return [(label, doc) for label, doc in documents if doc is not None]


@rule(
    id="PROV-042",
    title="IAM stops Studio apps on notebook instance types outside the allowlist",
    why="""Studio users pick the instance type of their app in the UI, and Studio starts it with the
    profile's execution role. Only an explicit Deny of sagemaker:CreateApp on the sagemaker:InstanceTypes
    condition key stops a user from starting an expensive GPU instance the org did not allow.""",
    fix="""Attach to the profile's execution role a statement denying sagemaker:CreateApp (and CreateSpace,
    UpdateSpace) when ForAnyValue:StringNotEquals sagemaker:InstanceTypes is not in the notebook allowlist
    (the notebooks capability writes it).""",
    level="error",
    resource_types=("aws_sagemaker_user_profile",),
    category="iam",
)
def check(profile, config):
    role_arn = first(profile.values.get("user_settings")).get("execution_role")
    roles = config.referenced(role_arn, "aws_iam_role")
    if not roles:
        return Fail(f"execution role {role_arn!r} is not defined in this configuration, so its instance type "
                    "guard cannot be verified")
    allowed = set(notebook_instance_types(config.workspace)) | {NO_COMPUTE}
    problems = []
    for role in roles:
        guards = []
        for label, doc in role_documents(role, config):
            for statement in doc.denying(ACTION):
                for condition in statement.condition(KEY):
                    if "StringNotEquals" in condition.test or "StringNotLike" in condition.test:
                        guards.append((label, condition))
        if not guards:
            problems.append(f"{role.address} has no Deny of {ACTION} on {KEY}")
            continue
        if len(allowed) > 1:
            for label, condition in guards:
                extra = sorted(set(condition.values) - allowed)
                if extra:
                    problems.append(f"{label} lets Studio start {', '.join(extra)}, outside the notebook allowlist")
    return Fail("; ".join(problems)) if problems else PASS
