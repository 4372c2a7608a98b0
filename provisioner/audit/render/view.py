"""The audit report as people read it: one reading of the report dict for the text, Markdown and HTML formats.

Each human format lays the same facts out its own way; what the facts *are*
is decided once, here: the verdict line, which plan the report describes and
whether it is pending, applied or stale, which findings block, warn or were
accepted, what each checkov run says (its failed checks that are accepted say
so, with their reasons; a run switched off with `--no-checkov` is a plain
note, not a warning), and how each change and drift reads. JSON and SARIF
render the dict itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from provisioner.engine.argument_diff import arguments_lines
from provisioner.engine.bundle import provenance_lines


@dataclass(frozen=True)
class Note:
    """A sentence every format shows; `warning` ones stand out (a prefix, an icon, a colour)."""

    text: str
    warning: bool = False
    details: tuple[str, ...] = field(default=())  # lines under the sentence (accepted checks and their reasons)


@dataclass(frozen=True)
class ReportView:
    report: dict[str, Any]  # the masked report dict, for the sections that show it as it is
    headline: str
    blocked: bool
    errors: list[dict[str, Any]]  # unsuppressed, level error: they block `provision apply`
    warnings: list[dict[str, Any]]  # unsuppressed, level warning
    accepted: list[dict[str, Any]]  # suppressed, with the suppression's reason
    checkov: list[Note]
    monthly_at_full_scale: float | None  # the cost with every autoscaled variant at its maximum, when that differs
    change_counts: str  # "2 to create, 1 to replace" ("" without changes or without a preview)
    plan: list[str]  # which saved plan the report describes, and its status (empty without a saved plan)
    changes_title: str  # "Changes (Terraform plan, not applied yet)", "... applied ...", "... STALE ...", "static preview"


def money(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"${value:,.2f}"


def headline(report: dict[str, Any]) -> str:
    summary = report["summary"]
    workspace = report.get("workspace") or {}
    who = f"{workspace.get('name')} ({workspace.get('environment')}, {workspace.get('blueprint')})" if workspace else report["sources"]["config"]
    verdict = "BLOCKED" if summary["blocked"] else "PASSED"
    return (f"{verdict}: {who}: {summary['resources']} resources, {summary['errors']} blocking error(s), "
            f"{summary['warnings']} warning(s), {summary['suppressed']} accepted")


def findings_by_level(report: dict[str, Any]) -> tuple[list[dict], list[dict], list[dict]]:
    findings = report.get("findings", [])
    errors = [f for f in findings if f["level"] == "error" and not f["suppressed"]]
    warnings = [f for f in findings if f["level"] == "warning" and not f["suppressed"]]
    accepted = [f for f in findings if f["suppressed"]]
    return errors, warnings, accepted


SOURCE_OF_FRAMEWORK = {"terraform_json": "config", "terraform_plan": "plan"}


def accepted_lines(findings: list[dict[str, Any]]) -> list[str]:
    """Accepted findings grouped by rule and reason: `CKV_AWS_144 on a, b: reason (baseline)`."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for f in findings:
        s = f["suppression"]
        groups.setdefault((f["rule_id"], s["reason"], s["origin"]), []).append(f["address"])
    return [f"{rule} on {', '.join(sorted(set(addresses)))}: {reason} ({origin})"
            for (rule, reason, origin), addresses in sorted(groups.items())]


def checkov_note(run: dict[str, Any], findings: list[dict[str, Any]] = ()) -> Note:
    """What one checkov run says: its counts, that it was switched off, or why it could not run. Its failed
    checks that are accepted are said to be accepted, each with its reason, in the same place."""
    if run["status"] == "ok":
        text = (f"checkov {run['version']} ({run['framework']}): {run['passed']} passed, {run['failed']} failed"
                + (" (cached)" if run.get("cached") else ""))
        if not run["failed"]:
            return Note(text)
        source = SOURCE_OF_FRAMEWORK.get(run.get("framework", ""), "config")
        mine = [f for f in findings if f["tool"] == "checkov" and source in f.get("sources", [])]
        accepted = [f for f in mine if f["suppressed"]]
        still_open = len(mine) - len(accepted)
        if accepted and not still_open:
            text += f"; all {len(accepted)} accepted:"
        elif accepted:
            text += f"; {len(accepted)} accepted, {still_open} open (in the findings above):"
        else:
            text += "; none accepted (in the findings above)"
        return Note(text, details=tuple(accepted_lines(accepted)))
    if run["status"] == "disabled":
        return Note("checkov: not run (--no-checkov)")
    return Note(f"checkov {run['status']}: {run['message']}", warning=True)


