"""What a workspace will create, by capability, and its coverage tables.

Coverage tables (encryption, network exposure, tagging) are read from the
outcome of the rules that feed them (`Rule.coverage`), so a table and the
findings can never disagree.
"""

from __future__ import annotations

import re
from typing import Any

from infra.tagging import TAGGABLE
from provisioner.audit.config import Config
from provisioner.audit.pack import Finding, PackResult
from provisioner.audit.resources import Resource
from provisioner.audit.rule import Rule
from provisioner.audit.taxonomy import CAPABILITY_BY_TYPE, CAPABILITY_ORDER

NAME_HINTS = (
    (re.compile(r"train"), "training"),
    (re.compile(r"model_approval|registry|model_package|models?$"), "registry"),
    (re.compile(r"endpoint|serving|variant|autoscal"), "serving"),
    (re.compile(r"monitor|drift|data_quality|alarm|dashboard"), "monitoring"),
    (re.compile(r"mlflow|experiment"), "experiments"),
)


def capability(resource: Resource) -> str:
    """The capability that created a resource, as synth recorded it in the config.

    Configs without that record (written by an older provision, or by hand) fall back to the
    construct path, the resource type, then name patterns.
    """
    if resource.capability in CAPABILITY_ORDER:
        return resource.capability
    for part in resource.path.split("/")[1:]:
        if part in CAPABILITY_ORDER:
            return part
    if resource.type in CAPABILITY_BY_TYPE:
        return CAPABILITY_BY_TYPE[resource.type]
    lowered = resource.name.lower()
    for pattern, label in NAME_HINTS:
        if pattern.search(lowered):
            return label
    return "foundation"


def inventory(config: Config) -> dict[str, Any]:
    groups: dict[str, list[dict[str, str]]] = {}
    for resource in sorted(config.managed(), key=lambda r: r.address):
        label = capability(resource)
        groups.setdefault(label, []).append({"address": resource.address, "type": resource.type, "name": config.label(resource)})
    ordered = {k: groups[k] for k in CAPABILITY_ORDER if k in groups}
    return {
        "total": sum(len(v) for v in ordered.values()),
        "capabilities": [
            {"capability": label, "count": len(items), "by_type": _count_types(items), "resources": items}
            for label, items in ordered.items()
        ],
    }


def _count_types(items: list[dict[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item["type"]] = counts.get(item["type"], 0) + 1
    return dict(sorted(counts.items()))


def coverage(config: Config, pack: PackResult, rules: tuple[Rule, ...], findings: list[Finding]) -> dict[str, Any]:
    by_id = {r.id: r for r in rules}
    suppressed = {(f.rule_id, f.address) for f in findings if f.suppressed}
    messages = {(f.rule_id, f.address): f.message for f in findings}
    tables: dict[str, list[dict[str, Any]]] = {"encryption": [], "network": [], "tagging": []}
    for (rule_id, address), outcome in sorted(pack.outcomes.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rule = by_id.get(rule_id)
        if rule is None or not rule.coverage:
            continue
        status = "ok" if outcome == "pass" else ("accepted" if (rule_id, address) in suppressed else "missing")
        tables[rule.coverage].append({"address": address, "control": rule.title, "rule": rule_id, "status": status,
                                      "detail": messages.get((rule_id, address), "")})
    summary = {}
    for name, rows in tables.items():
        ok = sum(1 for r in rows if r["status"] == "ok")
        summary[name] = {"checked": len(rows), "ok": ok, "percent": round(100 * ok / len(rows), 1) if rows else 100.0}
    taggable = [r for r in config.managed() if r.type in TAGGABLE]
    summary["tagging"]["taggable_resources"] = len(taggable)
    return {"summary": summary, **tables}
