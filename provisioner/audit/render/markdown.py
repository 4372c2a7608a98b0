"""Markdown for a pull-request comment: never longer than GitHub's 65,536 characters.

The report is rendered at decreasing levels of detail until it fits; the
blocking findings come first so they survive any cut, and a pointer names the
full artifact when something had to be left out.
"""

from __future__ import annotations

from typing import Any

from provisioner.audit.render.view import DRIFT_TITLE, ReportView, change_lines, drift_lines, money, promotion_lines, view

LIMIT = 65_536


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _findings(title: str, items: list[dict], cap: int | None, with_fix: bool) -> list[str]:
    if not items:
        return []
    out = [f"### {title} ({len(items)})", "", "| Rule | Resource | Problem |" + (" Fix |" if with_fix else ""),
           "|---|---|---|" + ("---|" if with_fix else "")]
    shown = items if cap is None else items[:cap]
    for f in shown:
        row = f"| `{f['rule_id']}` | `{_cell(f['address'])}` | {_cell(f['message'])} |"
        out.append(row + (f" {_cell(f['fix'])} |" if with_fix else ""))
    if len(shown) < len(items):
        out.append(f"| | | …and {len(items) - len(shown)} more in the full report |" + (" |" if with_fix else ""))
    return out + [""]


def _block(lines: list[str]) -> list[str]:
    """Lines as a fenced block inside a list item (a value with backticks cannot close it)."""
    if not lines:
        return []
    return ["  ```text", *(f"  {line.replace('```', chr(39) * 3)}" for line in lines), "  ```"]


def _changes(v: ReportView, detail: int, cap: int | None) -> list[str]:
    changes = v.report.get("changes")
    if not changes:
        return []
    per_resource = {3: None, 2: 10, 1: 3, 0: 0}[detail]
    lines = [f"### {v.changes_title}", "", v.change_counts or "no changes", ""]
    resources = changes["resources"]
    for change in resources[: cap or None]:
        flag = " ⚠️ stateful" if change["stateful"] else ""
        said = change_lines(change, limit=per_resource)
        lines.append(f"- {change['action']} `{change['address']}`{flag}")
        lines += _block(said)
    if cap is not None and len(resources) > cap:
        lines.append(f"- …and {len(resources) - cap} more changed resources in the full report")
    drift = changes.get("drift") or []
    if drift:
        lines += ["", f"**{DRIFT_TITLE}** ({len(drift)} resource(s)); the plan may undo or respond to it:", ""]
        for item in drift[: cap or None]:
            lines.append(f"- `{item['address']}`")
            lines += _block(drift_lines(item, limit=per_resource))
        if cap is not None and len(drift) > cap:
            lines.append(f"- …and {len(drift) - cap} more in the full report")
    return lines + [""]


