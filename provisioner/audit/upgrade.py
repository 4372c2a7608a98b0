"""Moving a workspace to another blueprint version: the impact, and the spec rewrite.

`compare()` synthesizes nothing itself: it takes the two synthesized configs
(current blueprint, target blueprint) and reports resources added, changed in
place, replaced and removed (stateful ones called out), the parameter and
capability changes behind them, the target's policy verdict and the cost
delta. It is a static preview; `provision plan` gives Terraform's verdict.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.audit.baseline import baseline_suppressions
from provisioner.audit.config import WorkspaceFacts, load_config
from provisioner.audit.cost import PriceTable, estimate
from provisioner.audit.diff import ConfigDiff, diff_configs
from provisioner.audit.pack import Finding, apply_suppressions, run_pack, suppressions_from_context
from provisioner.audit.rules import load_rules
from provisioner.audit.secrets import Masker
from provisioner.audit.taxonomy import STATEFUL
from provisioner.errors import InvalidInput

VALUE_WIDTH = 70


@dataclass
class ParameterChange:
    name: str
    kind: str  # "added", "removed", "default-changed"
    before: Any = None
    after: Any = None


@dataclass
class UpgradeView:
    workspace: str
    current: str
    target: str
    diff: ConfigDiff
    capabilities_added: list[str]
    capabilities_removed: list[str]
    parameters: list[ParameterChange]
    blocking: list[Finding]
    fixed: list[str]  # rule ids that fail now and pass on the target
    cost_before: float
    cost_after: float
    masker: Masker = field(default_factory=Masker)

    def to_dict(self) -> dict[str, Any]:
        return self.masker.mask({
            "workspace": self.workspace, "from": self.current, "to": self.target, "preview": "static",
            "capabilities": {"added": self.capabilities_added, "removed": self.capabilities_removed},
            "parameters": [p.__dict__ for p in self.parameters],
            "changes": self.diff.to_dict(),
            "policy": {"blocking": [{"rule_id": f.rule_id, "address": f.address, "message": f.message} for f in self.blocking],
                       "fixed": self.fixed},
            "cost": {"monthly_before_usd": round(self.cost_before, 2), "monthly_after_usd": round(self.cost_after, 2)},
        })


def compare(current: Any, target: Any, before_path: Path, after_path: Path, *, prices_path: Path | None = None) -> UpgradeView:
    canaries = WorkspaceFacts.from_context(current).canaries + WorkspaceFacts.from_context(target).canaries
    before = load_config(before_path, WorkspaceFacts.from_context(current))
    after = load_config(after_path, WorkspaceFacts.from_context(target))
    rules = load_rules()
    now_findings, _ = apply_suppressions(run_pack(before, rules).findings,
                                         suppressions_from_context(current) + baseline_suppressions(before))
    new_findings, _ = apply_suppressions(run_pack(after, rules).findings,
                                         suppressions_from_context(target) + baseline_suppressions(after))
    blocking_now = {f.rule_id for f in now_findings if f.blocking}
    blocking_after = [f for f in new_findings if f.blocking]
    table = PriceTable.load(prices_path)
    cost_before = estimate(before, table, current.region, current.parameters, current.guardrails.model_dump()).monthly_total
    cost_after = estimate(after, table, target.region, target.parameters, target.guardrails.model_dump()).monthly_total
    return UpgradeView(
        workspace=current.name, current=current.blueprint.ref, target=target.blueprint.ref,
        diff=diff_configs(before, after),
        capabilities_added=[c for c in target.capabilities if c not in current.capabilities],
        capabilities_removed=[c for c in current.capabilities if c not in target.capabilities],
        parameters=parameter_changes(current, target),
        blocking=blocking_after,
        fixed=sorted(blocking_now - {f.rule_id for f in blocking_after}),
        cost_before=cost_before, cost_after=cost_after, masker=Masker(canaries),
    )


def parameter_changes(current: Any, target: Any) -> list[ParameterChange]:
    changes = []
    old, new = current.parameters, target.parameters
    for name in sorted(set(old) | set(new)):
        if name not in old:
            changes.append(ParameterChange(name, "added", after=new[name]))
        elif name not in new:
            changes.append(ParameterChange(name, "removed", before=old[name]))
        elif old[name] != new[name]:
            changes.append(ParameterChange(name, "default-changed", old[name], new[name]))
    return changes


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, str) and value.startswith("{") and len(value) > VALUE_WIDTH:
        return f"(policy document, {len(value)} characters)"
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _is_tag_path(path: str) -> bool:
    return path.startswith(("tags.", "tags_all.")) or path in ("tags", "tags_all")


def _policy_statements(value: Any) -> dict[str, str] | None:
    """Statements of a JSON policy document keyed by Sid (or position), for a statement-level diff."""
    if not isinstance(value, str):
        return None
    try:
        doc = json.loads(value)
    except ValueError:
        return None
    items = doc.get("Statement") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return None
    return {str(item.get("Sid") or f"statement {i + 1}"): json.dumps(item, sort_keys=True)
            for i, item in enumerate(items) if isinstance(item, dict)}


def _attribute_lines(attribute: Any) -> list[str]:
    why = "  forces replacement" if attribute.forces_replacement else ""
    before, after = _policy_statements(attribute.before), _policy_statements(attribute.after)
    if before is not None and after is not None:
        added = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
        parts = [f"+{k}" for k in added] + [f"-{k}" for k in removed] + [f"~{k}" for k in changed]
        return [f"      {attribute.path}: statements {' '.join(parts) or 'reordered'}{why}"]
    return [f"      {attribute.path}: {_show(attribute.before)} -> {_show(attribute.after)}{why}"]


def render_upgrade(view: UpgradeView, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(view.to_dict(), indent=2, sort_keys=True, default=str) + "\n"
    md = fmt == "md"
    mask = view.masker.text
    counts = view.diff.counts()
    out: list[str] = []
    h = (lambda t: f"### {t}") if md else (lambda t: t)
    out.append(("## " if md else "") + f"Upgrade {view.workspace}: {view.current} -> {view.target}")
    out.append("Static preview from the two synthesized configs; `provision plan` gives Terraform's verdict.")
    out.append("")
    stateful = view.diff.stateful
    out.append(f"Summary: {counts['create']} to add, {counts['update']} to change in place, {counts['replace']} to replace, "
               f"{counts['delete']} to remove, {counts['unchanged']} unchanged"
               + (f"; {len(stateful)} STATEFUL resource(s) at risk" if stateful else ""))
    out.append("")
    if stateful:
        out.append(h("!! Stateful resources replaced or removed: their contents are lost"))
        for change in stateful:
            out.append(f"  - {change.action} {change.address}: loses {STATEFUL.get(change.type, 'its state')}")
            if change.reason:
                out.append(f"      {change.reason}")
        out.append("")
    if view.capabilities_added or view.capabilities_removed:
        out.append("Capabilities: " + " ".join([f"+{c}" for c in view.capabilities_added] + [f"-{c}" for c in view.capabilities_removed]))
    if view.parameters:
        out.append(h("Parameters"))
        marks = {"added": "+", "removed": "-", "default-changed": "~"}
        for p in view.parameters:
            if p.kind == "added":
                text = f"{p.name} = {_show(p.after)} (new parameter)"
            elif p.kind == "removed":
                text = f"{p.name} (was {_show(p.before)}) is no longer a parameter"
            else:
                text = f"{p.name}: {_show(p.before)} -> {_show(p.after)} (default changed)"
            out.append(f"  {marks[p.kind]} {mask(text)}")
        out.append("")
    titles = {"replace": "Replace (destroy, then create)", "delete": "Remove", "create": "Add",
              "update": "Change in place", "move": "Move (same resource, new address)"}
    retagged = [c for c in view.diff.of("update") if c.changes and all(_is_tag_path(a.path) for a in c.changes)]
    for action in ("replace", "delete", "create", "update", "move"):
        items = [c for c in view.diff.of(action) if c not in retagged]
        if not items:
            continue
        out.append(h(f"{titles[action]} ({len(items)})"))
        for change in items:
            flag = "  [STATEFUL]" if change.stateful else ""
            out.append(f"  {'-' if md else ' '} {change.address}{flag}" + (f"  (was {change.previous_address})" if change.previous_address else ""))
            if action == "replace" and change.reason and not change.changes:
                out.append(f"      {change.reason}")
            shown = [a for a in change.changes if not _is_tag_path(a.path)] if action == "update" else change.changes
            for attribute in shown[:12]:
                out.extend(mask(line) for line in _attribute_lines(attribute))
            if len(shown) > 12:
                out.append(f"      …and {len(shown) - 12} more attributes")
        out.append("")
    if retagged:
        tag_changes = sorted({f"{a.path.split('.', 1)[-1]}: {_show(a.before)} -> {_show(a.after)}"
                              for c in retagged for a in c.changes})
        out.append(h(f"Tags only, in place ({len(retagged)})"))
        out.extend(mask(f"  {t}") for t in tag_changes)
        out.append("")
    if view.blocking:
        out.append(h(f"Policy: {len(view.blocking)} unsuppressed error(s) on the target (upgrade would be refused)"))
        for f in view.blocking:
            out.append(mask(f"  {f.rule_id} {f.address}: {f.message}"))
    else:
        out.append("Policy: the target passes the built-in rule pack" + (f" (fixes {', '.join(view.fixed)})" if view.fixed else ""))
    delta = view.cost_after - view.cost_before
    out.append(f"Cost: ${view.cost_before:,.2f}/month -> ${view.cost_after:,.2f}/month ({'+' if delta >= 0 else '-'}${abs(delta):,.2f})")
    return "\n".join(out).rstrip() + "\n"


_BLUEPRINT_LINE = re.compile(r"^(blueprint\s*:\s*)([\"']?)([^\"'\s#]+)([\"']?)", re.MULTILINE)


def rewrite_blueprint(path: Path, old: str, new: str, *, validate: Callable[[], Any] | None = None) -> None:
    """Change the spec's `blueprint:` value in place (comments and layout kept); undo if validation fails."""
    original = path.read_text(encoding="utf-8")
    matches = [m for m in _BLUEPRINT_LINE.finditer(original) if m.group(3) == old]
    if len(matches) != 1:
        raise InvalidInput.single(path, "blueprint", f"cannot find exactly one top-level `blueprint: {old}` line to rewrite",
                                  f"edit the file by hand: set blueprint to {new}")
    m = matches[0]
    updated = original[: m.start(3)] + new + original[m.end(3):]
    _write(path, updated)
    if validate is not None:
        try:
            validate()
        except Exception:
            _write(path, original)
            raise


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
