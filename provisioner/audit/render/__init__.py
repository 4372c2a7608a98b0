"""Report formats: text, md, html, json, sarif. Each renders the masked report dict.

The human formats (text, md, html) read it through one `view.ReportView`, so they agree on what it says.
"""

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
