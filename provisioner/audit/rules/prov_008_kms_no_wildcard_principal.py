from __future__ import annotations

from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import unreadable


@rule(
    id="PROV-008",
    title="KMS key policies grant nothing to a wildcard principal",
    why="""A key policy statement that allows Principal "*" lets any AWS account use the key, unless
    every condition on it is exactly right; the workspace key protects all of its data.""",
    fix="""Name the principals (the account root, the workspace roles, or service principals) in every
    Allow statement of the key policy instead of "*".""",
    level="error",
    resource_types=("aws_kms_key", "aws_kms_key_policy"),
    category="kms",
)
def check(key, config):
    value = key.values.get("policy")
    if not value:
        return NOT_APPLICABLE  # the default key policy trusts only the account
    doc = config.policy(value)
    problem = unreadable(doc)
    if problem:
        return Fail(f"key policy cannot be read: {problem}")
    wildcard = [s.sid or f"statement {i + 1}" for i, s in enumerate(doc.statements) if s.allows and s.wildcard_principal]
    if wildcard:
        return Fail(f"key policy allows a wildcard principal in {', '.join(wildcard)}")
    return PASS
