"""Which of Terraform's `resource_drift` entries matter, and what changed in each.

A refresh after provision's own apply finds differences that nobody made: a bucket's `versioning` block
filled in by its sibling `aws_s3_bucket_versioning`, `metrics: null -> []`, attributes the provider computes.
Listing them all as "changed outside Terraform" teaches people to ignore real drift. Terraform's own CLI
shows drift only where it contributes to the plan (`relevant_attributes`) and only when the plan changes
something (internal/command/jsonformat/diff.go and plan.go); provision keeps that rule and adds what
a reviewer needs to hear even when no other resource refers to it. A drifted resource is reported when

- it was deleted outside Terraform, or
- an attribute the plan relies on changed (`relevant_attributes`: what changing resources and outputs
  refer to), or
- an argument the configuration sets changed in substance (null, [], {} and "" are the same nothing;
  JSON documents compare by content),

and then with only those attributes, old and new value. The others are counted, not listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from provisioner.audit.secrets import Masker
from provisioner.engine.argument_diff import SENSITIVE, UNKNOWN, AttributeChange, attribute_changes


@dataclass(frozen=True)
class Drift:
    """A resource changed outside Terraform, in a way that matters."""

    address: str
    action: str  # "update" (changed) or "delete" (deleted outside Terraform)
    changes: tuple[AttributeChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "action": self.action, "changes": [c.to_dict() for c in self.changes]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Drift":
        return cls(data["address"], data.get("action", "update"),
                   tuple(AttributeChange.from_dict(c) for c in data.get("changes", [])))


def _base(address: str) -> str:
    return address.split("[", 1)[0]


def relevant_paths(plan: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Address -> attribute paths the plan relies on (`relevant_attributes`); "" holds paths for every resource."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for item in plan.get("relevant_attributes") or []:
        found.setdefault(str(item.get("resource") or ""), []).append(tuple(item.get("attribute") or ()))
    return found


def _expression_paths(expressions: dict[str, Any], prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    for key, expression in expressions.items():
        if isinstance(expression, dict) and ("constant_value" in expression or "references" in expression):
            yield (*prefix, key)
        elif isinstance(expression, list):  # nested blocks, one expression map per block
            for index, block in enumerate(expression):
                if isinstance(block, dict):
                    yield from _expression_paths(block, (*prefix, key, index))
        elif isinstance(expression, dict):  # a single nested block
            yield from _expression_paths(expression, (*prefix, key))


def configured_paths(plan: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Resource address (without instance key) -> the argument paths its configuration sets."""
    found: dict[str, list[tuple[Any, ...]]] = {}

    def visit(module: dict[str, Any], prefix: str) -> None:
        for resource in module.get("resources") or []:
            if resource.get("mode", "managed") != "managed":
                continue
            found[prefix + str(resource.get("address", ""))] = list(_expression_paths(resource.get("expressions") or {}))
        for name, call in (module.get("module_calls") or {}).items():
            visit(call.get("module") or {}, f"{prefix}module.{name}.")

    visit((plan.get("configuration") or {}).get("root_module") or {}, "")
    return found


def _nothing(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def _substantial(change: AttributeChange) -> bool:
    if SENSITIVE in (change.before, change.after) or UNKNOWN in (change.before, change.after):
        return True
    if change.statements is not None:
        return bool(change.statements)
    return not (_nothing(change.before) and _nothing(change.after))


def _plan_changes_something(plan: dict[str, Any]) -> bool:
    actions = [(rc.get("change") or {}).get("actions") or ["no-op"] for rc in plan.get("resource_changes") or []
               if rc.get("mode", "managed") == "managed"]
    actions += [(oc or {}).get("actions") or ["no-op"] for oc in (plan.get("output_changes") or {}).values()]
    return any(a not in (["no-op"], ["read"]) for a in actions)


def drift_that_matters(plan: dict[str, Any], masker: Masker | None = None) -> tuple[tuple[Drift, ...], int]:
    """(the drift worth reporting, how many other drift entries Terraform listed)."""
    entries = [rd for rd in plan.get("resource_drift") or [] if rd.get("mode", "managed") == "managed"]
    if not entries:
        return (), 0
    if not _plan_changes_something(plan):
        return (), len(entries)  # Terraform shows no drift for a plan that changes nothing
    relevant = relevant_paths(plan)
    configured = configured_paths(plan)
    kept: list[Drift] = []
    for entry in entries:
        address = str(entry.get("address", ""))
        change = entry.get("change") or {}
        actions = change.get("actions") or []
        if actions == ["delete"]:
            kept.append(Drift(address, "delete"))
            continue
        wanted = relevant.get(address, []) + relevant.get("", [])
        settings = configured.get(_base(address), [])
        changes = [c for c in attribute_changes({**change, "replace_paths": []}, masker, only=wanted + settings)
                   if _substantial(c)]
        if changes:
            kept.append(Drift(address, "update", tuple(changes)))
    return tuple(sorted(kept, key=lambda d: d.address)), len(entries) - len(kept)

