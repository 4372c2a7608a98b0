"""A static preview of what changes between two synthesized configs.

Resources are matched by Terraform address (following `moved` blocks).
Each changed attribute is classified with the ForceNew table
(provisioner/audit/forcenew.py); a replacement also replaces whatever uses a
replaced resource's computed attributes in one of its own ForceNew
attributes. This needs no provider binary, so it is a preview: `provision
plan` gives Terraform's verdict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from provisioner.audit.config import Config
from provisioner.audit.forcenew import FORCE_NEW, IGNORED, forces_replacement
from provisioner.audit.resources import references
from provisioner.audit.secrets import Masker
from provisioner.audit.taxonomy import STATEFUL
from provisioner.engine.argument_diff import AttributeChange, attribute_changes, policy_statement_changes
from provisioner.engine.drift import drift_that_matters
from provisioner.engine.summary import action_of

# Attributes of a resource that only exist once it is created; a replaced resource gets new ones.
COMPUTED_ATTRIBUTES = {"arn", "id", "key_id", "unique_id"}


@dataclass
class ResourceChange:
    address: str
    type: str
    action: str  # "create", "update", "replace", "delete", "forget" (out of the state, not destroyed), "move"
    changes: list[AttributeChange] = field(default_factory=list)
    reason: str = ""
    previous_address: str = ""

    @property
    def stateful(self) -> bool:
        return self.type in STATEFUL and self.action in ("replace", "delete")

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "type": self.type, "action": self.action, "reason": self.reason,
                "stateful": self.stateful, "loses": STATEFUL.get(self.type, "") if self.stateful else "",
                "previous_address": self.previous_address, "changes": [c.to_dict() for c in self.changes]}


@dataclass
class ConfigDiff:
    changes: list[ResourceChange]
    unchanged: int
    source: str = "static"  # "static" (this module) or "plan" (Terraform's resource_changes)
    drift: list[dict[str, Any]] = field(default_factory=list)  # plan only: changed outside Terraform, and mattering
    drift_ignored: int = 0  # plan only: drift entries that change nothing the plan relies on or sets

    def of(self, action: str) -> list[ResourceChange]:
        return [c for c in self.changes if c.action == action]

    @property
    def stateful(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.stateful]

    def counts(self) -> dict[str, int]:
        counts = {a: len(self.of(a)) for a in ("create", "update", "replace", "delete", "move")}
        if self.of("forget"):  # only Terraform's plan knows of it (a `removed` block)
            counts["forget"] = len(self.of("forget"))
        counts["unchanged"] = self.unchanged
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "counts": self.counts(), "stateful_replacements": [c.address for c in self.stateful],
                "resources": [c.to_dict() for c in self.changes], "drift": self.drift, "drift_ignored": self.drift_ignored}


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf paths of a value; a single-item block list reads like the object cdktn writes."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        value = value[0]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            if key in IGNORED:
                continue
            out.update(_flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out or ({prefix: {}} if prefix else {})
    if isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for index, sub in enumerate(value):
            out.update(_flatten(sub, f"{prefix}[{index}]"))
        return out
    return {prefix: _normal(value)}


def _normal(value: Any) -> Any:
    if isinstance(value, str) and value.strip().startswith("{") and value.strip().endswith("}"):
        try:  # JSON documents compare by content, not by spacing or key order
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return value


def _moves(config: Config) -> dict[str, str]:
    moves = {}
    for item in config.raw.get("moved", []) or []:
        if isinstance(item, dict) and item.get("from") and item.get("to"):
            moves[str(item["from"])] = str(item["to"])
    return moves


def diff_configs(before: Config, after: Config) -> ConfigDiff:
    moves = _moves(after)
    old = {moves.get(r.address, r.address): r for r in before.managed()}
    new = {r.address: r for r in after.managed()}
    changes: dict[str, ResourceChange] = {}
    unchanged = 0
    for address in sorted(set(old) | set(new)):
        a, b = old.get(address), new.get(address)
        if a is None:
            changes[address] = ResourceChange(address, b.type, "create")
            continue
        if b is None:
            changes[address] = ResourceChange(address, a.type, "delete")
            continue
        flat_a, flat_b = _flatten(dict(a.values)), _flatten(dict(b.values))
        changed = [
            AttributeChange(path, flat_a.get(path), flat_b.get(path), forces_replacement(b.type, path),
                            policy_statement_changes(flat_a.get(path), flat_b.get(path)))
            for path in sorted(set(flat_a) | set(flat_b)) if flat_a.get(path) != flat_b.get(path)
        ]
        moved_from = next((src for src, dst in moves.items() if dst == address), "")
        if not changed:
            if moved_from:
                changes[address] = ResourceChange(address, b.type, "move", previous_address=moved_from)
            else:
                unchanged += 1
            continue
        replace = any(c.forces_replacement for c in changed)
        reason = ", ".join(c.path for c in changed if c.forces_replacement)
        if b.type not in FORCE_NEW:
            reason = "type not in the ForceNew table: treated as an in-place update"
        changes[address] = ResourceChange(address, b.type, "replace" if replace else "update", changed,
                                          f"forces replacement: {reason}" if replace else reason, moved_from)
    _propagate(changes, new)
    ordered = sorted(changes.values(), key=lambda c: (("replace", "delete", "create", "update", "move").index(c.action), c.address))
    return ConfigDiff(ordered, unchanged)


def _propagate(changes: dict[str, ResourceChange], new: dict[str, Any]) -> None:
    """A resource whose ForceNew attribute refers to a replaced resource's computed id/arn is replaced too."""
    changed = True
    while changed:
        changed = False
        replaced = {a for a, c in changes.items() if c.action == "replace"}
        for address, resource in new.items():
            current = changes.get(address)
            if current is not None and current.action in ("replace", "create"):
                continue
            table = FORCE_NEW.get(resource.type)
            if table is None:
                continue
            for key, value in resource.values.items():
                if not forces_replacement(resource.type, key):
                    continue
                for target, attribute in references(value):
                    if target in replaced and (attribute or "id") in COMPUTED_ATTRIBUTES:
                        note = f"forces replacement: {key} refers to {target}, which is replaced"
                        if current is None:
                            current = ResourceChange(address, resource.type, "replace", reason=note)
                        else:
                            current.action, current.reason = "replace", note
                        changes[address] = current
                        changed = True
                        break
                if changes.get(address) is not None and changes[address].action == "replace":
                    break


