from __future__ import annotations

import re

from provisioner.audit.resources import is_reference
from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import IDENTITY_POLICY_TYPES, identity_documents

ROLE_ARN = re.compile(r"^arn:[^:]+:iam::\d{12}:role/(?:.*/)?([^/*?]+)$")


def _workspace_role(value: str, config) -> bool:
    if is_reference(value):
        return bool(config.referenced(value, "aws_iam_role")) and "*" not in value.replace("${", "").split("}")[-1]
    match = ROLE_ARN.match(value)
    if not match:
        return False
    names = {r.values.get("name") for r in config.of_type("aws_iam_role")} | {r.values.get("arn") for r in config.of_type("aws_iam_role")}
    return match.group(1) in names or value in names


@rule(
    id="PROV-012",
    title="iam:PassRole is limited to the workspace's own roles",
    why="""Whoever may pass a role to SageMaker can run code with that role's permissions. Passing any
    role (`*`) lets a workspace user borrow a more powerful role of another team.""",
    fix="Set the Resource of every statement allowing iam:PassRole to the ARN of the workspace execution role.",
    level="error",
    resource_types=IDENTITY_POLICY_TYPES,
    category="iam",
)
def check(resource, config):
    relevant = False
    problems = []
    for label, doc in identity_documents(resource, config):
        if doc is None:
            continue
        for index, statement in enumerate(doc.allowing("iam:PassRole")):
            relevant = True
            where = statement.sid or f"statement {index + 1}"
            if statement.not_resources:
                problems.append(f"{label} {where} allows iam:PassRole with NotResource")
                continue
            outside = [r for r in statement.resources if not _workspace_role(r, config)]
            if outside:
                problems.append(f"{label} {where} allows iam:PassRole on {', '.join(outside)}")
    if not relevant:
        return NOT_APPLICABLE
    return Fail("; ".join(problems)) if problems else PASS
