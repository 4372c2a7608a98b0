"""IAM policy documents, normalized whichever way the config writes them.

A policy attribute can hold a reference to an `aws_iam_policy_document` data
source (`${data.aws_iam_policy_document.trust.json}`), a JSON string (what
provision writes), or (in a plan) the rendered JSON. All of them become a
`PolicyDocument` of `Statement`s with plain tuples. Any other expression
(`${jsonencode(...)}`, a function call) cannot be read statically and is
reported as such.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from provisioner.audit.resources import Resource, blocks


class Lookup(Protocol):
    """What reading a policy needs of a config: the resource at an address (audit/config.py's `Config`)."""

    def get(self, address: str) -> Resource | None: ...


_DATA_DOC = re.compile(r"^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.(json|minified_json)\}$")


@dataclass(frozen=True)
class Condition:
    test: str
    variable: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    effect: str = "Allow"
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: tuple[tuple[str, str], ...] = ()  # (type, identifier); `("AWS", "*")` for everyone
    not_principals: tuple[tuple[str, str], ...] = ()
    conditions: tuple[Condition, ...] = ()
    sid: str = ""

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def matches_action(self, action: str) -> bool:
        """Whether this statement's actions cover `action` (wildcards and NotAction considered)."""
        action = action.lower()
        if self.not_actions:
            return not any(fnmatch.fnmatchcase(action, a.lower()) for a in self.not_actions)
        return any(fnmatch.fnmatchcase(action, a.lower()) for a in self.actions)

    def condition_keys(self) -> set[str]:
        return {c.variable.lower() for c in self.conditions}

    def condition(self, variable: str) -> list[Condition]:
        return [c for c in self.conditions if c.variable.lower() == variable.lower()]

    @property
    def wildcard_principal(self) -> bool:
        return any(identifier == "*" for _, identifier in self.principals)


@dataclass(frozen=True)
class PolicyDocument:
    statements: tuple[Statement, ...]
    origin: str = ""  # the data source address, or "inline"
    problems: tuple[str, ...] = field(default=())

    def allowing(self, action: str) -> list[Statement]:
        return [s for s in self.statements if s.allows and s.matches_action(action)]

    def denying(self, action: str) -> list[Statement]:
        return [s for s in self.statements if s.effect == "Deny" and s.matches_action(action)]


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple, set)):
        return tuple(str(v) for v in value)
    return (str(value),)


def _principals_from_json(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if value == "*":
        return (("AWS", "*"),)
    if isinstance(value, Mapping):
        return tuple((str(kind), identifier) for kind, ids in value.items() for identifier in _strings(ids))
    return tuple(("AWS", identifier) for identifier in _strings(value))


def statement_from_json(item: Mapping[str, Any]) -> Statement:
    conditions = []
    for test, variables in (item.get("Condition") or {}).items():
        if isinstance(variables, Mapping):
            for variable, values in variables.items():
                conditions.append(Condition(str(test), str(variable), tuple(_cond_str(v) for v in _as_list(values))))
    return Statement(
        effect=str(item.get("Effect", "Allow")),
        actions=_strings(item.get("Action")),
        not_actions=_strings(item.get("NotAction")),
        resources=_strings(item.get("Resource")),
        not_resources=_strings(item.get("NotResource")),
        principals=_principals_from_json(item.get("Principal")),
        not_principals=_principals_from_json(item.get("NotPrincipal")),
        conditions=tuple(conditions),
        sid=str(item.get("Sid", "")),
    )


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _cond_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _principals_from_blocks(value: Any) -> tuple[tuple[str, str], ...]:
    out = []
    for block in blocks(value):
        kind = str(block.get("type", "AWS"))
        for identifier in _strings(block.get("identifiers")):
            out.append(("AWS" if kind == "*" else kind, identifier))
    return tuple(out)


def statement_from_block(block: Mapping[str, Any]) -> Statement:
    return Statement(
        effect=str(block.get("effect") or "Allow"),
        actions=_strings(block.get("actions")),
        not_actions=_strings(block.get("not_actions")),
        resources=_strings(block.get("resources")),
        not_resources=_strings(block.get("not_resources")),
        principals=_principals_from_blocks(block.get("principals")),
        not_principals=_principals_from_blocks(block.get("not_principals")),
        conditions=tuple(
            Condition(str(c.get("test", "")), str(c.get("variable", "")), tuple(_cond_str(v) for v in _strings(c.get("values"))))
            for c in blocks(block.get("condition"))
        ),
        sid=str(block.get("sid") or ""),
    )


def document_from_json(data: Any, origin: str = "inline") -> PolicyDocument:
    if not isinstance(data, Mapping):
        return PolicyDocument((), origin, ("the policy is not a JSON object",))
    raw = data.get("Statement")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, Mapping) else []
    return PolicyDocument(tuple(statement_from_json(s) for s in items if isinstance(s, Mapping)), origin)


def parse_policy(value: Any, config: Lookup | None = None, _depth: int = 0) -> PolicyDocument | None:
    """The policy a value holds; None when the value is empty."""
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):
        return document_from_json(value)
    if not isinstance(value, str):
        return PolicyDocument((), "inline", (f"unexpected policy value of type {type(value).__name__}",))
    text = value.strip()
    match = _DATA_DOC.match(text)
    if match:
        return _from_data_source(match.group(1), config, _depth)
    if text.startswith("${"):
        return PolicyDocument((), "inline", ("the policy is an expression that cannot be read statically",))
    try:
        return document_from_json(json.loads(text))
    except ValueError:
        return PolicyDocument((), "inline", ("the policy is not valid JSON",))


def _from_data_source(name: str, config: Lookup | None, depth: int) -> PolicyDocument:
    address = f"data.aws_iam_policy_document.{name}"
    resource = config.get(address) if config is not None else None
    if resource is None:
        return PolicyDocument((), address, (f"{address} is not in the config",))
    rendered = resource.values.get("json")
    if isinstance(rendered, str) and rendered.strip().startswith("{"):  # a plan knows the rendered JSON
        try:
            return document_from_json(json.loads(rendered), address)
        except ValueError:
            pass
    statements: list[Statement] = []
    problems: list[str] = []
    if depth < 5:
        for key in ("source_policy_documents", "override_policy_documents"):
            for source in _strings(resource.values.get(key)):
                sub = parse_policy(source, config, depth + 1)
                if sub is not None:
                    statements.extend(sub.statements)
                    problems.extend(sub.problems)
    statements.extend(statement_from_block(b) for b in blocks(resource.values.get("statement")))
    return PolicyDocument(tuple(statements), address, tuple(problems))


def principal_label(kind: str, identifier: str) -> str:
    if identifier == "*":
        return "anyone (*)"
    return f"{kind}: {identifier}"
