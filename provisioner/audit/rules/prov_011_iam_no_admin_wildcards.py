from __future__ import annotations

from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import IDENTITY_POLICY_TYPES, identity_documents, unreadable


def _wild_action(action: str) -> bool:
    return action == "*" or action.endswith(":*")


@rule(
    id="PROV-011",
    title="IAM policies allow no wildcard actions on wildcard resources",
    why="""`"Action": "*"` or `"service:*"` on `"Resource": "*"` makes the principal an administrator of
    the account or of that service; a workspace needs named actions on its own resources.""",
    fix="List the actions the principal needs, on the ARNs of the workspace's resources (use the grant methods).",
    level="error",
    resource_types=IDENTITY_POLICY_TYPES,
    category="iam",
)
def check(resource, config):
    documents = identity_documents(resource, config)
    if not documents:
        return NOT_APPLICABLE
    problems = []
    for label, doc in documents:
        if doc is None:
            continue
        problem = unreadable(doc)
        if problem:
            problems.append(f"{label} cannot be read: {problem}")
            continue
        for index, statement in enumerate(doc.statements):
            if not statement.allows:
                continue
            where = statement.sid or f"statement {index + 1}"
            if statement.not_actions:
                problems.append(f"{label} {where} allows NotAction (everything else)")
            elif any(_wild_action(a) for a in statement.actions) and ("*" in statement.resources or statement.not_resources):
                wild = ", ".join(a for a in statement.actions if _wild_action(a))
                problems.append(f"{label} {where} allows {wild} on every resource")
    return Fail("; ".join(problems)) if problems else PASS
