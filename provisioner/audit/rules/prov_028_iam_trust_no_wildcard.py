from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import trust_policy, unreadable


@rule(
    id="PROV-028",
    title="No role may be assumed by a wildcard principal",
    why="""A trust policy that allows Principal "*" lets anyone in any AWS account assume the role unless
    every condition on it is exactly right.""",
    fix="Name the principals that may assume the role (service principals or role ARNs) in its assume_role_policy.",
    level="error",
    resource_types=("aws_iam_role",),
    category="iam",
    coverage="network",
)
def check(role, config):
    doc = trust_policy(role, config)
    if doc is None:
        return Fail("has no trust policy")
    problem = unreadable(doc)
    if problem:
        return Fail(f"trust policy cannot be read: {problem}")
    if any(s.allows and s.wildcard_principal for s in doc.statements):
        return Fail("trust policy allows a wildcard principal")
    return PASS
