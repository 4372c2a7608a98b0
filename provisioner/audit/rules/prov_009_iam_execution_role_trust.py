from __future__ import annotations

from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import (
    SAGEMAKER_SERVICE,
    trust_policy,
    trusts_sagemaker,
    unreadable,
    used_by_sagemaker,
)

TRUST_ACTIONS = {"sts:assumerole", "sts:setsourceidentity", "sts:tagsession"}


@rule(
    id="PROV-009",
    title="SageMaker execution roles trust only SageMaker",
    why="""An execution role holds the workspace's data permissions. If anything besides
    sagemaker.amazonaws.com may assume it, that principal gets all of them.""",
    fix="""Make the role's assume_role_policy allow only sts:AssumeRole (and sts:SetSourceIdentity /
    sts:TagSession) for the service principal sagemaker.amazonaws.com.""",
    level="error",
    resource_types=("aws_iam_role",),
    category="iam",
)
def check(role, config):
    if not (trusts_sagemaker(role, config) or used_by_sagemaker(role, config)):
        return NOT_APPLICABLE
    doc = trust_policy(role, config)
    if doc is None:
        return Fail("has no trust policy")
    problem = unreadable(doc)
    if problem:
        return Fail(f"trust policy cannot be read: {problem}")
    others = sorted({f"{kind}:{ident}" for s in doc.statements if s.allows for kind, ident in s.principals
                     if (kind, ident) != ("Service", SAGEMAKER_SERVICE)})
    actions = sorted({a for s in doc.statements if s.allows for a in s.actions if a.lower() not in TRUST_ACTIONS})
    if any(s.allows and s.not_actions for s in doc.statements):
        actions.append("NotAction")
    if others:
        return Fail(f"trust policy also trusts {', '.join(others)}")
    if actions:
        return Fail(f"trust policy allows {', '.join(actions)} besides sts:AssumeRole")
    if not any(s.allows for s in doc.statements):
        return Fail("trust policy trusts no one, so SageMaker cannot use the role")
    return PASS
