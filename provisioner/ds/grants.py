"""Does a resource policy let another account do one action on one resource? The promotion grant check.

`models promote` asks this of the source account's bucket, key and repository policies before it reads a
model for the target account (provisioner/ds/promotion.py). The answer follows AWS's evaluation as far as a
policy can be read without the caller's request: an explicit Deny that applies wins over any Allow; an Allow
counts only when it names the account (its root ARN or its id, or everyone), covers the action (wildcards,
NotAction) and the resource (Resource / NotResource), and each of its conditions is known to hold for a read
by that account over TLS. A condition this module cannot evaluate makes an Allow not count and a Deny count:
when in doubt, the check says "not allowed" and the promotion stops with the missing grant named.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from provisioner.audit.iam import Condition, Statement, document_from_json

# What is known of a read made by the target account through an AWS SDK (always HTTPS, TLS 1.2 or newer).
_TLS = {"aws:securetransport": "true", "s3:tlsversion": "1.2"}


def allows(document: dict[str, Any] | None, account: str, action: str, resource: str = "*", *,
           partition: str = "aws") -> bool:
    """Whether DOCUMENT (a resource policy) lets ACCOUNT do ACTION on RESOURCE."""
    if not document:
        return False
    parsed = document_from_json(document)
    context = {**_TLS, "aws:principalaccount": account, "kms:calleraccount": account}
    root = f"arn:{partition}:iam::{account}:root"
    denied = any(_denies(s, account, root, action, resource, context) for s in parsed.statements
                 if s.effect == "Deny")
    if denied:
        return False
    return any(_grants(s, account, root, action, resource, context) for s in parsed.statements if s.allows)


def _grants(statement: Statement, account: str, root: str, action: str, resource: str, context: dict[str, str]) -> bool:
    if not statement.matches_action(action) or not _covers(statement, resource):
        return False
    if statement.not_principals:
        named = {identifier for _, identifier in statement.not_principals}
        if root in named or account in named or "*" in named:
            return False
    elif not any(identifier in (root, account, "*") for kind, identifier in statement.principals if kind in ("AWS", "*")):
        return False
    return all(_holds(c, context) is True for c in statement.conditions)


def _denies(statement: Statement, account: str, root: str, action: str, resource: str, context: dict[str, str]) -> bool:
    if not statement.matches_action(action) or not _covers(statement, resource):
        return False
    if statement.not_principals:
        named = {identifier for _, identifier in statement.not_principals}
        if root in named or account in named:
            return False  # the whole account is excepted from the Deny
    elif not any(identifier == "*" or identifier == account or f"::{account}:" in identifier
                 for kind, identifier in statement.principals if kind in ("AWS", "*")):
        return False  # a Deny naming any principal of the account may hit the role that reads: it counts
    return all(_holds(c, context) is not False for c in statement.conditions)


def _covers(statement: Statement, resource: str) -> bool:
    if resource == "*":
        return True
    if statement.not_resources:
        return not any(fnmatch.fnmatchcase(resource, pattern) for pattern in statement.not_resources)
    return any(fnmatch.fnmatchcase(resource, pattern) for pattern in statement.resources or ("*",))


def _holds(condition: Condition, context: dict[str, str]) -> bool | None:
    """True or False when the condition's key is known for this read, None when it cannot be told."""
    known = context.get(condition.variable.lower())
    test = condition.test
    if known is None or ":" in test or test.endswith("IfExists"):
        return None  # an unknown key, a set operator (ForAnyValue:), or IfExists: not evaluated
    values = condition.values
    if test == "Bool":
        return known in {v.lower() for v in values}
    if test in ("StringEquals", "StringEqualsIgnoreCase"):
        return known.lower() in {v.lower() for v in values} if test.endswith("IgnoreCase") else known in values
    if test in ("StringNotEquals", "StringNotEqualsIgnoreCase"):
        return not _holds(Condition(test.replace("Not", ""), condition.variable, values), context)
    if test == "StringLike":
        return any(fnmatch.fnmatchcase(known, v) for v in values)
    if test == "StringNotLike":
        return not any(fnmatch.fnmatchcase(known, v) for v in values)
    numeric = {"NumericLessThan": float.__lt__, "NumericLessThanEquals": float.__le__,
               "NumericGreaterThan": float.__gt__, "NumericGreaterThanEquals": float.__ge__,
               "NumericEquals": float.__eq__, "NumericNotEquals": float.__ne__}
    if test in numeric and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in values):
        return any(numeric[test](float(known), float(v)) for v in values)
    return None
