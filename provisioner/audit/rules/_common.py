"""Helpers shared by several rules (not a rule itself: the registry skips `_` modules)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from provisioner.audit.iam import PolicyDocument
from provisioner.audit.resources import Resource, is_reference

if TYPE_CHECKING:
    from provisioner.audit.config import Config

IDENTITY_POLICY_TYPES = ("aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role")
SAGEMAKER_ROLE_ATTRIBUTES = {
    "aws_sagemaker_model": ("execution_role_arn",),
    "aws_sagemaker_data_quality_job_definition": ("role_arn",),
    "aws_sagemaker_mlflow_tracking_server": ("role_arn",),
    "aws_sagemaker_pipeline": ("role_arn",),
    "aws_sagemaker_training_job": ("role_arn",),
}
SAGEMAKER_SERVICE = "sagemaker.amazonaws.com"
AWS_MANAGED_ALIAS = re.compile(r"(^|:)alias/aws/")


def customer_key_problem(value: Any, config: "Config", what: str) -> str | None:
    """None when `value` names a customer managed KMS key; else why not."""
    if value in (None, "", []):
        return f"{what} is not set"
    if isinstance(value, str) and AWS_MANAGED_ALIAS.search(value):
        return f"{what} uses an AWS managed key ({value}), not a customer managed key"
    keys = config.referenced(value, "aws_kms_key", "aws_kms_alias", "aws_kms_replica_key")
    if keys or is_reference(value):
        return None
    if isinstance(value, str) and (value.startswith("arn:") and ":kms:" in value or re.match(r"^[0-9a-f-]{36}$", value)):
        return None
    return f"{what} ({value!r}) is not a KMS key"


def identity_documents(resource: Resource, config: "Config") -> list[tuple[str, PolicyDocument | None]]:
    """The identity policies a resource defines: `policy`, or a role's inline policies."""
    if resource.type == "aws_iam_role":
        return [(f"inline_policy[{block.get('name', index)}]", config.policy(block.get("policy")))
                for index, block in enumerate(resource.blocks("inline_policy")) if block.get("policy")]
    return [("policy", config.policy(resource.values.get("policy")))]


def trust_policy(role: Resource, config: "Config") -> PolicyDocument | None:
    return config.policy(role.values.get("assume_role_policy"))


def trusts_sagemaker(role: Resource, config: "Config") -> bool:
    doc = trust_policy(role, config)
    return bool(doc and any(s.allows and ("Service", SAGEMAKER_SERVICE) in s.principals for s in doc.statements))


def used_by_sagemaker(role: Resource, config: "Config") -> bool:
    for type_, attributes in SAGEMAKER_ROLE_ATTRIBUTES.items():
        for resource in config.of_type(type_):
            if any(config.refers_to(resource.values.get(a), role) for a in attributes):
                return True
    return False


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def unreadable(doc: PolicyDocument | None) -> str | None:
    if doc is not None and doc.problems and not doc.statements:
        return "; ".join(doc.problems)
    return None


# Resource policies: the resource types that carry one, and the attribute holding it.
RESOURCE_POLICY_ATTRIBUTES = {
    "aws_kms_key": "policy",
    "aws_kms_key_policy": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_ecr_repository_policy": "policy",
    "aws_sagemaker_model_package_group_policy": "resource_policy",
    "aws_sns_topic_policy": "policy",
    "aws_iam_role": "assume_role_policy",
}
_ACCOUNT_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")


def principal_account(identifier: str) -> str | None:
    """The account of an AWS principal (`arn:aws:iam::ACCOUNT:...` or a bare account id), if literal."""
    if re.fullmatch(r"\d{12}", identifier):
        return identifier
    match = _ACCOUNT_ARN.match(identifier)
    return match.group(1) if match else None


EVERYONE = "*"  # the "account" of a grant open to every AWS principal
# Condition keys that narrow a `*` principal to the accounts they list (with StringEquals / StringLike).
ACCOUNT_CONDITION_KEYS = ("aws:principalaccount", "aws:sourceaccount", "aws:sourceowner")


def account_grants(resource: Resource, config: "Config") -> list[tuple[str, "Any", str]] | str:
    """(statement label, statement, account) for every Allow naming an AWS account principal; or why unreadable.

    A statement open to everyone (`"Principal": "*"`, `{"AWS": "*"}`, `{"AWS": ["*"]}`, or an Allow with a
    NotPrincipal) grants to account `EVERYONE`, unless a condition narrows it to named accounts
    (`aws:PrincipalAccount`, `aws:SourceAccount`): then to those. Service principals name no account.
    """
    doc = config.policy(resource.values.get(RESOURCE_POLICY_ATTRIBUTES[resource.type]))
    if doc is None:
        return []
    problem = unreadable(doc)
    if problem:
        return problem
    out = []
    for index, statement in enumerate(doc.statements):
        if not statement.allows:
            continue
        label = statement.sid or f"statement {index + 1}"
        accounts: list[str] = []
        for kind, identifier in statement.principals:
            if kind in ("AWS", "*") and identifier == EVERYONE:
                accounts.extend(_narrowed(statement))
            elif kind == "AWS" and (account := principal_account(identifier)):
                accounts.append(account)
        if statement.not_principals:  # Allow + NotPrincipal: everyone but the few it names
            accounts.extend(_narrowed(statement))
        for account in dict.fromkeys(accounts):
            out.append((label, statement, account))
    return out


def _narrowed(statement: Any) -> list[str]:
    """The accounts a `*` principal is narrowed to by the statement's conditions, else [EVERYONE]."""
    for condition in statement.conditions:
        if condition.variable.lower() in ACCOUNT_CONDITION_KEYS and condition.test in ("StringEquals", "StringLike"):
            named = [v for v in condition.values if re.fullmatch(r"\d{12}", v)]
            if named and len(named) == len(condition.values):
                return named
    return [EVERYONE]
