"""The audit stays light: it imports no heavy library. (How fast it runs is measured by `make bench`, B5.)"""

from __future__ import annotations

import subprocess
import sys


def test_audit_modules_import_no_boto3_cdktn_or_jinja():
    # GIVEN a fresh interpreter
    code = ("import sys, provisioner.audit.runner, provisioner.audit.report, provisioner.audit.render.markdown, "
            "provisioner.audit.render.html, provisioner.audit.render.sarif, provisioner.audit.gate, provisioner.cli.audit;"
            "print(sorted(m for m in ('boto3', 'botocore', 'cdktn', 'jsii', 'jinja2', 'constructs') if m in sys.modules))")
    # WHEN the audit modules are imported
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    # THEN none of the heavy libraries was loaded
    assert out == "[]"
