"""A plan, summarized for people and redacted for disk.

`summarize()` turns `terraform show -json PLAN` into counts, one entry per
resource change with the old and new value of each argument that changes
(provisioner.engine.argument_diff: sensitive values masked as Terraform masks
them, secrets masked as the audit masks them), and the drift that matters
(provisioner.engine.drift). `redact()` masks every value Terraform marks
sensitive in the plan JSON, so the copy kept next to the saved plan can be
read by people and by policy tools.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from provisioner.audit.secrets import Masker
from provisioner.audit.taxonomy import STATEFUL
from provisioner.engine.argument_diff import AttributeChange, attribute_changes
from provisioner.engine.drift import Drift, drift_that_matters

MASK = "(sensitive value)"
ACTIONS = ("create", "update", "replace", "delete")
# Resource types that hold data or identity: replacing or deleting one loses something (one list, the audit's).
STATEFUL_TYPES = frozenset(STATEFUL)


def action_of(actions: list[str]) -> str:
    """Terraform's action list (plan JSON) as one word: create, update, replace, delete, read, no-op, forget.

    The one reading of plan actions for the whole tool (the plan summary and the audit's diff): both orders
    of create and delete are a replacement; `forget` (a `removed` block) takes a resource out of the state
    without destroying it.
    """
    if sorted(actions) == ["create", "delete"]:
        return "replace"
    if len(actions) == 1:
        return actions[0]
    return "+".join(actions)


@dataclass(frozen=True)
class Change:
    address: str
    type: str
    action: str
    stateful: bool = False
    protected: bool = False
    attributes: tuple[str, ...] = ()  # names of the changed top-level arguments
    replace_because: tuple[str, ...] = ()
    arguments: tuple[AttributeChange, ...] = ()  # each changed argument, old and new value (masked)
    importing: str | None = None  # the id an `import` block takes this resource in by (`provision adopt`)

    @property
    def risky(self) -> bool:
        """Replacing or deleting something that holds data."""
        return self.action in ("replace", "delete") and (self.stateful or self.protected)

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "type": self.type, "action": self.action, "stateful": self.stateful,
                "protected": self.protected, "risky": self.risky, "attributes": list(self.attributes),
                "replace_because": list(self.replace_because), "arguments": [a.to_dict() for a in self.arguments],
                **({"importing": self.importing} if self.importing else {})}


@dataclass(frozen=True)
class OutputChange:
    name: str
    action: str
    sensitive: bool


@dataclass(frozen=True)
class PlanSummary:
    changes: tuple[Change, ...] = ()
    outputs: tuple[OutputChange, ...] = ()
    drift: tuple[Drift, ...] = ()  # changed outside Terraform, in a way that matters (provisioner.engine.drift)
    destroy: bool = False
    errored: bool = False
    notes: tuple[str, ...] = field(default=())
    drift_ignored: int = 0  # drift entries Terraform listed that change nothing this plan relies on or sets

    @property
    def drifted(self) -> tuple[str, ...]:
        return tuple(d.address for d in self.drift)

    @property
    def counts(self) -> dict[str, int]:
        counts = {action: 0 for action in ACTIONS}
        for change in self.changes:
            if change.action in counts:
                counts[change.action] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.changes) or any(o.action != "no-op" for o in self.outputs)

    @property
    def risky(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.risky)

    @property
    def imports(self) -> tuple[Change, ...]:
        """Existing resources this plan takes into the state (adopted: infra/adoption.py)."""
        return tuple(c for c in self.changes if c.importing)

    @property
    def adoption_replacements(self) -> tuple[Change, ...]:
        """Imported resources the plan would then replace: an adoption must never do that (it is refused)."""
        return tuple(c for c in self.imports if c.action in ("replace", "delete"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "has_changes": self.has_changes,
            "destroy": self.destroy,
            "changes": [c.to_dict() for c in self.changes],
            "risky": [c.address for c in self.risky],
            "imports": [c.address for c in self.imports],
            "outputs": [{"name": o.name, "action": o.action, "sensitive": o.sensitive} for o in self.outputs],
            "drifted": list(self.drifted),
            "drift": [d.to_dict() for d in self.drift],
            "drift_ignored": self.drift_ignored,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PlanSummary":
        changes = tuple(
            Change(c["address"], c["type"], c["action"], c.get("stateful", False), c.get("protected", False),
                   tuple(c.get("attributes", ())), tuple(c.get("replace_because", ())),
                   tuple(AttributeChange.from_dict(a) for a in c.get("arguments", ())), c.get("importing"))
            for c in data.get("changes", [])
        )
        outputs = tuple(OutputChange(o["name"], o["action"], o.get("sensitive", False)) for o in data.get("outputs", []))
        # Bundles saved before drift was judged list addresses only ("drifted"): their drift is unknown, not shown.
        drift = tuple(Drift.from_dict(d) for d in data.get("drift", ()))
        return cls(changes, outputs, drift, data.get("destroy", False), notes=tuple(data.get("notes", ())),
                   drift_ignored=int(data.get("drift_ignored", 0)))


def _path_name(path: list[Any]) -> str:
    return ".".join(str(p) for p in path) if path else "?"


def summarize(plan: dict[str, Any], *, protected: set[str] | frozenset[str] = frozenset(),
              destroy: bool = False, secrets: tuple[str, ...] = ()) -> PlanSummary:
    """`secrets`: values that must never show (the workspace's secret parameters), masked wherever they appear."""
    masker = Masker(secrets)
    changes = []
    for rc in plan.get("resource_changes", []):
        if rc.get("mode") == "data":
            continue
        change = rc.get("change", {})
        action = action_of(change.get("actions", ["no-op"]))
        importing = (change.get("importing") or {}).get("id") if change.get("importing") else None
        if action == "no-op" and importing:
            action = "import"  # taken into the state as it is: nothing about it changes
        if action in ("no-op", "read"):
            continue
        address = rc.get("address", "?")
        base = address.split("[", 1)[0]
        arguments = attribute_changes(change, masker) if action in ("update", "replace") else ()
        attributes = tuple(dict.fromkeys(a.path.split(".", 1)[0] for a in arguments))
        changes.append(Change(
            address=address,
            type=rc.get("type", ""),
            action=action,
            stateful=rc.get("type", "") in STATEFUL_TYPES,
            protected=base in protected or address in protected,
            attributes=attributes,
            replace_because=tuple(_path_name(p) for p in change.get("replace_paths", []) or []),
            arguments=arguments,
            importing=importing,
        ))
    order = {"delete": 0, "replace": 1, "update": 2, "import": 3, "create": 4}
    changes.sort(key=lambda c: (order.get(c.action, 5), c.address))
    outputs = tuple(
        OutputChange(name, action_of(oc.get("actions", ["no-op"])),
                     bool(oc.get("before_sensitive") or oc.get("after_sensitive")))
        for name, oc in sorted((plan.get("output_changes") or {}).items())
        if action_of(oc.get("actions", ["no-op"])) != "no-op"
    )
    drift, ignored = drift_that_matters(plan, masker)
    return PlanSummary(tuple(changes), outputs, drift, destroy, errored=bool(plan.get("errored")),
                       drift_ignored=ignored)


def refuse_adoption_replacements(summary: PlanSummary, workspace: str) -> None:
    """An adopted resource is imported to be kept: a plan that would then replace or delete it is refused
    (exit 3), before anything is applied."""
    from provisioner.errors import PolicyBlocked

    bad = summary.adoption_replacements
    if bad:
        what = "; ".join(f"{c.address} (the existing {c.importing}"
                         + (f", replaced because of: {', '.join(c.replace_because)})" if c.replace_because else ")")
                         for c in bad)
        raise PolicyBlocked(f"{workspace}: the plan would replace what it adopts: {what}",
                            f"adopt only a resource whose settings the blueprint can keep, or remove it from "
                            f"`adopted` in workspaces/{workspace}.yaml")


# -- redaction ------------------------------------------------------------------------------------

def mask(value: Any, marker: Any) -> Any:
    """`value` with every part that `marker` (Terraform's sensitive-values shape) flags replaced by MASK."""
    if marker is True:
        return MASK if value is not None else None
    if isinstance(marker, dict) and isinstance(value, dict):
        return {k: mask(v, marker.get(k, False)) for k, v in value.items()}
    if isinstance(marker, list) and isinstance(value, list):
        return [mask(v, marker[i] if i < len(marker) else False) for i, v in enumerate(value)]
    return value


def _redact_module(module: dict[str, Any]) -> None:
    for resource in module.get("resources", []) or []:
        if "values" in resource:
            resource["values"] = mask(resource["values"], resource.get("sensitive_values", {}))
    for child in module.get("child_modules", []) or []:
        _redact_module(child)


def _redact_values(values: dict[str, Any] | None) -> None:
    if not values:
        return
    for output in (values.get("outputs") or {}).values():
        if output.get("sensitive"):
            output["value"] = MASK
    if values.get("root_module"):
        _redact_module(values["root_module"])


def _redact_change(change: dict[str, Any]) -> None:
    for side in ("before", "after"):
        if side in change:
            change[side] = mask(change[side], change.get(f"{side}_sensitive", False))


def _sensitive_config_names(module: dict[str, Any], kind: str) -> set[str]:
    return {name for name, item in (module.get(kind) or {}).items() if item.get("sensitive")}


def redact(plan: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of the plan JSON with every sensitive value masked."""
    plan = copy.deepcopy(plan)
    for key in ("resource_changes", "resource_drift"):
        for rc in plan.get(key, []) or []:
            _redact_change(rc.get("change", {}))
    for oc in (plan.get("output_changes") or {}).values():
        _redact_change(oc)
    _redact_values(plan.get("planned_values"))
    _redact_values((plan.get("prior_state") or {}).get("values"))
    root = (plan.get("configuration") or {}).get("root_module") or {}
    for name in _sensitive_config_names(root, "variables"):
        if name in (plan.get("variables") or {}):
            plan["variables"][name]["value"] = MASK
        if "default" in root["variables"][name]:
            root["variables"][name]["default"] = MASK
    for name in _sensitive_config_names(root, "outputs"):
        expression = root["outputs"][name].get("expression") or {}
        if "constant_value" in expression:
            expression["constant_value"] = MASK
    return plan
