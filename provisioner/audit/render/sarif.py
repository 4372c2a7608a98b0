"""SARIF 2.1.0 for code-scanning tools: one run for the built-in pack, one for checkov.

Results point at the workspace spec (the file a reviewer changes), with the
synthesized config's line as a related location and the Terraform address as
the logical location. Suppressed findings carry an `external` suppression with
its written reason.
"""

from __future__ import annotations

import hashlib
from typing import Any

from provisioner.audit.rules import load_rules

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning"}


def _location(report: dict[str, Any], finding: dict[str, Any]) -> dict[str, Any]:
    spec = report["sources"].get("spec")
    config = report["sources"]["config"]
    uri = spec or config
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1 if spec else max(finding.get("line") or 1, 1)}},
        "logicalLocations": [{"fullyQualifiedName": finding["address"], "kind": "resource"}],
    }
    return location


def _result(report: dict[str, Any], finding: dict[str, Any], index: dict[str, int]) -> dict[str, Any]:
    text = f"{finding['address']}: {finding['message']}. Fix: {finding['fix']}"
    result: dict[str, Any] = {
        "ruleId": finding["rule_id"],
        "level": LEVELS.get(finding["level"], "warning"),
        "message": {"text": text},
        "locations": [_location(report, finding)],
        "partialFingerprints": {
            "provisionFinding/v1": hashlib.sha256(f"{finding['rule_id']}|{finding['address']}".encode()).hexdigest()[:32]},
    }
    if finding["rule_id"] in index:
        result["ruleIndex"] = index[finding["rule_id"]]
    if report["sources"].get("spec"):
        result["relatedLocations"] = [{"id": 1, "message": {"text": "synthesized resource"},
                                       "physicalLocation": {"artifactLocation": {"uri": report["sources"]["config"]},
                                                            "region": {"startLine": max(finding.get("line") or 1, 1)}}}]
    if finding["suppressed"]:
        s = finding["suppression"]
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": f"{s['reason']} ({s['origin']}: {s['file']})"}]
    return result


def render_sarif(report: dict[str, Any]) -> dict[str, Any]:
    rules = load_rules()
    own_rules = [{
        "id": r.id, "name": r.title,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.why},
        "help": {"text": f"Fix: {r.fix}", "markdown": f"**Why:** {r.why}\n\n**Fix:** {r.fix}"},
        "defaultConfiguration": {"level": LEVELS[r.level]},
        "properties": {"category": r.category, "resourceTypes": list(r.resource_types)},
    } for r in rules]
    own_index = {r["id"]: i for i, r in enumerate(own_rules)}
    findings = report["findings"]
    runs = [{
        "tool": {"driver": {"name": "provision", "version": report["tool"]["version"],
                            "rules": own_rules}},
        "automationDetails": {"id": f"provision-audit/{(report.get('workspace') or {}).get('name', 'config')}/"},
        "results": [_result(report, f, own_index) for f in findings if f["tool"] == "provision"],
        "columnKind": "unicodeCodePoints",
    }]
    checkov = [r for r in report["checkov"] if r["status"] == "ok"]
    if checkov:
        ckv_findings = [f for f in findings if f["tool"] == "checkov"]
        ids = sorted({f["rule_id"] for f in ckv_findings})
        titles = {f["rule_id"]: f["title"] for f in ckv_findings}
        ckv_rules = [{"id": i, "name": titles[i], "shortDescription": {"text": titles[i]},
                      "defaultConfiguration": {"level": "error"}} for i in ids]
        index = {r["id"]: n for n, r in enumerate(ckv_rules)}
        runs.append({
            "tool": {"driver": {"name": "checkov", "version": checkov[0]["version"],
                                "informationUri": "https://www.checkov.io/", "rules": ckv_rules}},
            "automationDetails": {"id": f"provision-audit-checkov/{(report.get('workspace') or {}).get('name', 'config')}/"},
            "results": [_result(report, f, index) for f in ckv_findings],
            "columnKind": "unicodeCodePoints",
        })
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}