def diff_from_plan(plan: dict[str, Any], *, summary: dict[str, Any] | None = None,
                   masker: Masker | None = None) -> ConfigDiff:
    """Terraform's own verdict, from a saved plan's resource_changes, with each changed argument's values.

    `summary` is the saved plan's own summary (bundle.json, provisioner.engine.summary), made from the
    unredacted plan: it knows whether a sensitive value changed, which the masked plan.json cannot tell.
    Without it the arguments and the drift are read from `plan` itself."""
    from_summary = {c["address"]: c for c in (summary or {}).get("changes", [])}
    out: list[ResourceChange] = []
    unchanged = 0
    for item in plan.get("resource_changes") or []:
        if item.get("mode", "managed") != "managed":
            continue
        change = item.get("change") or {}
        action = action_of(change.get("actions") or ["no-op"])
        if action in ("no-op", "read"):
            unchanged += 1
            continue
        address = item.get("address", "")
        paths = [".".join(str(p) for p in path) for path in change.get("replace_paths") or []]
        if action not in ("update", "replace"):
            arguments: list[AttributeChange] = []
        elif address in from_summary and "arguments" in from_summary[address]:
            arguments = [AttributeChange.from_dict(a) for a in from_summary[address]["arguments"]]
        else:
            arguments = list(attribute_changes(change, masker))
        out.append(ResourceChange(address, item.get("type", ""), action, arguments,
                                  reason=f"forces replacement: {', '.join(paths)}" if paths else "",
                                  previous_address=item.get("previous_address", "")))
    order = ("replace", "delete", "create", "update", "forget", "move")
    if summary is not None and "drift" in summary:
        drift, ignored = summary["drift"], int(summary.get("drift_ignored", 0))
    else:
        found, ignored = drift_that_matters(plan, masker)
        drift = [d.to_dict() for d in found]
    return ConfigDiff(sorted(out, key=lambda c: (order.index(c.action), c.address)), unchanged, source="plan",
                      drift=drift, drift_ignored=ignored)
