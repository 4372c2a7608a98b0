"""Validates workspace parameters against a blueprint's schema and the org guardrails.

Specs write parameters nested (`training: {max_instances: 2}`); blueprints
declare them dotted (`training.max_instances`). Values come back flat, keyed
by the dotted name, with every default filled in.
"""

from __future__ import annotations

import re
from typing import Any

from provisioner.models.blueprint import GUARDRAIL_ALLOWLISTS, Blueprint, ParameterSpec
from provisioner.models.org import Guardrails

Issue = tuple[str, str, str]  # (field, message, hint)


def flatten(values: dict[str, Any], known: set[str], prefix: str = "") -> tuple[dict[str, Any], list[Issue]]:
    """Nested spec parameters -> {dotted name: value}, stopping at declared names."""
    flat: dict[str, Any] = {}
    issues: list[Issue] = []
    for key, value in values.items():
        name = f"{prefix}{key}"
        if name in known:
            flat[name] = value
        elif isinstance(value, dict) and any(k.startswith(name + ".") for k in known):
            sub, sub_issues = flatten(value, known, name + ".")
            flat.update(sub)
            issues.extend(sub_issues)
        else:
            close = sorted(k for k in known if k.split(".")[0] == name.split(".")[0]) or sorted(known)
            issues.append((name, "unknown parameter", f"this blueprint's parameters are: {', '.join(close) or 'none'}"))
    return flat, issues


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """{dotted name: value} -> nested mapping, as specs write it."""
    nested: dict[str, Any] = {}
    for name, value in sorted(flat.items()):
        node = nested
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def _type_ok(spec: ParameterSpec, value: Any) -> bool:
    if spec.type == "string":
        return isinstance(value, str)
    if spec.type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if spec.type == "boolean":
        return isinstance(value, bool)
    if spec.type == "list":
        return isinstance(value, list)
    return isinstance(value, dict)


def check_value(spec: ParameterSpec, value: Any, field: str, guardrails: Guardrails | None) -> list[Issue]:
    """Issues of one value against its parameter's limits, and against the org guardrails unless None."""
    if value is None and not spec.required:
        return []
    if not _type_ok(spec, value):
        return [(field, f"expected {spec.describe_type()}, got {type(value).__name__} {value!r}", spec.description)]
    issues: list[Issue] = []
    if spec.allowed is not None and value not in spec.allowed:
        allowed = ", ".join(map(str, spec.allowed))
        issues.append((field, f"{value!r} is not allowed by the blueprint", f"allowed: {allowed}"))
    if spec.minimum is not None and isinstance(value, (int, float)) and value < spec.minimum:
        issues.append((field, f"{value!r} is below the minimum {spec.minimum:g}", f"use a value >= {spec.minimum:g}"))
    if spec.maximum is not None and isinstance(value, (int, float)) and value > spec.maximum:
        issues.append((field, f"{value!r} is above the maximum {spec.maximum:g}", f"use a value <= {spec.maximum:g}"))
    if spec.pattern is not None and isinstance(value, str) and not re.fullmatch(spec.pattern, value):
        issues.append((field, f"{value!r} does not match {spec.pattern}", spec.description))
    if spec.guardrail and guardrails is not None:
        issues.extend(_check_guardrail(spec.guardrail, value, field, guardrails))
    if spec.type == "list":
        assert spec.items is not None
        if spec.min_items is not None and len(value) < spec.min_items:
            issues.append((field, f"has {len(value)} items, needs at least {spec.min_items}", spec.description))
        if spec.max_items is not None and len(value) > spec.max_items:
            issues.append((field, f"has {len(value)} items, at most {spec.max_items} are allowed", spec.description))
        for index, item in enumerate(value):
            issues.extend(check_value(spec.items, item, f"{field}[{index}]", guardrails))
        if spec.items.unique_by or spec.unique_by:
            key = spec.unique_by or spec.items.unique_by
            seen: set[Any] = set()
            for index, item in enumerate(value):
                if isinstance(item, dict) and key in item:
                    if item[key] in seen:
                        issues.append((f"{field}[{index}].{key}", f"duplicate {key} {item[key]!r}", f"each {key} must be unique"))
                    seen.add(item[key])
    if spec.type == "object":
        assert spec.fields is not None
        for key in value:
            if key not in spec.fields:
                issues.append((f"{field}.{key}", "unknown field", f"known fields: {', '.join(spec.fields)}"))
        for key, field_spec in spec.fields.items():
            if key in value:
                issues.extend(check_value(field_spec, value[key], f"{field}.{key}", guardrails))
            elif field_spec.required:
                issues.append((f"{field}.{key}", "missing", f"add it ({field_spec.description})"))
    return issues


def default_issues(blueprint: Blueprint) -> list[Issue]:
    """Defaults that break their own parameter's limits (`minimum: 5, default: 1`), fields `parameters.<name>.default`.

    Org guardrails are not applied: they differ per org, and a workspace that keeps such a default is
    refused by `validate` with the guardrail named.
    """
    issues: list[Issue] = []

    def walk(spec: ParameterSpec, field: str) -> None:
        if not spec.required and spec.default is not None:
            issues.extend(check_value(spec, spec.default, f"{field}.default", None))
        for key, sub in (spec.fields or {}).items():
            walk(sub, f"{field}.fields.{key}")
        if spec.items is not None:
            walk(spec.items, f"{field}.items")

    for name, spec in blueprint.parameters.items():
        walk(spec, f"parameters.{name}")
    return issues


def _check_guardrail(name: str, value: Any, field: str, guardrails: Guardrails) -> list[Issue]:
    limit = getattr(guardrails, name)
    if name in GUARDRAIL_ALLOWLISTS:
        values = value if isinstance(value, list) else [value]
        return [
            (field, f"{v!r} is not allowed by the org guardrails ({name})",
             f"allowed: {', '.join(limit) or 'none'}; ask your platform team or pick one of these")
            for v in values if v not in limit
        ]
    if isinstance(value, (int, float)) and value > limit:
        return [(field, f"{value!r} exceeds the org guardrail {name} ({limit:g})",
                 f"use at most {limit:g}, or ask your platform team to raise {name}")]
    return []


def with_defaults(spec: ParameterSpec, value: Any) -> Any:
    """Fill in defaults of object fields (recursively, also inside lists)."""
    if spec.type == "object" and isinstance(value, dict) and spec.fields:
        filled = {k: with_defaults(s, s.default) for k, s in spec.fields.items() if not s.required and k not in value}
        filled.update({k: with_defaults(spec.fields[k], v) if k in spec.fields else v for k, v in value.items()})
        return filled
    if spec.type == "list" and isinstance(value, list) and spec.items is not None:
        return [with_defaults(spec.items, item) for item in value]
    return value


def effective_parameters(blueprint: Blueprint, given: dict[str, Any], guardrails: Guardrails) -> tuple[dict[str, Any], list[Issue]]:
    """Flatten, check and default a spec's parameters. Fields are prefixed `parameters.`."""
    known = set(blueprint.parameters)
    flat, issues = flatten(given, known)
    values: dict[str, Any] = {}
    for name, spec in blueprint.parameters.items():
        if name in flat:
            value = flat[name]
        elif spec.required:
            issues.append((name, "missing required parameter", f"set it ({spec.description})"))
            continue
        else:
            value = spec.default
        issues.extend(check_value(spec, value, name, guardrails))
        values[name] = with_defaults(spec, value)
    return values, [(f"parameters.{f}", m, h) for f, m, h in issues]
