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