def _sections(v: ReportView, detail: int, full_report: str | None) -> list[str]:
    cap = {3: None, 2: 200, 1: 60, 0: 20}[detail]
    report, accepted = v.report, v.accepted
    lines = [f"## provision audit: {v.headline}", ""]
    if v.plan:
        lines += [f"- {_cell(line)}" for line in v.plan] + [""]
    lines += _findings("Errors — block `provision apply`", v.errors, cap, with_fix=detail >= 1)
    lines += _findings("Warnings", v.warnings, cap, with_fix=detail >= 2)
    lines += _changes(v, detail, cap)
    cost = report.get("cost")
    if cost:
        lines += ["### Estimated monthly cost", ""]
        budget = cost.get("budget_usd")
        lines.append(f"**{money(cost['monthly_total_usd'])}** per month"
                     + (f", up to {money(v.monthly_at_full_scale)} at full autoscaling" if v.monthly_at_full_scale is not None else "")
                     + (f" — {cost['budget_used_pct']}% of the {money(budget)} budget" if budget else "")
                     + (" ⚠️ **over budget**" if cost.get("over_budget") else ""))
        lines.append("")
        if cost["monthly"] and detail >= 1:
            lines += ["| Item | Resource | Instance | Count | $/hour | $/month |", "|---|---|---|---|---|---|"]
            for item in cost["monthly"][: cap or None]:
                lines.append(f"| {_cell(item['what'])} | `{_cell(item['address'])}` | {item['instance_type']} | {item['count']:g} | "
                             f"{money(item['unit_price'])} | {money(item['monthly'])} |")
            lines.append("")
        if cost["training_per_hour"]:
            lines.append("Training (on demand): " + "; ".join(
                f"{t['instance_type']} × {t['max_instances']} = {money(t['per_hour_at_max'])}/h" for t in cost["training_per_hour"]))
            lines.append("")
        for note in cost.get("notes", []):
            lines.append(f"> {note}")
        lines.append("")
    inventory = report["inventory"]
    lines += [f"### What will be created ({inventory['total']} resources)", "", "| Capability | Count | Resources |", "|---|---|---|"]
    for group in inventory["capabilities"]:
        if detail >= 2:
            names = ", ".join(f"`{r['name']}`" for r in group["resources"][: cap or None])
        else:
            names = ", ".join(f"{n} {t.removeprefix('aws_')}" for t, n in group["by_type"].items())
        lines.append(f"| {group['capability']} | {group['count']} | {_cell(names)} |")
    lines.append("")
    cov = report["coverage"]["summary"]
    lines += ["### Coverage", "", "| Control | Covered |", "|---|---|"]
    for name, value in cov.items():
        lines.append(f"| {name} | {value['ok']}/{value['checked']} ({value['percent']}%) |")
    lines.append("")
    if detail >= 1:
        lines += ["### IAM: who may do what", ""]
        for principal in report["iam"][: cap or None]:
            who = "; ".join(a["principals"] + (f" when {', '.join(a['conditions'])}" if a["conditions"] else "")
                            for a in principal["assumable_by"])
            lines.append(f"- **{_cell(principal['principal'])}**" + (f" — assumed by {_cell(who)}" if who else ""))
            for policy in principal["permissions"]:
                for statement in policy["statements"][: (None if detail >= 3 else 8)]:
                    cond = f" when {'; '.join(statement['conditions'])}" if statement["conditions"] and detail >= 2 else ""
                    who = f"[{_cell(', '.join(statement['principals']))}] " if statement.get("principals") else ""
                    lines.append(f"  - {statement['effect']} {who}{_cell(', '.join(statement['actions']))} on "
                                 f"{_cell(', '.join(statement['resources']))}{_cell(cond)}")
        lines.append("")
    promotion = promotion_lines(report)
    if promotion:
        lines += ["### Model promotion", ""] + [f"- {_cell(line.strip())}" if line.startswith("  ") else f"**{line}**"
                                                for line in promotion] + [""]
    if accepted:
        lines += [f"### Accepted findings ({len(accepted)})", ""]
        if detail >= 2:
            for f in accepted[: cap or None]:
                s = f["suppression"]
                lines.append(f"- `{f['rule_id']}` on `{f['address']}` ({s['origin']}): {_cell(s['reason'])}")
        else:
            lines.append(", ".join(sorted({f"`{f['rule_id']}`" for f in accepted})))
        lines.append("")
    unused = report["suppressions"]["unused"]
    if unused:
        lines += ["### Unused suppressions", ""] + [f"- `{u['rule']}` on `{u['resource']}` in {u['file']}: remove it" for u in unused] + [""]
    for note in v.checkov:
        lines.append(("⚠️ " if note.warning else "") + note.text)
        shown = note.details if detail >= 2 else note.details[:5]
        lines += [f"- accepted {_cell(detail_line)}" for detail_line in shown]
        if len(shown) < len(note.details):
            lines.append(f"- …and {len(note.details) - len(shown)} more accepted (see Accepted findings)")
        if note.details:
            lines.append("")
    if full_report and detail < 3:
        lines += ["", f"_Summarized to fit a comment; the full report is `{full_report}`._"]
    return lines


def render_markdown(report: dict[str, Any], *, full_report: str | None = None, limit: int = LIMIT) -> str:
    v = view(report)
    for detail in (3, 2, 1, 0):
        text = "\n".join(_sections(v, detail, full_report)).rstrip() + "\n"
        if len(text) <= limit:
            return text
    note = f"\n\n_Cut to fit a comment; the full report is `{full_report or 'provision audit --format json'}`._\n"
    return text[: limit - len(note)].rsplit("\n", 1)[0] + note
