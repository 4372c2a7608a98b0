"""A small IAM policy evaluator for the tests (moto stores policies but never evaluates them).

It follows AWS's documented evaluation logic for one account ("Policy evaluation logic", IAM User Guide):
an explicit Deny in any policy wins; otherwise a request is allowed only if every identity-side policy
kind that applies allows it (the identity policy AND the permission boundary); a resource policy's Deny
applies to everyone it names. Supported: Action/NotAction, Resource/NotResource, Principal/NotPrincipal
(AWS ARNs and "*"), and the condition operators our policies use (String*, Arn*, Bool, Null, with
`...IfExists` and `ForAnyValue:`/`ForAllValues:`). Anything else raises, so a policy the evaluator cannot
read never passes silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

ALLOW, DENY, IMPLICIT = "Allow", "Deny", "ImplicitDeny"


def _list(value: Any) -> list[Any]:
    return [value] if isinstance(value, (str, dict)) else list(value or [])


def _like(pattern: str, value: str, *, case: bool = True) -> bool:
    # IAM wildcards: * and ?; no character classes (escape [ for fnmatch).
    pattern = pattern.replace("[", "[[]")
    return fnmatchcase(value, pattern) if case else fnmatchcase(value.lower(), pattern.lower())


@dataclass
class Request:
    action: str
    resource: str
    principal: str = ""  # the caller's ARN, or the identity provider's (resource and trust policies)
    context: dict[str, Any] = field(default_factory=dict)  # condition keys -> value (str or list)


def _operator(op: str, wanted: list[Any], actual: Any) -> bool:
    base = op.removesuffix("IfExists")
    qualifier = ""
    if ":" in base:
        qualifier, base = base.split(":", 1)
    if actual is None:
        if op.endswith("IfExists"):
            return True
        if base == "Null":
            return str(wanted[0]).lower() == "true"
        return qualifier == "ForAllValues" or base.startswith(("StringNot", "ArnNot"))
    if base == "Null":
        return str(wanted[0]).lower() == "false"
    values = _list(actual)

    def one(value: Any) -> bool:
        value = str(value)
        if base in ("StringEquals", "ArnEquals"):
            return value in map(str, wanted)
        if base == "StringEqualsIgnoreCase":
            return value.lower() in [str(w).lower() for w in wanted]
        if base in ("StringLike", "ArnLike"):
            return any(_like(str(w), value) for w in wanted)
        if base in ("StringNotEquals", "ArnNotEquals"):
            return value not in map(str, wanted)
        if base in ("StringNotLike", "ArnNotLike"):
            return not any(_like(str(w), value) for w in wanted)
        if base == "Bool":
            return value.lower() in [str(w).lower() for w in wanted]
        numeric = {"NumericEquals": float.__eq__, "NumericLessThan": float.__lt__,
                   "NumericLessThanEquals": float.__le__, "NumericGreaterThan": float.__gt__,
                   "NumericGreaterThanEquals": float.__ge__}
        if base in numeric:
            return any(numeric[base](float(value), float(w)) for w in wanted)
        raise ValueError(f"condition operator {op!r} is not supported by the test evaluator")

    if qualifier == "ForAllValues":
        return all(one(v) for v in values)
    if qualifier == "ForAnyValue" or len(values) > 1:
        if base.startswith(("StringNot", "ArnNot")) and not qualifier:
            return all(one(v) for v in values)
        return any(one(v) for v in values)
    return one(values[0])


def _conditions_hold(statement: dict[str, Any], request: Request) -> bool:
    context = {k.lower(): v for k, v in request.context.items()}
    for op, keys in (statement.get("Condition") or {}).items():
        for key, wanted in keys.items():
            if not _operator(op, _list(wanted), context.get(key.lower())):
                return False
    return True


def _matches(statement: dict[str, Any], request: Request) -> bool:
    if "Action" in statement:
        if not any(_like(a, request.action, case=False) for a in _list(statement["Action"])):
            return False
    elif any(_like(a, request.action, case=False) for a in _list(statement["NotAction"])):
        return False
    if "Resource" in statement:
        if not any(_like(r, request.resource) for r in _list(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(_like(r, request.resource) for r in _list(statement["NotResource"])):
            return False
    if "Principal" in statement or "NotPrincipal" in statement:
        named = statement.get("Principal", statement.get("NotPrincipal"))
        arns = ["*"] if named == "*" else _list(named.get("AWS", [])) + _list(named.get("Federated", []))
        hit = any(a == "*" or a == request.principal for a in arns)
        if hit != ("Principal" in statement):
            return False
    return _conditions_hold(statement, request)


def decide(document: dict[str, Any] | str, request: Request) -> str:
    """One policy's answer: Deny (explicit), Allow, or ImplicitDeny."""
    document = json.loads(document) if isinstance(document, str) else document
    effects = {s["Effect"] for s in _list(document["Statement"]) if _matches(s, request)}
    return DENY if DENY in effects else ALLOW if ALLOW in effects else IMPLICIT


def trusted(trust: dict[str, Any] | str, request: Request) -> bool:
    """Whether a role's trust policy lets this caller assume it (its own answer decides)."""
    return decide(trust, request) == ALLOW


def allowed(request: Request, *, identity: list[dict[str, Any]], boundary: dict[str, Any] | None = None,
            resource_policy: dict[str, Any] | None = None) -> bool:
    """Whether a role with these identity policies (and boundary) may make the request, same account."""
    answers = [decide(p, request) for p in identity]
    if DENY in answers:
        return False
    if boundary is not None and decide(boundary, request) != ALLOW:
        return False
    resource = decide(resource_policy, request) if resource_policy else IMPLICIT
    if resource == DENY:
        return False
    return ALLOW in answers or resource == ALLOW
