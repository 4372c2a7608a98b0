"""An IAM summary a person can read: who may do what, on which resources, under which conditions."""

from __future__ import annotations

import re
from typing import Any

from provisioner.audit.config import Config
from provisioner.audit.iam import PolicyDocument, Statement, principal_label
from provisioner.audit.resources import REFERENCE, Resource
from provisioner.audit.rules._common import identity_documents

_REF = re.compile(r"\$\{([^}]*)\}")


def humanize(value: str, config: Config) -> str:
    """`${aws_s3_bucket.data.arn}/*` -> `bucket acme-...-data/*`."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        ref = REFERENCE.search(inner)
        if ref:
            resource = config.get(ref.group(1))
            if resource is not None:
                return f"{_kind(resource.type)} {config.label(resource)}"
        return match.group(0)

    return _REF.sub(replace, value)


def _kind(resource_type: str) -> str:
    return resource_type.removeprefix("aws_").replace("_", " ")


def describe_statement(statement: Statement, config: Config) -> dict[str, Any]:
    actions = list(statement.actions) or [f"everything except {', '.join(statement.not_actions)}"]
    resources = [humanize(r, config) for r in statement.resources] or (
        [f"everything except {', '.join(humanize(r, config) for r in statement.not_resources)}"] if statement.not_resources else ["*"])
    conditions = [f"{c.variable} {c.test} {', '.join(humanize(v, config) for v in c.values)}" for c in statement.conditions]
    principals = [principal_label(k, humanize(i, config)) for k, i in statement.principals]
    if statement.not_principals:
        principals.append("everyone except " + ", ".join(principal_label(k, humanize(i, config)) for k, i in statement.not_principals))
    return {"sid": statement.sid, "effect": statement.effect, "principals": principals, "actions": actions,
            "resources": resources, "conditions": conditions}


def _statements(doc: PolicyDocument | None, config: Config) -> list[dict[str, Any]]:
    if doc is None:
        return []
    if doc.problems and not doc.statements:
        return [{"sid": "", "effect": "?", "principals": [], "actions": [], "resources": [], "conditions": [],
                 "problem": "; ".join(doc.problems)}]
    return [describe_statement(s, config) for s in doc.statements]


def _attached_policies(role: Resource, config: Config) -> list[tuple[str, PolicyDocument | None]]:
    out: list[tuple[str, PolicyDocument | None]] = list(identity_documents(role, config))
    for item in config.of_type("aws_iam_role_policy"):
        if config.refers_to(item.values.get("role"), role):
            out.append((item.address, config.policy(item.values.get("policy"))))
    arns: list[Any] = []
    for item in config.of_type("aws_iam_role_policy_attachment"):
        if config.refers_to(item.values.get("role"), role):
            arns.append(item.values.get("policy_arn"))
    arns.extend(role.values.get("managed_policy_arns") or [])
    for arn in arns:
        policies = config.referenced(arn, "aws_iam_policy")
        if policies:
            out.append((policies[0].address, config.policy(policies[0].values.get("policy"))))
        else:
            out.append((f"managed policy {arn}", None))
    return out


def summarize(config: Config) -> list[dict[str, Any]]:
    principals: list[dict[str, Any]] = []
    attached: set[str] = set()
    for role in config.of_type("aws_iam_role"):
        trust = config.policy(role.values.get("assume_role_policy"))
        assumable = []
        for statement in trust.statements if trust else []:
            if statement.allows:
                who = ", ".join(principal_label(k, i) for k, i in statement.principals) or "?"
                when = [f"{c.variable} {c.test} {', '.join(c.values)}" for c in statement.conditions]
                assumable.append({"principals": who, "conditions": when})
        permissions = []
        for label, doc in _attached_policies(role, config):
            if label.startswith("aws_iam_policy."):
                attached.add(label)
            permissions.append({"policy": label, "statements": _statements(doc, config)})
        principals.append({"principal": f"role {config.label(role)}", "address": role.address, "kind": "role",
                           "assumable_by": assumable, "permissions": permissions})
    for policy in config.of_type("aws_iam_policy"):
        if policy.address in attached:
            continue
        principals.append({
            "principal": f"whoever is given policy {config.label(policy)}", "address": policy.address, "kind": "policy",
            "assumable_by": [{"principals": "people and CI roles the policy is attached to (outside this workspace)",
                              "conditions": []}],
            "permissions": [{"policy": policy.address, "statements": _statements(config.policy(policy.values.get("policy")), config)}],
        })
    resource_policies = (("aws_s3_bucket_policy", "bucket"), ("aws_kms_key", None), ("aws_kms_key_policy", "key_id"),
                         ("aws_sns_topic_policy", "arn"), ("aws_ecr_repository_policy", "repository"))
    for type_, target in resource_policies:
        for item in config.of_type(type_):
            if not item.values.get("policy"):
                continue
            owner = item if target is None else (config.referenced(item.values.get(target)) or [item])[0]
            principals.append({
                "principal": f"resource policy of {_kind(owner.type)} {config.label(owner)}", "address": item.address,
                "kind": "resource-policy", "assumable_by": [],
                "permissions": [{"policy": item.address, "statements": _statements(config.policy(item.values.get("policy")), config)}],
            })
    return principals