def changes_title(report: dict[str, Any]) -> str:
    """What the changes section shows: a plan still to apply, an applied one, a stale one, or a static preview."""
    changes = report.get("changes") or {}
    if changes.get("source") != "plan":
        return "Changes (static preview from the last applied config)"
    status = ((report.get("plan") or {}).get("status") or {})
    if status.get("state") == "applied":
        return f"Changes (Terraform plan, applied {status.get('applied')}: already made, not pending)"
    if status.get("state") == "stale":
        return ("Changes (Terraform plan, STALE: " + "; ".join(status.get("reasons") or []) +
                ": not what apply would do now; run `provision plan` again)")
    if status:
        return "Changes (Terraform plan, not applied yet)"
    return "Changes (Terraform plan)"


def change_lines(change: dict[str, Any], limit: int | None = None, width: int = 80) -> list[str]:
    """A changed resource's arguments as lines, old and new value each (past `limit`, counted)."""
    return arguments_lines(change.get("changes") or [], limit=limit, width=width)


def drift_lines(drift: dict[str, Any], limit: int | None = None, width: int = 80) -> list[str]:
    if drift["action"] == "delete":
        return ["deleted outside Terraform"]
    return arguments_lines(drift.get("changes") or [], limit=limit, width=width)


DRIFT_TITLE = "Changed outside Terraform since the last apply"


def view(report: dict[str, Any]) -> ReportView:
    errors, warnings, accepted = findings_by_level(report)
    cost = report.get("cost")
    counts = (report.get("changes") or {}).get("counts") or {}
    return ReportView(report=report, headline=headline(report), blocked=bool(report["summary"]["blocked"]),
                      errors=errors, warnings=warnings, accepted=accepted,
                      checkov=[checkov_note(run, report.get("findings", [])) for run in report["checkov"]],
                      monthly_at_full_scale=cost["monthly_max_usd"]
                      if cost and cost["monthly_max_usd"] != cost["monthly_total_usd"] else None,
                      change_counts=", ".join(f"{counts[k]} to {k}" for k in ("create", "update", "replace", "delete")
                                              if counts.get(k)),
                      plan=provenance_lines(report["plan"]) if report.get("plan") else [],
                      changes_title=changes_title(report))


def promotion_lines(report: dict[str, Any]) -> list[str]:
    """Where each served model came from, and what other accounts may read (text and markdown share it)."""
    lines: list[str] = []
    role = report.get("deploy_role")
    if role:
        lines.append(f"Deployed by: {role['role_arn']} (policy and permission boundary {role['policy']}), "
                     "statement by statement:")
        lines += [f"  {s['effect']} {s['sid']}: {', '.join(s['actions'])} on {', '.join(s['resources'])}"
                  + (f" if {s['condition']}" if s.get("condition") else "") for s in role.get("statements", [])]
        plan = role.get("plan_role")
        if plan:
            lines.append(f"Planned by: {plan['role_arn']} ({plan['trusted_by']}; policy {plan['policy']}):")
            lines += [f"  {s['effect']} {s['sid']}: {', '.join(s['actions'])} on {', '.join(s['resources'])}"
                      for s in plan["statements"]]
    served = report.get("served_models") or []
    if served:
        lines.append("Served models:")
        for item in served:
            origin = item.get("origin")
            if origin:
                lines.append(f"  {item['package']}: promoted from account {origin['source_account']} version "
                             f"{origin['source_version']} ({origin['source']}), approved by {origin['approved_by']}, "
                             f"promoted by {origin['promoted_by']} at {origin['promoted_at']}")
            else:
                lines.append(f"  {item['package']}: registered in this workspace (no promotion recorded)")
    grants = report.get("cross_account") or []
    if grants:
        lines.append("Other accounts may:")
        for grant in grants:
            lines.append(f"  account {grant['account']}: {', '.join(grant['actions'])} on {grant['resource']}")
    return lines
