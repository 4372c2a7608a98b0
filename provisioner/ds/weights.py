"""Endpoint variant weights, changed in the workspace spec so the change goes through plan, review, apply.

The edit preserves the file: only the text of each changed `weight:` value is
replaced (or one `weight:` line added to a variant that relied on the default),
located with the positions PyYAML's composer records for every node. Comments,
key order, quoting and blank lines stay as they were; there is no round-trip
through a YAML dumper.

Before anything is written, the new text is parsed again and must equal the old
spec with only those weights changed, and the whole spec must resolve against
the org and its blueprint (`provisioner.specs.workspaces.resolve`). The file is then
replaced atomically; on any error nothing is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from provisioner.errors import InvalidInput, Problem, ProblemCollector

ARGS = "<command line>"
VARIANTS = "serving.variants"
DEFAULT_WEIGHT = 1  # the blueprint's default weight of a variant


@dataclass(frozen=True)
class WeightChange:
    variant: str
    old: float | int
    new: float | int

    def to_dict(self) -> dict[str, Any]:
        return {"variant": self.variant, "old": self.old, "new": self.new}


def parse_assignments(values: list[str]) -> dict[str, int | float]:
    """`VARIANT=WEIGHT` pairs; weights are non-negative finite numbers. All problems at once (exit 2)."""
    problems = ProblemCollector()
    parsed: dict[str, int | float] = {}
    if not values:
        problems.add(ARGS, "VARIANT=WEIGHT", "no weights given", "for example: champion=80 challenger=20")
    for item in values:
        name, sep, raw = item.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep or not name or not raw:
            problems.add(ARGS, "VARIANT=WEIGHT", f"{item!r} is not VARIANT=WEIGHT", "for example: challenger=20")
            continue
        weight = _number(raw)
        if weight is None:
            problems.add(ARGS, f"{name}", f"weight {raw!r} is not a number", "give a number such as 20 or 0.5")
        elif weight < 0:
            problems.add(ARGS, f"{name}", f"weight {raw!r} is negative", "give 0 (no traffic) or more")
        elif name in parsed:
            problems.add(ARGS, f"{name}", "variant given twice", "give each variant once")
        else:
            parsed[name] = weight
    problems.raise_if_any()
    return parsed


def _number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _render(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _get(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


def _variants_node(root: yaml.Node | None) -> yaml.SequenceNode | None:
    if not isinstance(root, yaml.MappingNode):
        return None
    params = _get(root, "parameters")
    if params is None or not isinstance(params[1], yaml.MappingNode):
        return None
    found = _get(params[1], VARIANTS)
    if found is None:
        serving = _get(params[1], "serving")
        if serving is not None and isinstance(serving[1], yaml.MappingNode):
            found = _get(serving[1], "variants")
    if found is None or not isinstance(found[1], yaml.SequenceNode):
        return None
    return found[1]


def _variants_data(data: dict[str, Any]) -> list[dict[str, Any]]:
    params = data.get("parameters") or {}
    if VARIANTS in params:
        return params[VARIANTS]
    return (params.get("serving") or {}).get("variants") or []


def edit_text(text: str, weights: dict[str, int | float], file: str) -> tuple[str, list[WeightChange]]:
    """The spec text with the given variant weights; the changes made (unchanged weights are left out)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput.single(file, "", f"not valid YAML ({' '.join(str(exc).split())})") from None
    sequence = _variants_node(root)
    if sequence is None:
        raise InvalidInput.single(file, f"parameters.{VARIANTS}", "the spec lists no variants (it uses the blueprint "
                                  "default, a single variant)", "list the variants under parameters.serving.variants "
                                  "first; weights split traffic between two or more")
    by_name: dict[str, yaml.MappingNode] = {}
    for item in sequence.value:
        if isinstance(item, yaml.MappingNode):
            name = _get(item, "name")
            if name is not None and isinstance(name[1], yaml.ScalarNode):
                by_name[name[1].value] = item
    shadow = ((data.get("parameters") or {}).get("serving.shadow_variant")
              or ((data.get("parameters") or {}).get("serving") or {}).get("shadow_variant") or {})
    problems = ProblemCollector()
    for name in weights:
        if name in by_name:
            continue
        if isinstance(shadow, dict) and shadow.get("name") == name:
            problems.add(ARGS, name, "is the shadow variant: it receives a copy of all traffic and has no weight",
                         f"production variants: {', '.join(by_name)}")
        else:
            problems.add(ARGS, name, f"no such variant in {file}", f"variants: {', '.join(by_name) or 'none'}")
    problems.raise_if_any()

    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied from the end
    changes: list[WeightChange] = []
    for name, new in weights.items():
        item = by_name[name]
        current = _get(item, "weight")
        old_value = next((v.get("weight", DEFAULT_WEIGHT) for v in _variants_data(data) if v.get("name") == name),
                         DEFAULT_WEIGHT)
        if isinstance(old_value, (int, float)) and not isinstance(old_value, bool) and old_value == new:
            continue
        changes.append(WeightChange(name, old_value, new))
        if current is not None:
            node = current[1]
            if not isinstance(node, yaml.ScalarNode):
                raise InvalidInput.single(file, f"parameters.{VARIANTS}.{name}.weight", "is not a plain number",
                                          "make it a number, then rerun")
            edits.append((node.start_mark.index, node.end_mark.index, _render(new)))
        else:
            edits.append(_insertion(text, item, _render(new)))
    new_text = text
    for start, end, replacement in sorted(edits, reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    return new_text, changes


def _insertion(text: str, item: yaml.MappingNode, value: str) -> tuple[int, int, str]:
    """Where and what to insert so that a variant without `weight:` gets one, right after its `name:`."""
    key, name = _get(item, "name")  # type: ignore[misc]  # callers only pass named variants
    if item.flow_style:
        at = name.end_mark.index
        return at, at, f", weight: {value}"
    line_end = text.find("\n", name.end_mark.index)
    if line_end == -1:
        return len(text), len(text), f"\n{' ' * key.start_mark.column}weight: {value}"
    at = line_end + 1
    return at, at, f"{' ' * key.start_mark.column}weight: {value}\n"


def _expected(data: dict[str, Any], weights: dict[str, int | float]) -> dict[str, Any]:
    import copy

    expected = copy.deepcopy(data)
    for variant in _variants_data(expected):
        if variant.get("name") in weights:
            variant["weight"] = weights[variant["name"]]
    return expected


def change_weights(org: Any, catalog: Any, name: str, weights: dict[str, int | float], *,
                   write: bool = True) -> tuple[Path, list[WeightChange], dict[str, int | float]]:
    """Change the weights in workspaces/NAME.yaml; returns the file, the changes and every variant's new weight.

    Nothing is written when anything is wrong (or when nothing changes).
    """
    from provisioner.ds import write_atomic
    from provisioner.specs.workspaces import load_named, parse_spec, resolve, spec_path

    from provisioner.ds.workspace import spec_display

    ctx = load_named(org, catalog, name)  # the spec as it is must be valid before we edit it
    path = spec_path(org, name)
    shown = spec_display(ctx, org.root)
    if not ctx.has("serving"):
        raise InvalidInput.single(shown, "blueprint", f"workspace {name!r} has no endpoint "
                                  f"({ctx.blueprint.ref} has no serving capability)",
                                  "variant weights exist only in workspaces that serve a model")
    text = path.read_text(encoding="utf-8")
    new_text, changes = edit_text(text, weights, shown)
    old_data = yaml.safe_load(text)
    new_data = yaml.safe_load(new_text)
    if new_data != _expected(old_data, {c.variant: c.new for c in changes}):  # a bug guard: the edit must touch the weights only
        raise InvalidInput([Problem(shown, f"parameters.{VARIANTS}", "could not change the weights without "
                                    "changing something else", "edit the weights by hand, then run provision plan")])
    new_ctx = resolve(parse_spec(new_data, shown), org, catalog, shown, source=path)
    final = {v["name"]: v.get("weight", DEFAULT_WEIGHT) for v in new_ctx.param(VARIANTS) or []}
    if write and changes:
        write_atomic(path, new_text)
    return path, changes, final


def traffic_shares(weights: dict[str, int | float]) -> dict[str, float]:
    total = sum(weights.values())
    return {k: (v / total * 100 if total else 0.0) for k, v in weights.items()}


def promotion_weights(org: Any, catalog: Any, name: str, variant: str) -> dict[str, int | float]:
    """Weights that send all traffic to `variant`: it keeps its weight (1 if it had none), the others get 0.

    The other variants stay deployed without traffic, so a promotion is undone
    by `endpoint weights`; remove them from the spec once the promotion holds.
    """
    from provisioner.ds.workspace import spec_display
    from provisioner.specs.workspaces import load_named

    ctx = load_named(org, catalog, name)
    current = {v["name"]: v.get("weight", DEFAULT_WEIGHT) for v in ctx.param(VARIANTS) or []}
    if variant not in current:
        shadow = (ctx.param("serving.shadow_variant") or {}).get("name")
        why = ("is the shadow variant: it serves no traffic; make it a production variant first"
               if variant == shadow else f"no such production variant in {spec_display(ctx, org.root)}")
        raise InvalidInput.single(ARGS, variant, why, f"production variants: {', '.join(current) or 'none'}")
    keep = current[variant] if current[variant] > 0 else 1
    return {v: (keep if v == variant else 0) for v in current}
