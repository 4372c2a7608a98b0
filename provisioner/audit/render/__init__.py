"""Report formats: text, md, html, json, sarif. Each renders the masked report dict."""

from __future__ import annotations

import json
from typing import Any

FORMATS = ("text", "md", "html", "json", "sarif")


def render(report: dict[str, Any], fmt: str, *, svg: str = "", full_report: str | None = None) -> str:
    if fmt == "json":
        return json.dumps(report, indent=2, sort_keys=True, default=str) + "\n"
    if fmt == "md":
        from provisioner.audit.render.markdown import render_markdown

        return render_markdown(report, full_report=full_report)
    if fmt == "html":
        from provisioner.audit.render.html import render_html

        return render_html(report, svg)
    if fmt == "sarif":
        from provisioner.audit.render.sarif import render_sarif

        return json.dumps(render_sarif(report), indent=2, sort_keys=True) + "\n"
    if fmt == "text":
        from provisioner.audit.render.text import render_text

        return render_text(report)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def money(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"${value:,.2f}"


def findings_by_level(report: dict[str, Any]) -> tuple[list[dict], list[dict], list[dict]]:
    findings = report.get("findings", [])
    errors = [f for f in findings if f["level"] == "error" and not f["suppressed"]]
    warnings = [f for f in findings if f["level"] == "warning" and not f["suppressed"]]
    accepted = [f for f in findings if f["suppressed"]]
    return errors, warnings, accepted


def headline(report: dict[str, Any]) -> str:
    summary = report["summary"]
    workspace = report.get("workspace") or {}
    who = f"{workspace.get('name')} ({workspace.get('environment')}, {workspace.get('blueprint')})" if workspace else report["sources"]["config"]
    verdict = "BLOCKED" if summary["blocked"] else "PASSED"
    return (f"{verdict}: {who}: {summary['resources']} resources, {summary['errors']} blocking error(s), "
            f"{summary['warnings']} warning(s), {summary['suppressed']} accepted")
