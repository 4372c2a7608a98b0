"""The audit stays light: no heavy imports, and well under half a second once the synth is cached."""

from __future__ import annotations

import subprocess
import sys
import time

from audit_fixtures import FIXTURES

SERVING = FIXTURES / "scenarios" / "serving.json"


def test_audit_modules_import_no_boto3_cdktn_or_jinja():
    # GIVEN a fresh interpreter
    code = ("import sys, provisioner.audit.runner, provisioner.audit.report, provisioner.audit.render.markdown, "
            "provisioner.audit.render.html, provisioner.audit.render.sarif, provisioner.audit.gate, provisioner.cli.audit;"
            "print(sorted(m for m in ('boto3', 'botocore', 'cdktn', 'jsii', 'jinja2', 'constructs') if m in sys.modules))")
    # WHEN the audit modules are imported
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    # THEN none of the heavy libraries was loaded
    assert out == "[]"


def test_pack_and_report_of_a_cached_workspace_take_under_half_a_second():
    # GIVEN the audit modules loaded and a synthesized serving workspace on disk
    from provisioner.audit.render import render
    from provisioner.audit.report import build_report
    from provisioner.audit.runner import run_audit

    run_audit(SERVING, checkov=False)
    timings = []
    for _ in range(3):
        # WHEN the full pack runs and the text and markdown reports are rendered (checkov aside)
        start = time.perf_counter()
        report = build_report(run_audit(SERVING, checkov=False))
        render(report, "text")
        render(report, "md")
        timings.append(time.perf_counter() - start)
    # THEN it is well within the half-second budget
    assert min(timings) < 0.5, timings
