"""Plain-text report for the terminal."""

from __future__ import annotations

from typing import Any

from provisioner.audit.render.view import DRIFT_TITLE, change_lines, drift_lines, money, promotion_lines, view

SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "forget": ".", "move": "->"}


def render_text(report: dict[str, Any]) -> str:
    v = view(report)
    lines = [v.headline, *v.plan, ""]
    inventory = report["inventory"]
    lines.append(f"What will be created ({inventory['total']} resources):")
    for group in inventory["capabilities"]:
        types = ", ".join(f"{n} {t.removeprefix('aws_')}" for t, n in group["by_type"].items())
        lines.append(f"  {group['capability']:<12} {group['count']:>3}  {types}")
    lines.append("")
    cov = report["coverage"]["summary"]
    lines.append("Coverage: " + "; ".join(f"{name} {v['ok']}/{v['checked']}" for name, v in cov.items()))
    cost = report.get("cost")
    if cost:
        budget = f" of a {money(cost['budget_usd'])} budget ({cost['budget_used_pct']}%)" if cost.get("budget_usd") else ""
        lines.append(f"Estimated monthly cost: {money(cost['monthly_total_usd'])}{budget}"
                     + (f", up to {money(v.monthly_at_full_scale)} at full scale" if v.monthly_at_full_scale is not None else ""))
        for item in cost["training_per_hour"]:
            lines.append(f"  training {item['instance_type']} x {item['max_instances']}: {money(item['per_hour_at_max'])}/hour at most")
        if cost.get("over_budget"):
            lines.append("  WARNING: the fixed monthly cost exceeds the workspace budget")
    for line in promotion_lines(report):
        lines.append(line)
    lines.append("")
    for title, items in (("Errors (block apply)", v.errors), ("Warnings", v.warnings)):
        if not items:
            continue
        lines.append(f"{title}:")
        for f in items:
            lines.append(f"  {f['rule_id']} {f['address']}: {f['message']}")
            lines.append(f"      fix: {f['fix']}")
        lines.append("")
    if v.accepted:
        lines.append(f"Accepted ({len(v.accepted)}): " + ", ".join(sorted({f"{f['rule_id']}" for f in v.accepted})))
    for unused in report["suppressions"]["unused"]:
        lines.append(f"Unused suppression: {unused['rule']} on {unused['resource']} ({unused['origin']}: {unused['file']}); remove it")
    for note in v.checkov:
        lines.append(("warning: " if note.warning else "") + note.text)
        lines.extend(f"  accepted {detail}" for detail in note.details)
    changes = report.get("changes")
    if changes:
        lines.append("")
        lines.append(f"{v.changes_title}: " + (v.change_counts or "no changes"))
        for change in changes["resources"]:
            flag = "  STATEFUL: replaced or removed, " + change["loses"] + " lost" if change["stateful"] else ""
            lines.append(f"  {SYMBOL.get(change['action'], '?'):>3} {change['address']}{flag}")
            lines.extend(f"        {line}" for line in change_lines(change, limit=15))
        if changes.get("drift"):
            lines.append(f"{DRIFT_TITLE} ({len(changes['drift'])} resource(s)):")
            for drift in changes["drift"]:
                lines.append(f"  {drift['address']}")
                lines.extend(f"        {line}" for line in drift_lines(drift, limit=15))
    return "\n".join(lines).rstrip() + "\n"
