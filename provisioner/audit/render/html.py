"""One self-contained HTML file: inline CSS and an inline SVG picture, no external assets, no scripts.

`render_html` is the page's sections in order; each section is one function of the shared `ReportView`.
"""

from __future__ import annotations

from html import escape
from typing import Any

from provisioner.audit.render.view import DRIFT_TITLE, ReportView, change_lines, drift_lines, money, view

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1b1b1b;max-width:1400px}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f5f5f5}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;background:#f3f3f3;padding:0 .2em;border-radius:3px}
.verdict{padding:.6rem 1rem;border-radius:6px;font-weight:600}
.blocked{background:#fde2e1;color:#8a1c13}.passed{background:#e3f4e1;color:#1d5e1a}
.error{color:#b3261e;font-weight:600}.warning{color:#8a5a00;font-weight:600}.ok{color:#1d5e1a}.missing{color:#b3261e}
.accepted{color:#6b6b6b}.graph{border:1px solid #ddd;border-radius:6px;padding:.5rem;background:#fcfcfc}
.graph svg{display:block;max-width:100%;height:auto}
pre.args{margin:.2rem 0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8rem}.plan{font-size:.9rem}
details{margin:.3rem 0}summary{cursor:pointer}
@media print{body{margin:0;max-width:none;font-size:10pt}.graph{border:none;padding:0;background:none}
h2{break-after:avoid}tr,.node,pre.args{break-inside:avoid}details::details-content{content-visibility:visible;display:block}}
"""


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _code(text: Any) -> str:
    return f"<code>{escape(str(text))}</code>"


def render_html(report: dict[str, Any], svg: str) -> str:
    v = view(report)
    parts = [*_verdict(v), *_workspace(v), *_plan(v), _picture(svg), _inventory(v), *_findings(v), *_checkov(v),
             *_cost(v), *_iam(v), *_coverage(v), *_changes(v)]
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{escape(v.headline)}</title>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head>"
            f"<body>{body}</body></html>\n")


def _verdict(v: ReportView) -> list[str]:
    return [f"<h1>provision audit</h1><p class='verdict {'blocked' if v.blocked else 'passed'}'>{escape(v.headline)}</p>"]


def _workspace(v: ReportView) -> list[str]:
    workspace = v.report.get("workspace")
    if not workspace:
        return []
    return [_table(["Workspace", "Environment", "Blueprint", "Capabilities"],
                   [[escape(workspace["name"]), escape(workspace["environment"]), escape(workspace["blueprint"]),
                     escape(", ".join(workspace["capabilities"]))]])]


def _plan(v: ReportView) -> list[str]:
    if not v.plan:
        return []
    state = ((v.report.get("plan") or {}).get("status") or {}).get("state", "")
    css = {"stale": "error", "applied": "accepted"}.get(state, "")
    return [f"<p class='plan'>{escape(v.plan[0])}<br><span class='{css}'>{escape(v.plan[1])}</span></p>"]


def _lines(lines: list[str]) -> str:
    return "<pre class='args'>" + escape("\n".join(lines)) + "</pre>" if lines else ""


def _picture(svg: str) -> str:
    return "<h2>Resources and their relations</h2><div class='graph'>" + svg + "</div>"


def _inventory(v: ReportView) -> str:
    inventory = v.report["inventory"]
    rows = []
    for group in inventory["capabilities"]:
        names = "<br>".join(f"{_code(r['name'])} <span class='accepted'>{escape(r['type'])}</span>" for r in group["resources"])
        rows.append([escape(group["capability"]), str(group["count"]), f"<details><summary>{len(group['resources'])} resources</summary>{names}</details>"])
    return f"<h2>What will be created ({inventory['total']})</h2>" + _table(["Capability", "Count", "Resources"], rows)


def _findings(v: ReportView) -> list[str]:
    parts = ["<h2>Policy findings</h2>"]
    for title, items, css in (("Errors (block apply)", v.errors, "error"), ("Warnings", v.warnings, "warning"),
                              ("Accepted", v.accepted, "accepted")):
        if not items:
            continue
        rows = [[f"<span class='{css}'>{escape(f['rule_id'])}</span>", _code(f["address"]), escape(f["message"]),
                 escape(f["suppression"]["reason"] + f" ({f['suppression']['origin']})") if f["suppressed"] else escape(f["fix"])]
                for f in items]
        parts.append(f"<h3>{title} ({len(items)})</h3>" + _table(["Rule", "Resource", "Problem", "Reason" if css == "accepted" else "Fix"], rows))
    if not (v.errors or v.warnings):
        parts.append("<p class='ok'>No open findings.</p>")
    for unused in v.report["suppressions"]["unused"]:
        parts.append(f"<p class='warning'>Unused suppression {_code(unused['rule'])} on {_code(unused['resource'])} in {escape(unused['file'])}: remove it.</p>")
    return parts


def _cost(v: ReportView) -> list[str]:
    cost = v.report.get("cost")
    if not cost:
        return []
    parts = ["<h2>Estimated monthly cost</h2>"]
    budget = cost.get("budget_usd")
    parts.append(f"<p><strong>{money(cost['monthly_total_usd'])}</strong> per month"
                 + (f", up to {money(v.monthly_at_full_scale)} at full autoscaling" if v.monthly_at_full_scale is not None else "")
                 + (f"; {cost['budget_used_pct']}% of the {money(budget)} budget" if budget else "")
                 + (" <span class='error'>over budget</span>" if cost.get("over_budget") else "") + "</p>")
    if cost["monthly"]:
        parts.append(_table(["Item", "Resource", "Instance", "Count", "$/hour", "$/month", "Note"], [
            [escape(i["what"]), _code(i["address"]), escape(str(i["instance_type"])), f"{i['count']:g}", money(i["unit_price"]),
             money(i["monthly"]), escape(i["note"])] for i in cost["monthly"]]))
    if cost["training_per_hour"]:
        parts.append(_table(["Training instance", "$/hour each", "Max instances", "$/hour at max"], [
            [escape(t["instance_type"]), money(t["per_instance_hour"]), str(t["max_instances"]), money(t["per_hour_at_max"])]
            for t in cost["training_per_hour"]]))
    for note in cost.get("notes", []):
        parts.append(f"<p class='accepted'>{escape(note)}</p>")
    return parts


def _iam(v: ReportView) -> list[str]:
    parts = ["<h2>IAM: who may do what</h2>"]
    for principal in v.report["iam"]:
        who = "; ".join(a["principals"] + (f" when {', '.join(a['conditions'])}" if a["conditions"] else "") for a in principal["assumable_by"])
        rows = [[escape(s["effect"]), escape(", ".join(s.get("principals") or [])) or "—", escape(", ".join(s["actions"])),
                 escape(", ".join(s["resources"])), escape("; ".join(s["conditions"])) or "—"]
                for p in principal["permissions"] for s in p["statements"]]
        parts.append(f"<details open><summary><strong>{escape(principal['principal'])}</strong>"
                     + (f" — assumed by {escape(who)}" if who else "") + "</summary>"
                     + _table(["Effect", "Principals", "Actions", "Resources", "Conditions"], rows) + "</details>")
    return parts


def _coverage(v: ReportView) -> list[str]:
    coverage = v.report["coverage"]
    parts = ["<h2>Encryption, network exposure and tagging</h2>"]
    parts.append(_table(["Control", "Covered"], [[escape(k), f"{c['ok']}/{c['checked']} ({c['percent']}%)"] for k, c in coverage["summary"].items()]))
    for name in ("encryption", "network", "tagging"):
        rows = [[_code(r["address"]), escape(r["control"]), f"<span class='{r['status']}'>{escape(r['status'])}</span>", escape(r["detail"])]
                for r in coverage[name]]
        if rows:
            parts.append(f"<details><summary>{escape(name)} ({len(rows)})</summary>" + _table(["Resource", "Control", "Status", "Detail"], rows) + "</details>")
    return parts


def _changes(v: ReportView) -> list[str]:
    changes = v.report.get("changes")
    if not changes:
        return []
    parts = [f"<h2>{escape(v.changes_title)}</h2>", f"<p>{escape(v.change_counts or 'no changes')}</p>",
             _table(["Action", "Resource", "Stateful", "What changes"], [
                 [escape(c["action"]), _code(c["address"]), "<span class='error'>yes</span>" if c["stateful"] else "",
                  (escape(c["reason"]) + "<br>" if c["reason"] else "") + _lines(change_lines(c, limit=40))]
                 for c in changes["resources"]])]
    drift = changes.get("drift") or []
    if drift:
        parts.append(f"<h3>{DRIFT_TITLE} ({len(drift)})</h3><p>The plan may undo or respond to these changes.</p>")
        parts.append(_table(["Resource", "What changed"], [[_code(d["address"]), _lines(drift_lines(d, limit=40))]
                                                            for d in drift]))
    return parts


def _checkov(v: ReportView) -> list[str]:
    parts = ["<h2>Second opinion: checkov</h2>"]
    for note in v.checkov:
        parts.append(f"<p class='warning'>{escape(note.text)}</p>" if note.warning else f"<p>{escape(note.text)}</p>")
        if note.details:
            parts.append("<ul class='accepted'>" + "".join(f"<li>{escape(line)}</li>" for line in note.details) + "</ul>")
    return parts
