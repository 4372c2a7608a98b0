"""The audit report as people read it: one reading of the report dict for the text, Markdown and HTML formats.

Each human format lays the same facts out its own way; what the facts *are*
is decided once, here: the verdict line, which findings block, warn or were
accepted, and what each checkov run says (a run switched off with
`--no-checkov` is a plain note, not a warning). JSON and SARIF render the
dict itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Note:
    """A sentence every format shows; `warning` ones stand out (a prefix, an icon, a colour)."""

    text: str
    warning: bool = False


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


def checkov_note(run: dict[str, Any]) -> Note:
    """What one checkov run says: its counts, that it was switched off, or why it could not run."""
    if run["status"] == "ok":
        return Note(f"checkov {run['version']} ({run['framework']}): {run['passed']} passed, {run['failed']} failed"
                    + (" (cached)" if run.get("cached") else ""))
    if run["status"] == "disabled":
        return Note("checkov: not run (--no-checkov)")
    return Note(f"checkov {run['status']}: {run['message']}", warning=True)


def view(report: dict[str, Any]) -> ReportView:
    errors, warnings, accepted = findings_by_level(report)
    cost = report.get("cost")
    counts = (report.get("changes") or {}).get("counts") or {}
    return ReportView(report=report, headline=headline(report), blocked=bool(report["summary"]["blocked"]),
                      errors=errors, warnings=warnings, accepted=accepted,
                      checkov=[checkov_note(run) for run in report["checkov"]],
                      monthly_at_full_scale=cost["monthly_max_usd"]
                      if cost and cost["monthly_max_usd"] != cost["monthly_total_usd"] else None,
                      change_counts=", ".join(f"{counts[k]} to {k}" for k in ("create", "update", "replace", "delete")
                                              if counts.get(k)))


def promotion_lines(report: dict[str, Any]) -> list[str]:
    """Where each served model came from, and what other accounts may read (text and markdown share it)."""
    lines: list[str] = []
    role = report.get("deploy_role")
    if role:
        lines.append(f"Deployed by: {role['role_arn']} (policy and permission boundary {role['policy']}: "
                     f"allows {', '.join(role['allows'])}; denies {', '.join(role['denies'])})")
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
